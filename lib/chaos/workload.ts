/**
 * What the faults on a workload (replace-pod, rollout, scale-out, drain) act on: the workload as
 * the API names it, its pods (the ones not being deleted), and the API calls they share (the
 * Eviction API, the scale subresource). A fault that cannot apply to the workload's kind throws
 * NotApplicable, which a caller turns into a skip with its reason, never a pass.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { ApiError, requestJson } from '../kube/raw.js';

export type WorkloadKind = 'Pod' | 'Deployment' | 'StatefulSet' | 'ReplicaSet' | 'DaemonSet' | 'Job';

export interface WorkloadTarget {
  namespace: string;
  kind: WorkloadKind;
  name: string;
  /** The label selector of its pods (`app=web,tier=db`); none for a bare Pod. */
  selector?: string;
  /** A bare Pod's manifest as it was created (metadata.name, namespace, spec): replace-pod creates it again from it. */
  manifest?: object;
}

/** The fault cannot apply to this workload (a rollout of a bare Pod, a scale-out of a DaemonSet): a skip, with why. */
export class NotApplicable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotApplicable';
  }
}

export const APPS_PLURAL: Partial<Record<WorkloadKind, string>> = { Deployment: 'deployments', StatefulSet: 'statefulsets', ReplicaSet: 'replicasets', DaemonSet: 'daemonsets' };

/** The API path of an apps/v1 workload (a Deployment, StatefulSet, ReplicaSet or DaemonSet). */
export function appsPath(t: WorkloadTarget): string {
  const plural = APPS_PLURAL[t.kind];
  if (!plural) throw new NotApplicable(`${t.kind}/${t.name} is not an apps/v1 workload`);
  return `/apis/apps/v1/namespaces/${t.namespace}/${plural}/${t.name}`;
}

export const describeTarget = (t: WorkloadTarget) => `${t.kind}/${t.name}`;

/** The workload's pods not being deleted, oldest first (a bare Pod: itself, if it exists and is not being deleted). */
export async function workloadPods(kc: KubeConfig, t: WorkloadTarget): Promise<V1Pod[]> {
  const core = kc.makeApiClient(CoreV1Api);
  if (t.kind === 'Pod') {
    const p = await core.readNamespacedPod({ namespace: t.namespace, name: t.name }).catch((err: { code?: number }) => (err.code === 404 ? undefined : Promise.reject(err)));
    return p && !p.metadata?.deletionTimestamp ? [p] : [];
  }
  const list = await core.listNamespacedPod({ namespace: t.namespace, labelSelector: t.selector });
  return list.items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .sort((a, b) => createdMs(a) - createdMs(b) || a.metadata!.name!.localeCompare(b.metadata!.name!));
}

const createdMs = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();

/** The uid of the pod's controller (its ReplicaSet, StatefulSet, DaemonSet, Job), if it has one. */
export function controllerUid(p: V1Pod): string | undefined {
  return p.metadata?.ownerReferences?.find((o) => o.controller)?.uid;
}

export interface EvictionAnswer {
  /** 201/200: evicted; 429: refused, a PodDisruptionBudget would be violated; 404: the pod was already gone. */
  status: number;
  message: string;
}

/** Asks the Eviction API to evict the pod (honouring its PodDisruptionBudgets); the API's answer, a refusal included. */
export async function evictPod(kc: KubeConfig, namespace: string, pod: string): Promise<EvictionAnswer> {
  try {
    await requestJson(kc, 'POST', `/api/v1/namespaces/${namespace}/pods/${pod}/eviction`, { body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace } } });
    return { status: 201, message: 'evicted' };
  } catch (err) {
    if (err instanceof ApiError && (err.statusCode === 429 || err.statusCode === 404)) return { status: err.statusCode, message: (err.body as { message?: string } | undefined)?.message ?? err.message };
    throw err;
  }
}

/** The workload's replicas as its scale subresource says. */
export async function readReplicas(kc: KubeConfig, t: WorkloadTarget): Promise<number> {
  return (await requestJson<{ spec?: { replicas?: number } }>(kc, 'GET', `${appsPath(t)}/scale`)).spec?.replicas ?? 0;
}

/** Sets the workload's replicas through its scale subresource. */
export async function scaleTo(kc: KubeConfig, t: WorkloadTarget, replicas: number): Promise<void> {
  await requestJson(kc, 'PATCH', `${appsPath(t)}/scale`, { body: { spec: { replicas } }, contentType: 'application/merge-patch+json' });
}

/** Polls every `everyMs` until `done` holds or `timeoutMs` passed; the last value read. */
export async function pollFor<T>(read: () => Promise<T>, done: (t: T) => boolean, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
