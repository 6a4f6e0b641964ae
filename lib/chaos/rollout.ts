/**
 * rollout: `kubectl rollout restart` — the restart annotation (kubectl.kubernetes.io/restartedAt)
 * set on the pod template of a Deployment, StatefulSet or DaemonSet, so its controller rolls out a
 * new revision: new pods run every init container while, for a Deployment, old pods still serve.
 * It proves itself: a pod of a new revision runs its init containers (whether the rollout
 * completes is the workload's verdict: rolloutComplete). There is nothing to undo: a rollback would be
 * another rollout (kubectl leaves the annotation in place as well).
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { requestJson } from '../kube/raw.js';
import type { Fault } from './fault.js';
import { proofFailed } from './proof.js';
import type { WorkloadTarget } from './workload.js';
import { NotApplicable, appsPath, describeTarget, pollFor, workloadPods } from './workload.js';
import { revisionOf, rolloutProof } from './workload-proof.js';

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const ROLLED_OUT = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** The merge patch kubectl rollout restart sends: the annotation on the pod template, the time now. */
export function restartPatch(at: Date): object {
  return { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at.toISOString() } } } } };
}

export interface RolloutFault extends Fault<KubeConfig> {
  /** After inject: the pods before it and the replicas it should have; after the proof, the pods seen then. */
  readonly outcome: { before: V1Pod[]; after: V1Pod[]; replicas: number };
}

export function rollout(t: WorkloadTarget, o: { waitMs?: number } = {}): RolloutFault {
  if (!ROLLED_OUT.has(t.kind)) throw new NotApplicable(`${t.kind === 'Pod' ? 'a bare Pod has no pod template to roll out' : `a ${t.kind} does not roll out a changed pod template`}: rollout applies to a Deployment, StatefulSet or DaemonSet`);
  const outcome: RolloutFault['outcome'] = { before: [], after: [], replicas: 0 };
  return {
    outcome,
    description: `rollout restart of ${describeTarget(t)} (annotation ${RESTARTED_AT} on its pod template)`,
    undoDescription: 'nothing to put back: the new revision is the workload\'s own (a rollback would be another rollout)',
    async inject(kc) {
      outcome.before = await workloadPods(kc, t);
      const w = await requestJson<{ spec?: { replicas?: number }; status?: { desiredNumberScheduled?: number } }>(kc, 'GET', appsPath(t));
      outcome.replicas = t.kind === 'DaemonSet' ? (w.status?.desiredNumberScheduled ?? 0) : (w.spec?.replicas ?? 1);
      await requestJson(kc, 'PATCH', appsPath(t), { body: restartPatch(new Date()), contentType: 'application/merge-patch+json' });
    },
    async prove(kc) {
      const revisionsBefore = [...new Set(outcome.before.map(revisionOf).filter((r): r is string => r !== undefined))];
      const uidsBefore = outcome.before.map((p) => p.metadata!.uid!);
      const replicas = outcome.replicas;
      try {
        outcome.after = await pollFor(() => workloadPods(kc, t), (now) => rolloutProof({ revisionsBefore, uidsBefore, replicas, now }).proven, o.waitMs ?? 120_000);
        return rolloutProof({ revisionsBefore, uidsBefore, replicas, now: outcome.after });
      } catch (err) {
        return proofFailed('a new revision rolled out', err);
      }
    },
    async undo() {
      /* nothing: see undoDescription */
    },
  };
}
