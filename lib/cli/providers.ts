/** The provider options shared by `cluster` and `run`, and the provider they select. */
import type { Argv } from 'yargs';
import { KubeconfigProvider } from '../cluster/kubeconfig.js';
import { LocalCluster, LocalClusterProvider, orphanedBy } from '../cluster/local/local.js';
import { DEFAULT_MINOR, PINNED_PATCHES, resolveKubeVersion } from '../cluster/local/versions.js';
import type { ClusterProvider, RunningCluster } from '../cluster/provider.js';
import { loadKubeConfig } from '../cluster/provider.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { InitcError } from '../errors.js';
import type { Progress } from '../progress.js';
import { nonEmpty } from './validate.js';

export interface ProviderArgs {
  provider: 'local' | 'kubeconfig';
  'k8s-version': string;
  kubeconfig?: string;
  context?: string;
}

export function withProviderOptions<T>(y: Argv<T>) {
  return y
    .option('provider', {
      choices: ['local', 'kubeconfig'] as const,
      describe: 'local: the embedded cluster this machine builds and runs; kubeconfig: an existing cluster',
    })
    .option('k8s-version', {
      type: 'string',
      default: DEFAULT_MINOR,
      requiresArg: true,
      coerce: nonEmpty('--k8s-version'),
      describe: `Kubernetes version of the embedded cluster (${Object.keys(PINNED_PATCHES).join(', ')})`,
    })
    .option('kubeconfig', { type: 'string', requiresArg: true, coerce: nonEmpty('--kubeconfig'), describe: 'kubeconfig of an existing cluster (implies --provider kubeconfig); default $KUBECONFIG or ~/.kube/config' })
    .option('context', { type: 'string', requiresArg: true, coerce: nonEmpty('--context'), describe: 'context in that kubeconfig (implies --provider kubeconfig); default its current context' });
}

/** --kubeconfig or --context without --provider means the existing cluster they name. */
export function chosenProvider(a: Partial<ProviderArgs>): 'local' | 'kubeconfig' {
  return a.provider ?? (a.kubeconfig || a.context ? 'kubeconfig' : 'local');
}

export function makeProvider(a: Partial<ProviderArgs>): ClusterProvider {
  if (chosenProvider(a) === 'kubeconfig') return new KubeconfigProvider({ kubeconfig: a.kubeconfig, context: a.context });
  // A run's cluster is its own: it does not touch the user's kubeconfig.
  return new LocalClusterProvider({ version: resolveKubeVersion(a['k8s-version']), mergeKubeconfig: false });
}

/** The chosen cluster's KubeConfig if it is up, starting nothing (for commands that only look or clean up). */
export async function connectOnly(a: Partial<ProviderArgs>, progress: Progress): Promise<KubeConfig> {
  if (chosenProvider(a) === 'kubeconfig') return (await makeProvider(a).create({ progress })).kubeConfig();
  const local = new LocalClusterProvider({ version: resolveKubeVersion(a['k8s-version']) });
  if (!(await local.status()).running) throw new InitcError('notRunning', 'no embedded cluster is running: nothing to clean up');
  return loadKubeConfig(local.layout.kubeconfig);
}

/**
 * An embedded cluster whose starter meant to stop it and died first is an orphan: stopped here
 * (unless `keep`), saying so. Returns whether it was stopped. Other providers start nothing to orphan.
 */
export async function stopOrphanedCluster(a: Partial<ProviderArgs>, progress: Progress, o: { dryRun: boolean; keep: boolean }): Promise<boolean> {
  if (chosenProvider(a) !== 'local') return false;
  const local = new LocalClusterProvider({ version: resolveKubeVersion(a['k8s-version']) });
  const s = await local.status();
  const by = s.running && s.state ? await orphanedBy(s.state) : undefined;
  if (!by) return false;
  if (o.dryRun || o.keep) {
    progress.info(`the embedded cluster was started by ${by}, which died before stopping it: ${o.keep ? 'kept (--keep-cluster)' : 'would stop it'}`);
    return false;
  }
  progress.info(`the embedded cluster was started by ${by}, which died before stopping it: stopping it`);
  await local.destroy({ progress });
  return true;
}

/** The chosen cluster as a RunningCluster if it is up, starting nothing (for commands that act on a running cluster). */
export async function attachRunning(a: Partial<ProviderArgs>, progress: Progress): Promise<RunningCluster> {
  if (chosenProvider(a) === 'kubeconfig') return makeProvider(a).create({ progress });
  const local = new LocalClusterProvider({ version: resolveKubeVersion(a['k8s-version']) });
  const s = await local.status();
  if (!s.running || !s.state) throw new InitcError('notRunning', 'no embedded cluster is running: start it with `initc cluster up`');
  return new LocalCluster(local.layout, s.state);
}
