/**
 * The parts of `initc run --namespace a,b` that differ from a full run: the preflight that plans
 * each suite's namespace (or its skip), the plan handed to the suites, what dead runs left in those
 * namespaces, and the cleanup of this run's pods by label. No namespace is made or deleted.
 */
import { identityWords } from '../access/preflight.js';
import { namePrefix } from '../access/namespaced.js';
import type { NamespacePlan } from '../access/namespaced.js';
import { namespacedPreflight } from '../access/namespaced-preflight.js';
import type { ClusterProvider, RunningCluster } from '../cluster/provider.js';
import { PUBLIC_FIXTURE_IMAGE } from '../fixture-image.js';
import type { Progress } from '../progress.js';
import { planSharedReap, reapShared, scenarioLabels } from '../scenario/shared-namespace.js';
import type { SharedNamespacePlan } from '../scenario/shared-namespace.js';

/** The suites' view of the plan: by suite file stem. */
export function planForSuites(plan: NamespacePlan, fileOf: (suite: string) => string): SharedNamespacePlan {
  const files: Record<string, string> = {};
  const skipped: Record<string, string> = {};
  for (const [suite, entry] of Object.entries(plan.bySuite)) {
    if ('namespace' in entry) files[fileOf(suite)] = entry.namespace;
    else skipped[fileOf(suite)] = entry.skipped;
  }
  return { namespaces: plan.namespaces, files, skipped };
}

/** A line per suite: where it runs, or why it is skipped. */
export function planLines(plan: NamespacePlan): string[] {
  return Object.entries(plan.bySuite).map(([suite, e]) => ('namespace' in e ? `suite ${suite}: namespace ${e.namespace}` : `✘ suite ${suite} skipped: ${e.skipped}`));
}

/** The preflight of a namespace-scoped run; on a refusal the cluster is let go (stopped if started here) before the error goes up. */
export async function planNamespacedRun(
  cluster: RunningCluster,
  provider: ClusterProvider,
  o: { suites: readonly string[]; namespaces: readonly string[]; runId: string; image?: string; keepCluster: boolean; progress: Progress; signal: AbortSignal },
): Promise<NamespacePlan> {
  try {
    const { plan, notes } = await namespacedPreflight(cluster.kubeConfig(), {
      identity: identityWords(cluster.kubeconfigPath, cluster.context),
      suites: o.suites,
      namespaces: o.namespaces,
      probeName: `${namePrefix(o.runId, 'pod-security-probe')}pod-security-`,
      image: o.image ?? PUBLIC_FIXTURE_IMAGE,
    });
    for (const n of notes) o.progress.info(`✘ ${n}`);
    for (const l of planLines(plan)) o.progress.info(l);
    return plan;
  } catch (err) {
    if (cluster.startedHere && !o.keepCluster) await provider.destroy({ progress: o.progress, signal: o.signal }).catch(() => undefined);
    await cluster.release();
    throw err;
  }
}

/** Removes what dead runs left in the given namespaces (their pods and Leases), saying what. */
export async function reapDeadInNamespaces(cluster: RunningCluster, namespaces: readonly string[], runId: string, progress: Progress): Promise<void> {
  const dead = await planSharedReap(cluster.kubeConfig(), namespaces, runId);
  if (!dead.reap.length && !dead.deadLeases.length) return;
  await reapShared(cluster.kubeConfig(), dead);
  progress.info(`removed what dead runs left: ${[...dead.reap.map((r) => `pods of run ${r.runId} in namespace ${r.namespace} (${r.why})`), ...dead.deadLeases.map((l) => `Lease ${l.namespace}/${l.name}`)].join('; ')}`);
}

/** Where the fixture image check's pod goes in a namespace-scoped run. */
export function fixtureCheckPlace(runId: string, namespaces: readonly string[]) {
  const prefix = namePrefix(runId, 'fixture-image');
  return { namespace: namespaces[0]!, prefix, labels: scenarioLabels(runId, prefix, namespaces[0]!) };
}
