/**
 * Run liveness in the cluster: each run holds a coordination.k8s.io Lease in namespace
 * `initc-runs` (labelled with its run id, host and pid) and renews it while it runs. A run takes
 * its Lease before it makes any namespace, so a run whose Lease expired, or that holds none, is
 * dead, and what it left (its namespaces, its Lease) may be removed by anyone: a later run or
 * `initc gc`. So is a run whose holding process, on the reaper's own machine, is gone
 * (lib/scenario/holder.ts). A live run, on this machine or another, is never touched.
 */
import os from 'node:os';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import { requestJson } from '../kube/raw.js';
import { isProcessAlive } from '../util/proc.js';
import { HOLDER_ANNOTATION, herePlace, holderGone, parseHolder, thisHolder } from './holder.js';
import { KEPT_LABEL, MANAGED_BY_LABEL, RUN_LABEL, deleteNamespace, runLabels } from './namespace.js';

export const LEASE_NAMESPACE = 'initc-runs';
/** Renewed every 10 s, valid for 40 s: a run must miss three renewals in a row to look dead. */
export const LEASE_SECONDS = 40;
export const RENEW_MS = 10_000;

const leaseName = (runId: string) => `run-${runId}`;
/** RFC 3339 with microseconds, as the API's MicroTime wants it. */
const microTime = () => new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const notFound = (err: unknown) => (err as { code?: number }).code === 404;
const conflict = (err: unknown) => (err as { code?: number }).code === 409;

export interface RunLease {
  stop(): Promise<void>;
}

export interface LeaseOptions {
  renewMs?: number;
  /** Told of each failed renewal (with the count of failures in a row), so that a run about to look dead says so. */
  onRenewFailure?: (err: Error, inARow: number) => void;
}

/** Takes the run's Lease and renews it until stop(), which deletes it. */
export async function holdRunLease(kc: KubeConfig, runId: string, o: LeaseOptions = {}): Promise<RunLease> {
  const core = kc.makeApiClient(CoreV1Api);
  const coord = kc.makeApiClient(CoordinationV1Api);
  await core.createNamespace({ body: { metadata: { name: LEASE_NAMESPACE, labels: { 'initc.dev/leases': 'true' } } } }).catch((err) => {
    if (!conflict(err)) throw err;
  });
  // Written as raw JSON: a Lease's times are MicroTime (six fractional digits), which client-node's Date serialization (three) does not satisfy.
  const acquired = microTime();
  const body = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: leaseName(runId), namespace: LEASE_NAMESPACE, labels: { ...runLabels(runId), 'initc.dev/host': os.hostname().slice(0, 63), 'initc.dev/pid': String(process.pid) }, annotations: { [HOLDER_ANNOTATION]: JSON.stringify(await thisHolder()) } },
    spec: { holderIdentity: `${os.hostname()}/${process.pid}`, leaseDurationSeconds: LEASE_SECONDS, acquireTime: acquired, renewTime: acquired },
  };
  const path = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`;
  await requestJson(kc, 'POST', path, { body });
  let failures = 0;
  // A merge patch of renewTime alone: a Lease refuses an update (PUT) without its resourceVersion.
  const renew = () =>
    requestJson(kc, 'PATCH', `${path}/${leaseName(runId)}`, { body: { spec: { renewTime: microTime() } }, contentType: 'application/merge-patch+json' }).then(
      () => (failures = 0),
      (err: Error) => o.onRenewFailure?.(err, ++failures),
    );
  // A missed renewal is tried again at the next tick; three in a row make the run look dead.
  const timer = setInterval(() => void renew(), o.renewMs ?? RENEW_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await coord.deleteNamespacedLease({ name: leaseName(runId), namespace: LEASE_NAMESPACE }).catch((err) => {
        if (!notFound(err)) throw err;
      });
    },
  };
}

const expired = (l: V1Lease, at: number) => {
  const renewed = l.spec?.renewTime ? new Date(l.spec.renewTime as unknown as string).getTime() : 0;
  return renewed + (l.spec?.leaseDurationSeconds ?? 0) * 1000 < at;
};

export interface ReapPlan {
  /** Namespaces of dead runs, to delete. */
  reap: Array<{ namespace: string; runId: string; why: string }>;
  /** Namespaces left alone, and why. */
  keep: Array<{ namespace: string; runId: string; why: string }>;
  /** Leases of dead runs, to delete. */
  deadLeases: string[];
}

/** What a reaper would do now: every initc namespace, judged by its run's Lease. */
export async function planReap(kc: KubeConfig, except?: string): Promise<ReapPlan> {
  const core = kc.makeApiClient(CoreV1Api);
  const coord = kc.makeApiClient(CoordinationV1Api);
  const at = Date.now();
  // Namespaces first, Leases second: a run takes its Lease before it makes a namespace, so every
  // namespace listed here has its run's Lease in the later list (the other order takes a run that
  // starts between the two lists for one that holds no Lease, and deletes its first namespace).
  const namespaces = (await core.listNamespace({ labelSelector: `${MANAGED_BY_LABEL}=initc,${RUN_LABEL}` })).items.filter((n) => !n.metadata?.deletionTimestamp);
  const leases = await coord.listNamespacedLease({ namespace: LEASE_NAMESPACE }).then((l) => l.items, (err) => (notFound(err) ? [] : Promise.reject(err)));
  const byRun = new Map(leases.map((l) => [l.metadata?.labels?.[RUN_LABEL] ?? '', l]));
  // A run killed on this machine is dead at once, not only once its Lease expires.
  const here = await herePlace();
  const gone = new Map<V1Lease, string | undefined>();
  for (const l of leases) gone.set(l, await holderGone(parseHolder(l.metadata?.annotations?.[HOLDER_ANNOTATION]), here, isProcessAlive));
  const plan: ReapPlan = { reap: [], keep: [], deadLeases: [] };
  for (const n of namespaces) {
    const runId = n.metadata!.labels![RUN_LABEL]!;
    const namespace = n.metadata!.name!;
    const lease = byRun.get(runId);
    if (runId === except) plan.keep.push({ namespace, runId, why: 'this run' });
    else if (n.metadata?.labels?.[KEPT_LABEL] === 'true') plan.keep.push({ namespace, runId, why: 'kept for debugging (--keep-on-failure); delete it by hand when done' });
    else if (lease && gone.get(lease)) plan.reap.push({ namespace, runId, why: `${gone.get(lease)}; its Lease was last renewed ${lease.spec?.renewTime}` });
    else if (lease && !expired(lease, at)) plan.keep.push({ namespace, runId, why: `its run is alive (Lease held by ${lease.spec?.holderIdentity}, renewed ${lease.spec?.renewTime})` });
    else plan.reap.push({ namespace, runId, why: lease ? `its run's Lease expired (last renewed ${lease.spec?.renewTime})` : 'its run holds no Lease' });
  }
  for (const l of leases) if ((expired(l, at) || gone.get(l)) && l.metadata?.labels?.[RUN_LABEL] !== except) plan.deadLeases.push(l.metadata!.name!);
  return plan;
}

/** Carries a plan out: deletes the dead runs' namespaces and Leases. */
export async function reap(kc: KubeConfig, plan: ReapPlan): Promise<void> {
  const coord = kc.makeApiClient(CoordinationV1Api);
  for (const r of plan.reap) await deleteNamespace(kc, r.namespace);
  for (const name of plan.deadLeases) {
    await coord.deleteNamespacedLease({ name, namespace: LEASE_NAMESPACE }).catch((err) => {
      if (!notFound(err)) throw err;
    });
  }
}
