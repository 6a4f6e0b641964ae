/** The permission preflight of `initc run` and `initc check`, on the cluster they were given or started. */
import { preflight, identityWords } from '../access/preflight.js';
import { permissionsFor } from '../access/permissions.js';
import type { ClusterProvider, RunningCluster } from '../cluster/provider.js';
import type { Progress } from '../progress.js';

/**
 * Asks the API server what the run (of `suites`) or the check needs, before either creates anything;
 * on a refusal the cluster is let go (and stopped if this command started it) before the error goes up.
 */
export async function checkPermissions(
  cluster: RunningCluster,
  provider: ClusterProvider,
  o: { suites?: readonly string[]; nodeAgent?: boolean; keepCluster: boolean; progress: Progress; signal: AbortSignal },
): Promise<void> {
  const command = o.suites ? 'run' : 'check';
  try {
    const notes = await preflight(cluster.kubeConfig(), {
      identity: identityWords(cluster.kubeconfigPath, cluster.context),
      command,
      permissions: permissionsFor(o.suites ? { run: o.suites, nodeAgent: o.nodeAgent === true } : { check: true }),
    });
    for (const n of notes) o.progress.info(`✘ ${n}`);
  } catch (err) {
    if (cluster.startedHere && !o.keepCluster) await provider.destroy({ progress: o.progress, signal: o.signal }).catch(() => undefined);
    await cluster.release();
    throw err;
  }
}
