/**
 * A namespace-scoped run's objects in namespaces it shares (`initc run --namespace a,b`): which
 * namespace and name prefix each scenario uses (the run's plan, passed to the suites through the
 * environment), the labels that say whose each pod is, and removing by label only what this run
 * (or a dead one) made. Namespaces themselves are never made nor deleted here.
 */
import { CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import { KEPT_LABEL, MANAGED_BY_LABEL, RUN_LABEL, runLabels } from './namespace.js';
import { expired, notFound } from './liveness.js';
import { isProcessAlive } from '../util/proc.js';
import { HOLDER_ANNOTATION, herePlace, holderGone, parseHolder } from './holder.js';

/** The environment variable carrying the plan of a namespace-scoped run (JSON of SharedNamespacePlan). */
export const NAMESPACE_PLAN_ENV = 'INITC_NAMESPACE_PLAN';
/** Labels a scenario's objects with its name prefix (less the dash), so its own end removes exactly them. */
export const SCENARIO_ID_LABEL = 'initc.dev/scenario-id';
/** Where the run's Lease is: a reaper that cannot read that namespace leaves the run's objects alone. */
export const LEASE_NAMESPACE_LABEL = 'initc.dev/lease-namespace';

export interface SharedNamespacePlan {
  /** The given namespaces, in order; the first holds the Lease. */
  namespaces: string[];
  /** Suite file stem (order.spec, chaos/kill.spec) → its namespace. */
  files: Record<string, string>;
  /** Suite file stem → why its tests are skipped. */
  skipped: Record<string, string>;
}

export function readPlan(env: NodeJS.ProcessEnv = process.env): SharedNamespacePlan | undefined {
  const raw = env[NAMESPACE_PLAN_ENV];
  return raw ? (JSON.parse(raw) as SharedNamespacePlan) : undefined;
}

/** The stem of a suite file as Mocha names it (…/suites/chaos/kill.spec.js → chaos/kill.spec); undefined outside suites/. */
export function suiteStem(file: string | undefined): string | undefined {
  return file ? /\/suites\/(.+)\.(js|ts)$/.exec(file)?.[1] : undefined;
}

/** The labels of one scenario's objects in a shared namespace. */
export function scenarioLabels(runId: string, prefix: string, leaseNamespace: string): Record<string, string> {
  return { ...runLabels(runId), [SCENARIO_ID_LABEL]: prefix.replace(/-$/, ''), [LEASE_NAMESPACE_LABEL]: leaseNamespace };
}

const pods = (kc: KubeConfig) => kc.makeApiClient(CoreV1Api);

async function podNames(kc: KubeConfig, namespace: string, labelSelector: string): Promise<string[]> {
  return (await pods(kc).listNamespacedPod({ namespace, labelSelector })).items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!);
}

/** Deletes the pods `labelSelector` picks in `namespace` (one request); returns their names. */
export async function deletePods(kc: KubeConfig, namespace: string, labelSelector: string): Promise<string[]> {
  const names = await podNames(kc, namespace, labelSelector);
  if (names.length) await pods(kc).deleteCollectionNamespacedPod({ namespace, labelSelector, gracePeriodSeconds: 0 });
  return names;
}

