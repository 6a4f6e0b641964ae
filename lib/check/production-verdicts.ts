/**
 * The verdicts of `initc check` on the faults that re-run init code in production (replace-pod,
 * rollout, scale-out, drain), as pure functions of pods, probe outputs and drain outcomes: the
 * workload's new pods come up (Ready, every init container run); after N replicas start at once the
 * --probe (run once, when all are Ready) shows the init step's effect applied once; and each pod a
 * drain asked to leave moved, or stayed Pending for a reason that is not the workload's, or says
 * what stopped it. Each failure says what was expected, what was observed and where to look.
 */
import { AssertionError } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import type { DrainOutcome } from '../chaos/drain-outcome.js';
import { describeOutcome } from '../chaos/drain-outcome.js';
import type { RolloutEvidence } from '../chaos/workload-proof.js';
import { describePod, podUp, revisionOf, rolloutComplete } from '../chaos/workload-proof.js';
import type { ProbeOutput } from './verdicts.js';
import { sideBySide } from './verdicts.js';

function fail(expected: string, observed: string, look: string): never {
  throw new AssertionError(`expected ${expected}; observed ${observed}; look at ${look}`);
}

/** `want` pods of the workload, every one Ready with its init containers run, after `what`. */
export function checkPodsUp(pods: V1Pod[], want: number, what: string): void {
  const up = pods.filter(podUp);
  if (pods.length === want && up.length === want) return;
  fail(`${want} pod(s) of the workload Ready, every init container run, after ${what}`, `${pods.length} pod(s), ${up.length} up: ${pods.map(describePod).join('; ') || 'none'}`, 'the timelines of the new pods and their init containers\' logs (kubectl logs POD -c INIT)');
}

/** The rollout complete: `replicas` pods, all of a new revision, none of the old ones left, each Ready with its init containers run. */
export function checkRolledOut(e: RolloutEvidence): void {
  if (rolloutComplete(e)) return;
  const old = e.now.filter((p) => e.uidsBefore.includes(p.metadata?.uid ?? '') || e.revisionsBefore.includes(revisionOf(p) ?? ''));
  fail(`the rollout complete: ${e.replicas} pod(s) of a new revision (not ${e.revisionsBefore.join(', ')}), none of the old ones left, each Ready with every init container run`, `${e.now.length} pod(s), ${old.length} of the old revision: ${e.now.map(describePod).join('; ') || 'none'}`, 'the new pods\' timelines and init containers\' logs, and the workload\'s rollout status (kubectl rollout status)');
}

/**
 * After `replicas` replicas started at once, the --probe run once (all of them Ready) must show
 * what it showed before the scale-out: the init step's effect applied once, however many ran it.
 */
export function checkAppliedOnce(before: ProbeOutput, after: ProbeOutput, replicas: number): void {
  if (before.exitCode === after.exitCode && before.stdout === after.stdout) return;
  throw new AssertionError(
    `not applied once: expected the --probe output after ${replicas} replicas started at once (run once, all of them Ready) to be the one before the scale-out; observed it differs (exit ${before.exitCode} before, ${after.exitCode} after): their init containers each applied the step against the state they share; look at the attachment "replicas' init containers" (when each ran) and take a lock or check for the step's effect before applying it\n${sideBySide(before.stdout, after.stdout)}`,
  );
}

/** When each pod's init containers ran (from their terminated states), and which pods' runs overlapped in time (evidence of concurrency). */
export function initRuns(pods: V1Pod[]): { lines: string[]; overlapping: string[] } {
  const runs = pods.flatMap((p) =>
    (p.status?.initContainerStatuses ?? []).map((s) => {
      const t = s.state?.terminated;
      return { pod: p.metadata?.name ?? '?', name: s.name, from: t?.startedAt ? new Date(t.startedAt).getTime() : NaN, to: t?.finishedAt ? new Date(t.finishedAt).getTime() : NaN };
    }),
  );
  const iso = (ms: number) => (Number.isNaN(ms) ? 'unknown' : new Date(ms).toISOString());
  const lines = runs.map((r) => `${r.pod} ${r.name}: ${iso(r.from)} → ${iso(r.to)}`);
  const overlapping: string[] = [];
  runs.forEach((a, i) =>
    runs.slice(i + 1).forEach((b) => {
      if (a.pod !== b.pod && a.name === b.name && a.from <= b.to && b.from <= a.to) overlapping.push(`${a.pod} and ${b.pod} (${a.name})`);
    }),
  );
  return { lines, overlapping };
}

export interface DrainVerdict {
  pod: string;
  ok: boolean;
  line: string;
}

/**
 * One pod's drain, judged: moved passes; stayed Pending because no other node could take it is not
 * the workload's doing (noted, and it must come back once uncordoned); a node-local volume, any
 * other scheduling reason, a PodDisruptionBudget's refusal or no decision fail, saying where to look.
 */
export function drainVerdict(o: DrainOutcome, namespace: string, waitedS: number): DrainVerdict {
  const line = describeOutcome(o);
  const failed = (expected: string, observed: string, look: string): DrainVerdict => ({ pod: o.pod, ok: false, line: `expected ${expected}; observed ${observed}; look at ${look}` });
  switch (o.kind) {
    case 'moved':
      return { pod: o.pod, ok: true, line };
    case 'blocked':
      return failed(`the eviction of pod ${o.pod} allowed, so that its node can be drained`, `the Eviction API refused it (HTTP 429): ${o.why}`, `the PodDisruptionBudgets selecting it (kubectl get pdb -n ${namespace}): with minAvailable equal to the replicas, or maxUnavailable 0, no pod of it can ever be evicted and kubectl drain waits forever`);
    case 'pending':
      if (o.cause === 'no-other-schedulable-node') return { pod: o.pod, ok: true, line: `${line} (not a verdict on the workload: the cluster had no other node to take it)` };
      if (o.cause === 'node-local-volume') return failed(`pod ${o.pod} to move to another node when its node was drained`, `its replacement ${o.replacement} stayed Pending: ${o.why}`, `its PersistentVolumeClaims' volumes (kubectl get pv -o yaml: spec.nodeAffinity): node-local storage pins the pod to the drained node, so it cannot run anywhere until that node is back`);
      return failed(`pod ${o.pod} to move to another node when its node was drained`, `its replacement ${o.replacement} stayed Pending: ${o.why}`, `the scheduler's events of ${o.replacement} (kubectl describe pod -n ${namespace} ${o.replacement})`);
    default:
      return failed(`pod ${o.pod} to move, or to stay Pending with the scheduler's reason, within ${waitedS} s of the drain`, o.why, `the workload's controller and the timeline of its pods`);
  }
}

/** Every pod's drain verdict; throws listing the failed ones (each with expected/observed/where to look). Returns the lines, for the evidence. */
export function checkDrainOutcomes(outcomes: DrainOutcome[], namespace: string, waitedS: number): string[] {
  if (!outcomes.length) fail('at least one pod of the workload asked to leave the drained node', 'none', 'the workload\'s pods and their nodes');
  const verdicts = outcomes.map((o) => drainVerdict(o, namespace, waitedS));
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length) throw new AssertionError(`the drain: ${bad.length} of ${verdicts.length} pod(s) did not move:\n${bad.map((v) => `- ${v.pod}: ${v.line}`).join('\n')}`);
  return verdicts.map((v) => v.line);
}
