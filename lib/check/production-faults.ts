/**
 * `initc check`'s faults that re-run init code in production, one test each: the pod replaced
 * (deleted, or evicted with --evict), a rollout restart, a scale-out to --replicas at once, and a
 * drain of its node. Each starts from the workload Ready, probes it, injects the fault (which
 * proves it took effect), waits for the workload to come up again (its recovery time), and probes
 * the NEW pod, which sees what the pod's PersistentVolumeClaims kept: its output must be the one
 * before the fault. A fault that cannot apply to the workload's kind is a skip with its reason.
 */
import { AssertionError } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import { drain } from '../chaos/drain.js';
import { EvictionRefused, replacePod } from '../chaos/replace-pod.js';
import { rollout } from '../chaos/rollout.js';
import { scaleOut } from '../chaos/scale-out.js';
import type { WorkloadTarget } from '../chaos/workload.js';
import { NotApplicable, pollFor, workloadPods } from '../chaos/workload.js';
import { describePod, podUp, rolloutComplete, revisionOf } from '../chaos/workload-proof.js';
import { placed, podSelector } from './apply.js';
import type { FaultName } from './faults.js';
import type { FaultTestKit, TestRecord } from './harness.js';
import { injectionEnd } from './harness.js';
import type { Workload } from './manifests.js';
import { Skip } from './outcome.js';
import { checkAppliedOnce, checkDrainOutcomes, checkPodsUp, checkRolledOut, initRuns } from './production-verdicts.js';
import type { ProbeOutput } from './verdicts.js';
import { checkInitOrder, checkProbeWorks, recoveryMs } from './verdicts.js';

/** What the production-fault tests use of the check suite being built (lib/check/suite.ts). */
export interface ProductionFaultKit extends FaultTestKit {
  faults: FaultName[];
  replicas: number;
  evict: boolean;
  /** Records a recovery time that was not measured on a timeline (several pods). */
  recovered: (rec: TestRecord, fault: string, ms: number, description: string) => void;
}

export function workloadTarget(w: Workload, namespace: string, labels: Record<string, string>): WorkloadTarget {
  return { namespace, kind: w.kind, name: w.name, selector: podSelector(w), manifest: w.kind === 'Pod' ? placed(w.object, namespace, labels) : undefined };
}

/** The workload's pods claim a PersistentVolumeClaim (a volume of the pod spec, or a StatefulSet's volumeClaimTemplates): state that outlives a pod. */
export function keepsState(w: Workload): boolean {
  const templates = (w.object.spec as { volumeClaimTemplates?: unknown[] } | undefined)?.volumeClaimTemplates ?? [];
  return templates.length > 0 || (w.podSpec.volumes ?? []).some((v) => v.persistentVolumeClaim !== undefined);
}

/** A fault made for the workload, or the skip that says why it cannot apply. */
function applicable<F>(w: Workload, make: () => F): F {
  if (w.kind === 'Job') throw new Skip('a Job\'s pods run to completion: the faults on a serving workload do not apply to it');
  try {
    return make();
  } catch (err) {
    if (err instanceof NotApplicable) throw new Skip(err.message);
    throw err;
  }
}

