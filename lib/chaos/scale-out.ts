/**
 * scale-out: the workload's replicas raised to N in one request to its scale subresource (as an
 * autoscaler or `kubectl scale` does), so its controller starts the new pods at once — their init
 * containers run concurrently against whatever state they share (the classic double migration). A
 * StatefulSet with podManagementPolicy OrderedReady starts them one after the other instead; the
 * outcome says which policy applied. Undo scales back to the count it had and waits for the extra
 * pods to go. It proves itself: N pods, each running its init containers.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { requestJson } from '../kube/raw.js';
import type { Fault } from './fault.js';
import { proofFailed } from './proof.js';
import type { WorkloadTarget } from './workload.js';
import { NotApplicable, appsPath, describeTarget, pollFor, readReplicas, scaleTo, workloadPods } from './workload.js';
import { scaleOutProof } from './workload-proof.js';

const SCALED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);
export const DEFAULT_SCALE_OUT_REPLICAS = 3;

export interface ScaleOutFault extends Fault<KubeConfig> {
  /** After inject: the replicas it had, and a StatefulSet's podManagementPolicy; after the proof, the pods seen then. */
  readonly outcome: { replicasBefore?: number; podManagementPolicy?: string; pods: V1Pod[] };
}

export function scaleOut(t: WorkloadTarget, o: { replicas?: number; waitMs?: number } = {}): ScaleOutFault {
  const replicas = o.replicas ?? DEFAULT_SCALE_OUT_REPLICAS;
  if (!SCALED.has(t.kind)) throw new NotApplicable(`a ${t.kind === 'Pod' ? 'bare Pod' : t.kind} has no replicas to scale${t.kind === 'DaemonSet' ? ' (one pod per node)' : ''}: scale-out applies to a Deployment, StatefulSet or ReplicaSet`);
  if (!Number.isInteger(replicas) || replicas < 2) throw new Error(`scale-out needs at least 2 replicas, not ${replicas}`);
  const outcome: ScaleOutFault['outcome'] = { pods: [] };
  return {
    outcome,
    description: `${describeTarget(t)} scaled out to ${replicas} replicas in one request`,
    undoDescription: `${describeTarget(t)} scaled back to the replicas it had, the extra pods gone`,
    async inject(kc) {
      if (t.kind === 'StatefulSet') outcome.podManagementPolicy = (await requestJson<{ spec?: { podManagementPolicy?: string } }>(kc, 'GET', appsPath(t))).spec?.podManagementPolicy ?? 'OrderedReady';
      const before = await readReplicas(kc, t);
      if (before >= replicas) throw new Error(`${describeTarget(t)} already has ${before} replicas: a scale-out to ${replicas} adds none`);
      outcome.replicasBefore = before;
      await scaleTo(kc, t, replicas);
    },
    async prove(kc) {
      try {
        outcome.pods = await pollFor(() => workloadPods(kc, t), (now) => scaleOutProof(replicas, now).proven, o.waitMs ?? 120_000);
        return scaleOutProof(replicas, outcome.pods);
      } catch (err) {
        return proofFailed(`${replicas} pods running their init containers`, err);
      }
    },
    async undo(kc) {
      const back = outcome.replicasBefore;
      if (back === undefined) return;
      await scaleTo(kc, t, back);
      const left = await pollFor(() => workloadPods(kc, t), (now) => now.length <= back, o.waitMs ?? 120_000);
      if (left.length > back) throw new Error(`${left.length} pods of ${describeTarget(t)} left after scaling back to ${back}`);
    },
  };
}
