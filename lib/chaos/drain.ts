/**
 * drain: `kubectl drain` of the node a workload's pod runs on — the node cordoned (unschedulable),
 * then each of the workload's pods on it evicted through the Eviction API, which honours
 * PodDisruptionBudgets (a refusal, HTTP 429, is recorded, not retried). Undo uncordons the node
 * (only if the drain cordoned it). It proves itself: the node reads back cordoned and each pod was
 * evicted (gone) or refused. What became of each pod — moved, stayed Pending and why, blocked — is
 * followed by `outcomes` (drain-outcome.ts). A bare Pod is not drained (kubectl drain refuses one
 * without --force: nothing would make it again), nor a DaemonSet's (they tolerate the cordon).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { requestJson } from '../kube/raw.js';
import type { DrainOutcome, EvictionRecord } from './drain-outcome.js';
import { drainOutcome, replacements } from './drain-outcome.js';
import type { Fault } from './fault.js';
import { proofFailed } from './proof.js';
import type { WorkloadTarget } from './workload.js';
import { NotApplicable, controllerUid, describeTarget, evictPod, pollFor, workloadPods } from './workload.js';
import { drainProof, podUp } from './workload-proof.js';

export interface DrainFault extends Fault<KubeConfig> {
  /** After inject: the node drained, whether it was cordoned already, the pods before, each eviction's answer. */
  readonly outcome: { node?: string; wasCordoned?: boolean; before: V1Pod[]; evictions: EvictionRecord[] };
  /**
   * What became of each pod asked to leave, followed until every one is decided (moved, Pending
   * with the scheduler's reason, blocked) or `waitMs` passed (then the undecided say what was seen).
   */
  outcomes(kc: KubeConfig, waitMs: number): Promise<DrainOutcome[]>;
}

const cordon = (kc: KubeConfig, node: string, unschedulable: boolean) => requestJson(kc, 'PATCH', `/api/v1/nodes/${node}`, { body: { spec: { unschedulable: unschedulable || null } }, contentType: 'application/merge-patch+json' });

export function drain(t: WorkloadTarget, o: { node?: string; waitMs?: number } = {}): DrainFault {
  if (t.kind === 'Pod') throw new NotApplicable('a bare Pod is not drained: nothing would make it again (kubectl drain refuses it without --force)');
  if (t.kind === 'DaemonSet') throw new NotApplicable('a DaemonSet\'s pods are not drained: they tolerate the cordon (kubectl drain --ignore-daemonsets leaves them)');
  const outcome: DrainFault['outcome'] = { before: [], evictions: [] };
  const now = (kc: KubeConfig) => workloadPods(kc, t);
  const decide = (pods: V1Pod[]) => {
    const uidsBefore = outcome.before.map((p) => p.metadata!.uid!);
    const next = replacements(outcome.evictions, uidsBefore, pods);
    return outcome.evictions.map((e, i) => drainOutcome(e, outcome.node!, next[i]));
  };
  return {
    outcome,
    description: `drain of the node of ${describeTarget(t)}: cordoned, each of its pods there evicted through the Eviction API`,
    undoDescription: 'the node uncordoned (if the drain cordoned it)',
    async inject(kc) {
      outcome.before = await now(kc);
      const node = o.node ?? (outcome.before.find(podUp) ?? outcome.before[0])?.spec?.nodeName;
      if (!node) throw new Error(`no pod of ${describeTarget(t)} runs on a node`);
      outcome.node = node;
      const n = await kc.makeApiClient(CoreV1Api).readNode({ name: node });
      outcome.wasCordoned = n.spec?.unschedulable === true;
      if (!outcome.wasCordoned) await cordon(kc, node, true);
      for (const p of outcome.before.filter((x) => x.spec?.nodeName === node)) {
        const answer = await evictPod(kc, t.namespace, p.metadata!.name!);
        outcome.evictions.push({ pod: p.metadata!.name!, uid: p.metadata!.uid!, owner: controllerUid(p), ...answer });
      }
    },
    async prove(kc) {
      const node = outcome.node;
      if (!node) return proofFailed('the node cordoned and its pods evicted', new Error('no node was drained'));
      try {
        const evicted = outcome.evictions.filter((e) => e.status === 201).map((e) => e.uid);
        const pods = await pollFor(() => now(kc), (ps) => !ps.some((p) => evicted.includes(p.metadata!.uid!)), o.waitMs ?? 120_000);
        const n = await kc.makeApiClient(CoreV1Api).readNode({ name: node });
        return drainProof({ node, cordoned: n.spec?.unschedulable === true, evictions: outcome.evictions.map(({ pod, uid, status, message }) => ({ pod, uid, status, message })), uidsNow: pods.map((p) => p.metadata!.uid!) });
      } catch (err) {
        return proofFailed(`node ${node} cordoned and its pods evicted`, err);
      }
    },
    async outcomes(kc, waitMs) {
      const pods = await pollFor(() => now(kc), (ps) => decide(ps).every((d) => d.kind !== 'undecided'), waitMs);
      return decide(pods);
    },
    async undo(kc) {
      if (outcome.node && outcome.wasCordoned === false) await cordon(kc, outcome.node, false);
    },
  };
}