export function addProductionFaultTests(k: ProductionFaultKit): void {
  const w = k.workload;
  const target = workloadTarget(w, k.namespace, k.labels);
  const s = k.recoverMs / 1000;

  /** The probe before the fault, on the Ready pod (it must work). */
  const probeBefore = async (rec: TestRecord, pod: V1Pod, what: string) => {
    const before = await k.probe(rec, pod.metadata!.name!, `before ${what}`);
    if (before) checkProbeWorks(before, `before ${what}`);
    return before;
  };
  const persistent = keepsState(w);
  /**
   * What the new pod's probe is compared with: with a PersistentVolumeClaim, the probe just before
   * the fault (the new pod sees the data the old one left); without one, a fresh pod's (its
   * emptyDir starts empty, as at the first Ready).
   */
  const reference = (rec: TestRecord, before: ProbeOutput | undefined) => {
    rec.extra.push({ name: 'compared with', content: persistent ? 'the probe just before the fault: the workload claims a PersistentVolumeClaim, whose data the new pod sees' : 'the probe at the first Ready: the workload claims no PersistentVolumeClaim, so a new pod starts from what a fresh pod sees' });
    return persistent ? before : k.baseline();
  };
  /** The new pod up again (Ready, every init container run), on its own timeline, then probed. */
  const newPodUp = async (rec: TestRecord, name: string, fault: string, fromWall: number, what: string, before: ProbeOutput | undefined) => {
    const t = await k.timeline(rec, name);
    const row = await k.readyAgain(rec, t, `the new pod ${name} Ready, every init container run`, podUp, fault, fromWall);
    checkInitOrder(row.pod);
    k.compareProbe(rec, reference(rec, before), await k.probe(rec, name, `after ${what}, on the new pod`), what);
  };

  if (k.faults.includes('replace-pod')) {
    const how = k.evict ? 'evicted through the Eviction API (PodDisruptionBudgets honoured)' : 'deleted through the API';
    k.test('fault', `replace-pod: a pod ${how}, a new pod (new uid, the volumes it claims kept) runs every init container again: Ready within ${s} s, init order kept, ${k.idempotency} on the new pod`, async (rec) => {
      const fault = applicable(w, () => replacePod(target, { evict: k.evict, waitMs: k.recoverMs }));
      const pod = await k.readyPod(rec);
      const what = `the pod was ${k.evict ? 'evicted' : 'deleted'} and replaced`;
      const before = await probeBefore(rec, pod, what);
      await k.inject(rec, k.kc, await k.timeline(rec, pod.metadata!.name!), fault).catch((err: unknown) => {
        if (err instanceof EvictionRefused) throw new AssertionError(`expected the eviction of pod ${err.pod} allowed; observed the Eviction API refused it (HTTP 429): ${err.apiMessage}; look at the PodDisruptionBudgets selecting it (kubectl get pdb -n ${k.namespace}): with minAvailable equal to the replicas, or maxUnavailable 0, no pod of it can ever be evicted`);
        throw err;
      });
      const next = fault.outcome.replacement!;
      rec.extra.push({ name: 'replacement', content: `${fault.outcome.old!.name} (uid ${fault.outcome.old!.uid}) → ${describePod(next)}` });
      await newPodUp(rec, next.metadata!.name!, 'replace-pod', injectionEnd(rec), what, before);
    });
  }

  if (k.faults.includes('rollout')) {
    k.test('fault', `rollout: restart annotation (kubectl.kubernetes.io/restartedAt) on the pod template, every pod of a new revision runs every init container: the rollout completes within ${s} s, init order kept, ${k.idempotency} on a new pod`, async (rec) => {
      const fault = applicable(w, () => rollout(target, { waitMs: k.recoverMs }));
      const pod = await k.readyPod(rec);
      const before = await probeBefore(rec, pod, 'the rollout');
      await k.inject(rec, k.kc, await k.timeline(rec, pod.metadata!.name!), fault);
      const from = injectionEnd(rec);
      const e = (now: V1Pod[]) => ({ revisionsBefore: [...new Set(fault.outcome.before.map((p) => revisionOf(p) ?? ''))], uidsBefore: fault.outcome.before.map((p) => p.metadata!.uid!), replicas: fault.outcome.replicas, now });
      const now = await pollFor(() => workloadPods(k.kc, target), (ps) => rolloutComplete(e(ps)), k.recoverMs);
      rec.extra.push({ name: 'rollout', content: `before: ${fault.outcome.before.map(describePod).join('; ')}\nafter: ${now.map(describePod).join('; ')}` });
      checkRolledOut(e(now));
      k.recovered(rec, 'rollout', recoveryMs(new Date().toISOString(), from), 'the rollout complete, every new pod Ready');
      const newest = now.at(-1)!;
      checkInitOrder(newest);
      k.compareProbe(rec, reference(rec, before), await k.probe(rec, newest.metadata!.name!, 'after the rollout, on a new pod'), 'the rollout');
    });
  }

  if (k.faults.includes('scale-out')) {
    k.test('fault', `scale-out: ${k.replicas} replicas at once, their init containers running concurrently against what they share: all Ready within ${s} s, ${k.idempotency.replace('probe output unchanged', 'the probe (run once, all Ready) shows the init step applied once')}`, async (rec) => {
      const fault = applicable(w, () => scaleOut(target, { replicas: k.replicas, waitMs: k.recoverMs }));
      const pod = await k.readyPod(rec);
      const before = await probeBefore(rec, pod, 'the scale-out');
      await k.inject(rec, k.kc, await k.timeline(rec, pod.metadata!.name!), fault);
      const from = injectionEnd(rec);
      const pods = await pollFor(() => workloadPods(k.kc, target), (ps) => ps.length === k.replicas && ps.every(podUp), k.recoverMs);
      const runs = initRuns(pods);
      rec.extra.push({ name: "replicas' init containers", content: `${runs.lines.join('\n')}\noverlapping in time: ${runs.overlapping.join(', ') || 'none'}${fault.outcome.podManagementPolicy ? `\npodManagementPolicy: ${fault.outcome.podManagementPolicy}${fault.outcome.podManagementPolicy === 'OrderedReady' ? ' (the StatefulSet starts its pods one after the other, not at once)' : ''}` : ''}` });
      checkPodsUp(pods, k.replicas, `the scale-out to ${k.replicas}`);
      k.recovered(rec, 'scale-out', recoveryMs(new Date().toISOString(), from), `${k.replicas} pods Ready, every init container run`);
      for (const p of pods) checkInitOrder(p);
      const after = await k.probe(rec, pod.metadata!.name!, `once, after ${k.replicas} replicas were Ready`);
      if (!before || !after) return k.compareProbe(rec, before, after, 'the scale-out');
      checkAppliedOnce(before, after, k.replicas);
    });
  }

  if (k.faults.includes('drain')) {
    k.test('fault', `drain: the node of its pod cordoned, each of its pods there evicted through the Eviction API; each pod moved, or stayed Pending for want of another node (not the workload's doing), never blocked by a PodDisruptionBudget nor pinned by a node-local volume; uncordoned, Ready within ${s} s, ${k.idempotency} on the new pod`, async (rec) => {
      const fault = applicable(w, () => drain(target, { waitMs: k.recoverMs }));
      const pod = await k.readyPod(rec);
      const before = await probeBefore(rec, pod, 'the drain');
      const undo = await k.inject(rec, k.kc, await k.timeline(rec, pod.metadata!.name!), fault);
      const outcomes = await fault.outcomes(k.kc, k.recoverMs);
      rec.extra.push({ name: 'drain outcomes', content: `node ${fault.outcome.node}:\n${outcomes.map((o) => JSON.stringify(o)).join('\n')}` });
      let verdictError: unknown;
      try {
        rec.extra.push({ name: 'drain verdicts', content: checkDrainOutcomes(outcomes, k.namespace, s).join('\n') });
      } catch (err) {
        verdictError = err;
      }
      await undo();
      const back = Date.now();
      // Nothing was evicted (every eviction refused): no new pod will come to wait for.
      if (verdictError && !fault.outcome.evictions.some((e) => e.status === 201)) throw verdictError;
      const uidsBefore = fault.outcome.before.map((p) => p.metadata!.uid!);
      const newPods = (await pollFor(() => workloadPods(k.kc, target), (ps) => ps.some((p) => !uidsBefore.includes(p.metadata!.uid!) && podUp(p)), k.recoverMs)).filter((p) => !uidsBefore.includes(p.metadata!.uid!));
      if (verdictError) throw verdictError;
      const next = newPods.find(podUp);
      if (!next) return checkPodsUp(newPods, Math.max(newPods.length, 1), 'the drain and the uncordon');
      await newPodUp(rec, next.metadata!.name!, 'drain', outcomes.every((o) => o.kind === 'moved') ? injectionEnd(rec) : back, 'the drain', before);
    });
  }
}
