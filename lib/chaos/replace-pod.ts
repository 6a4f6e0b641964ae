/**
 * replace-pod: one pod of the workload deleted through the API (or, with `evict`, through the
 * Eviction API, which honours PodDisruptionBudgets), as a node's pressure, a `kubectl delete pod`
 * or an autoscaler does in production. Its controller makes a new pod that runs every init container
 * again against the volumes that outlive the pod (a PersistentVolumeClaim's data is kept); a bare
 * Pod is created again from its manifest once the old one is gone. It proves itself: the old pod is
 * gone and a new pod (another uid) of the same owner runs its init containers (`outcome` then
 * follows it until it is up, or says it is not: whether it comes up is the workload's verdict).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { requestJson } from '../kube/raw.js';
import type { Fault } from './fault.js';
import type { FaultProof } from './proof.js';
import { proofFailed } from './proof.js';
import type { WorkloadTarget } from './workload.js';
import { NotApplicable, controllerUid, describeTarget, evictPod, pollFor, workloadPods } from './workload.js';
import type { ReplacedPod } from './workload-proof.js';
import { initsBegan, podUp, replacementOf, replacementProof } from './workload-proof.js';

export interface ReplacePodOptions {
  /** Through the Eviction API (PodDisruptionBudgets honoured; a refusal fails the injection) instead of a plain delete. */
  evict?: boolean;
  /** The pod to replace (default: the oldest Ready pod of the workload). */
  pod?: string;
  /** How long the proof waits for the new pod to begin its init containers (default 120 s). */
  waitMs?: number;
}

/** The eviction was refused (HTTP 429): a PodDisruptionBudget forbids taking the pod away now. */
export class EvictionRefused extends Error {
  constructor(
    readonly pod: string,
    readonly apiMessage: string,
  ) {
    super(`the Eviction API refused to evict pod ${pod} (HTTP 429): ${apiMessage}`);
    this.name = 'EvictionRefused';
  }
}

export interface ReplacePodFault extends Fault<KubeConfig> {
  /** After the proof: the pod taken away and its replacement (if one came). */
  readonly outcome: { old?: ReplacedPod; replacement?: V1Pod };
}

export function replacePod(t: WorkloadTarget, o: ReplacePodOptions = {}): ReplacePodFault {
  if (t.kind === 'Pod' && !t.manifest) throw new NotApplicable(`the bare Pod ${t.name} cannot be created again: no manifest was given`);
  const how = o.evict ? 'evicted through the Eviction API' : 'deleted through the API';
  const outcome: ReplacePodFault['outcome'] = {};
  return {
    outcome,
    description: `a pod of ${describeTarget(t)} ${how}${t.kind === 'Pod' ? ', then created again from its manifest' : ', its controller making a new one'}`,
    undoDescription: 'nothing to put back: the new pod is the workload\'s own',
    async inject(kc) {
      const pods = await workloadPods(kc, t);
      const victim = o.pod ? pods.find((p) => p.metadata?.name === o.pod) : (pods.find((p) => podUp(p)) ?? pods[0]);
      if (!victim) throw new Error(`no pod of ${describeTarget(t)}${o.pod ? ` named ${o.pod}` : ''} to replace`);
      const name = victim.metadata!.name!;
      outcome.old = { name, uid: victim.metadata!.uid!, owner: controllerUid(victim) };
      if (o.evict) {
        const answer = await evictPod(kc, t.namespace, name);
        if (answer.status === 429) throw new EvictionRefused(name, answer.message);
      } else {
        await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ namespace: t.namespace, name });
      }
      if (t.kind === 'Pod') {
        await pollFor(() => workloadPodIncludingDeleting(kc, t), (p) => p === undefined || p.metadata?.uid !== outcome.old!.uid, o.waitMs ?? 120_000);
        await requestJson(kc, 'POST', `/api/v1/namespaces/${t.namespace}/pods`, { body: t.manifest });
      }
    },
    async prove(kc): Promise<FaultProof> {
      const old = outcome.old;
      if (!old) return proofFailed('a new pod of the same owner', new Error('no pod was taken away'));
      try {
        const now = await pollFor(
          () => workloadPods(kc, t),
          (pods) => {
            const next = replacementOf(old, pods);
            return !pods.some((p) => p.metadata?.uid === old.uid) && next !== undefined && initsBegan(next);
          },
          o.waitMs ?? 120_000,
        );
        outcome.replacement = replacementOf(old, now);
        return replacementProof(old, now);
      } catch (err) {
        return proofFailed(`a new pod replacing ${old.name}`, err);
      }
    },
    async undo() {
      /* the replacement is the workload's own pod */
    },
  };
}

/** A bare Pod as the API has it, being deleted or not (undefined: gone). */
async function workloadPodIncludingDeleting(kc: KubeConfig, t: WorkloadTarget): Promise<V1Pod | undefined> {
  return kc
    .makeApiClient(CoreV1Api)
    .readNamespacedPod({ namespace: t.namespace, name: t.name })
    .catch((err: { code?: number }) => (err.code === 404 ? undefined : Promise.reject(err)));
}
