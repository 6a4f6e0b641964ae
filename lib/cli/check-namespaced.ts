/**
 * `initc check --namespace NS`: the check's workload goes into a namespace that exists (its objects
 * keep their names, which refer to each other; they carry the check's run labels), the preflight
 * asks what that needs there, and the cleanup deletes exactly the objects the check applied and
 * its own pods. No namespace is made or deleted.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { checkNamespacePermissions, parseNamespaces, resourceOfPath } from '../access/namespaced.js';
import { checkNamespacePreflight } from '../access/namespaced-preflight.js';
import { identityWords } from '../access/preflight.js';
import { collectionPath } from '../check/apply.js';
import type { Sourced } from '../check/manifests.js';
import type { ClusterProvider, RunningCluster } from '../cluster/provider.js';
import { InitcError } from '../errors.js';
import { ApiError, requestJson } from '../kube/raw.js';
import type { Progress } from '../progress.js';
import { RUN_LABEL } from '../scenario/namespace.js';
import { deletePods } from '../scenario/shared-namespace.js';

/** `--namespace` of a check: one namespace name. */
export function checkNamespace(values: readonly string[] | undefined): string | undefined {
  if (values === undefined) return undefined;
  let names: string[];
  try {
    names = parseNamespaces(values);
  } catch (err) {
    throw new InitcError('usage', `--namespace: ${(err as Error).message}`);
  }
  if (names.length > 1) throw new InitcError('usage', `--namespace: a check runs in one namespace, not ${names.join(', ')}`);
  return names[0];
}

/** The preflight in the namespace; on a refusal the cluster is let go (and stopped if started here) before the error goes up. */
export async function checkNamespaceAccess(cluster: RunningCluster, provider: ClusterProvider, o: { namespace: string; objects: readonly Sourced[]; exec: boolean; progress: Progress; signal: AbortSignal }): Promise<void> {
  const kinds = o.objects.map((s) => resourceOfPath(collectionPath(s.object, o.namespace)));
  try {
    await checkNamespacePreflight(cluster.kubeConfig(), { identity: identityWords(cluster.kubeconfigPath, cluster.context), namespace: o.namespace, permissions: checkNamespacePermissions(o.namespace, kinds, { exec: o.exec }) });
  } catch (err) {
    if (cluster.startedHere) await provider.destroy({ progress: o.progress, signal: o.signal }).catch(() => undefined);
    await cluster.release();
    throw err;
  }
}

/** Deletes the objects the check applied (their dependents with them) and the pods carrying its run label; returns what it deleted. */
export async function deleteApplied(kc: KubeConfig, namespace: string, objects: readonly Sourced[], runId: string): Promise<string[]> {
  const deleted: string[] = [];
  for (const { object } of objects) {
    const gone = await requestJson(kc, 'DELETE', `${collectionPath(object, namespace)}/${object.metadata.name}?propagationPolicy=Background`).then(
      () => true,
      (err: unknown) => (err instanceof ApiError && err.statusCode === 404 ? false : Promise.reject(err)),
    );
    if (gone) deleted.push(`${object.kind}/${object.metadata.name}`);
  }
  deleted.push(...(await deletePods(kc, namespace, `${RUN_LABEL}=${runId}`)).map((n) => `Pod/${n}`));
  return deleted;
}
