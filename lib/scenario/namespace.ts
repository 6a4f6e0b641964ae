/**
 * Every namespace a run creates carries the run's label, so the run (or a later one, after a
 * crash) deletes exactly its own and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const RUN_LABEL = 'initc.dev/run';
/** Marks a failed scenario's namespace kept for debugging (--keep-on-failure). */
export const KEPT_LABEL = 'initc.dev/kept';

export const newRunId = () => `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;

export const runLabels = (runId: string) => ({ [MANAGED_BY_LABEL]: 'initc', [RUN_LABEL]: runId });

export async function createRunNamespace(kc: KubeConfig, runId: string, scenario: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const prefix = `initc-${scenario}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  const ns = await core.createNamespace({ body: { metadata: { generateName: `${prefix}-`, labels: { ...runLabels(runId), 'initc.dev/scenario': scenario } } } });
  const name = ns.metadata!.name!;
  await untilDefaultServiceAccount(kc, name);
  return name;
}

/**
 * A pod is refused ("serviceaccount default not found") until the controller-manager has made the
 * namespace's default service account, usually within a second: watch for it.
 */
async function untilDefaultServiceAccount(kc: KubeConfig, namespace: string, timeoutMs = 30_000): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const list = await core.listNamespacedServiceAccount({ namespace, fieldSelector: 'metadata.name=default' });
  if (list.items.length) return;
  let abort: AbortController | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`service account default of namespace ${namespace} not made within ${timeoutMs / 1000}s (is the controller-manager running?)`)), timeoutMs);
      const done = () => (clearTimeout(timer), resolve());
      void new Watch(kc)
        .watch(`/api/v1/namespaces/${namespace}/serviceaccounts`, { fieldSelector: 'metadata.name=default', resourceVersion: list.metadata?.resourceVersion }, (type) => type === 'ADDED' && done(), (err) => err && reject(err))
        .then((c) => (abort = c), reject);
    });
  } finally {
    abort?.abort();
  }
}

export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc
    .makeApiClient(CoreV1Api)
    .deleteNamespace({ name, gracePeriodSeconds: 0 })
    .catch((err: { code?: number }) => {
      if (err.code !== 404) throw err;
    });
}

export async function keepNamespace(kc: KubeConfig, name: string, why: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).patchNamespace(
    { name, body: { metadata: { labels: { [KEPT_LABEL]: 'true' }, annotations: { 'initc.dev/kept-because': why.slice(0, 500) } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/**
 * Deletes the namespaces labelled with this run (every run's when runId is undefined), except
 * those kept for debugging unless `includeKept`; returns the deleted and the kept names.
 */
export async function deleteRunNamespaces(kc: KubeConfig, runId?: string, includeKept = false): Promise<{ deleted: string[]; kept: string[] }> {
  const core = kc.makeApiClient(CoreV1Api);
  const selector = runId ? `${RUN_LABEL}=${runId}` : `${MANAGED_BY_LABEL}=initc,${RUN_LABEL}`;
  const list = await core.listNamespace({ labelSelector: selector });
  const isKept = (labels: Record<string, string> | undefined) => labels?.[KEPT_LABEL] === 'true' && !includeKept;
  const kept = list.items.filter((n) => isKept(n.metadata?.labels)).map((n) => n.metadata!.name!);
  // Namespaces already being deleted (by their test) need nothing more.
  const deleted = list.items.filter((n) => !isKept(n.metadata?.labels) && !n.metadata?.deletionTimestamp).map((n) => n.metadata!.name!);
  await Promise.all(deleted.map((n) => deleteNamespace(kc, n)));
  return { deleted, kept };
}