/** Labels the pods `labelSelector` picks as kept for debugging (the run's cleanup then leaves them). */
export async function keepPods(kc: KubeConfig, namespace: string, labelSelector: string, why: string): Promise<string[]> {
  const names = await podNames(kc, namespace, labelSelector);
  for (const name of names) {
    await pods(kc).patchNamespacedPod(
      { namespace, name, body: { metadata: { labels: { [KEPT_LABEL]: 'true' }, annotations: { 'initc.dev/kept-because': why.slice(0, 500) } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  return names;
}

/** Deletes the run's pods in each namespace (those kept for debugging unless includeKept); returns "ns/name" of the deleted and the kept. */
export async function deleteRunPods(kc: KubeConfig, namespaces: readonly string[], runId: string, includeKept: boolean): Promise<{ deleted: string[]; kept: string[] }> {
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const ns of namespaces) {
    if (!includeKept) kept.push(...(await podNames(kc, ns, `${RUN_LABEL}=${runId},${KEPT_LABEL}=true`)).map((n) => `${ns}/${n}`));
    deleted.push(...(await deletePods(kc, ns, `${RUN_LABEL}=${runId}${includeKept ? '' : `,${KEPT_LABEL}!=true`}`)).map((n) => `${ns}/${n}`));
  }
  return { deleted, kept };
}

/** A pod of some run, as the reaper sees it. */
export interface RunPod {
  namespace: string;
  runId: string;
  kept: boolean;
  /** Where its run's Lease is (unset on pods of no namespace-scoped run). */
  leaseNamespace?: string;
}

export interface SharedReapPlan {
  /** Each namespace and dead run whose pods are removed. */
  reap: Array<{ namespace: string; runId: string; why: string }>;
  keep: Array<{ namespace: string; runId: string; why: string }>;
  deadLeases: Array<{ namespace: string; name: string }>;
}

/**
 * Judges the runs whose pods are in the given namespaces by their Leases in those namespaces (pure):
 * a live Lease keeps them; so does a Lease in a namespace the reaper was not given (it cannot tell);
 * without a Lease, or with an expired one, they are removed.
 */
export function judgeSharedRuns(
  runPods: readonly RunPod[],
  leases: readonly V1Lease[],
  o: { namespaces: readonly string[]; at: number; except?: string; gone?: ReadonlyMap<V1Lease, string | undefined> },
): SharedReapPlan {
  const byRun = new Map(leases.map((l) => [l.metadata?.labels?.[RUN_LABEL] ?? '', l]));
  const plan: SharedReapPlan = { reap: [], keep: [], deadLeases: [] };
  const seen = new Set<string>();
  for (const p of runPods) {
    const key = `${p.namespace} ${p.runId} ${p.kept}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const lease = byRun.get(p.runId);
    const entry = { namespace: p.namespace, runId: p.runId };
    if (p.runId === o.except) plan.keep.push({ ...entry, why: 'this run' });
    else if (p.kept) plan.keep.push({ ...entry, why: 'kept for debugging (--keep-on-failure); delete its pods by hand when done' });
    else if (lease && o.gone?.get(lease)) plan.reap.push({ ...entry, why: `${o.gone.get(lease)}; its Lease was last renewed ${lease.spec?.renewTime}` });
    else if (lease && !expired(lease, o.at)) plan.keep.push({ ...entry, why: `its run is alive (Lease held by ${lease.spec?.holderIdentity}, renewed ${lease.spec?.renewTime})` });
    else if (!lease && p.leaseNamespace && !o.namespaces.includes(p.leaseNamespace)) plan.keep.push({ ...entry, why: `its run's Lease is in namespace ${p.leaseNamespace}, which is not among those given` });
    else plan.reap.push({ ...entry, why: lease ? `its run's Lease expired (last renewed ${lease.spec?.renewTime})` : 'its run holds no Lease' });
  }
  for (const l of leases) if ((expired(l, o.at) || o.gone?.get(l)) && l.metadata?.labels?.[RUN_LABEL] !== o.except) plan.deadLeases.push({ namespace: l.metadata!.namespace!, name: l.metadata!.name! });
  return plan;
}

/** What a reaper limited to `namespaces` would do now. */
export async function planSharedReap(kc: KubeConfig, namespaces: readonly string[], except?: string): Promise<SharedReapPlan> {
  const coord = kc.makeApiClient(CoordinationV1Api);
  const leases: V1Lease[] = [];
  const runPods: RunPod[] = [];
  // Pods first, Leases second: a run takes its Lease before it makes a pod, so every pod listed here
  // has its run's Lease in the later lists (as planReap lists namespaces before Leases).
  for (const namespace of namespaces) {
    const list = await pods(kc).listNamespacedPod({ namespace, labelSelector: `${MANAGED_BY_LABEL}=initc,${RUN_LABEL}` });
    for (const p of list.items) {
      if (p.metadata?.deletionTimestamp) continue;
      const labels = p.metadata!.labels!;
      runPods.push({ namespace, runId: labels[RUN_LABEL]!, kept: labels[KEPT_LABEL] === 'true', leaseNamespace: labels[LEASE_NAMESPACE_LABEL] });
    }
  }
  for (const namespace of namespaces) {
    const l = await coord.listNamespacedLease({ namespace, labelSelector: `${MANAGED_BY_LABEL}=initc,${RUN_LABEL}` }).then((r) => r.items, (err) => (notFound(err) ? [] : Promise.reject(err)));
    leases.push(...l.map((x) => ({ ...x, metadata: { ...x.metadata, namespace } })));
  }
  // A run killed on this machine is dead at once, not only once its Lease expires.
  const here = await herePlace();
  const gone = new Map<V1Lease, string | undefined>();
  for (const l of leases) gone.set(l, await holderGone(parseHolder(l.metadata?.annotations?.[HOLDER_ANNOTATION]), here, isProcessAlive));
  return judgeSharedRuns(runPods, leases, { namespaces, at: Date.now(), except, gone });
}

/** Carries a plan out: the dead runs' pods (not those kept) and Leases. */
export async function reapShared(kc: KubeConfig, plan: SharedReapPlan): Promise<void> {
  const coord = kc.makeApiClient(CoordinationV1Api);
  for (const r of plan.reap) await deletePods(kc, r.namespace, `${RUN_LABEL}=${r.runId},${KEPT_LABEL}!=true`);
  for (const l of plan.deadLeases) {
    await coord.deleteNamespacedLease(l).catch((err) => {
      if (!notFound(err)) throw err;
    });
  }
}
