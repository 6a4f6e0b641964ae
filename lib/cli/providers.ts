/** The provider options shared by `cluster` and `run`, and the provider they select. */
import type { Argv } from 'yargs';
import { KubeconfigProvider } from '../cluster/kubeconfig.js';
import { KindProvider, deleteOrphanedKindCluster, orphanedKindClusters } from '../cluster/kind/kind.js';
import { LocalCluster, LocalClusterProvider, orphanedBy } from '../cluster/local/local.js';
import { CLUSTER_NAME, checkClusterName, upCommand } from '../cluster/local/layout.js';
import { clusterNames } from '../cluster/local/slots.js';
import { MAX_NODES, nodeCountProblem } from '../cluster/local/node-layout.js';
import { DEFAULT_MINOR, PINNED_PATCHES, resolveKubeVersion } from '../cluster/local/versions.js';
import type { ClusterProvider, RunningCluster } from '../cluster/provider.js';
import { loadKubeConfig } from '../cluster/provider.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { ExitCode, InitcError } from '../errors.js';
import type { Progress } from '../progress.js';
import { nonEmpty } from './validate.js';
import { clusterSettings, isDefaultSettings } from '../cluster/features.js';

export type ProviderChoice = 'local' | 'kind' | 'kubeconfig';

export interface ProviderArgs {
  provider: ProviderChoice;
  'kind-cluster'?: string;
  'local-cluster'?: string;
  'k8s-version': string;
  kubeconfig?: string;
  context?: string;
  'feature-gates'?: string[];
  'kubelet-config'?: string[];
  'only-known-gates'?: boolean;
  nodes?: number;
}

export function withProviderOptions<T>(y: Argv<T>) {
  return y
    .option('provider', {
      choices: ['local', 'kind', 'kubeconfig'] as const,
      describe: 'local: the embedded cluster this machine builds and runs; kind: a kind cluster of a node image built here; kubeconfig: an existing cluster',
    })
    .option('local-cluster', { type: 'string', requiresArg: true, coerce: checkClusterName, describe: `name of the embedded cluster (implies --provider local): reused when it runs (and left running), else started under that name and stopped at the end; clusters of different names run side by side (default ${CLUSTER_NAME})` })
    .option('kind-cluster', { type: 'string', requiresArg: true, coerce: nonEmpty('--kind-cluster'), describe: 'name of the kind cluster: reused when it exists (and left running), else created under that name (implies --provider kind); default a new initc-<random> per run' })
    .option('k8s-version', {
      type: 'string',
      default: DEFAULT_MINOR,
      requiresArg: true,
      coerce: nonEmpty('--k8s-version'),
      describe: `Kubernetes version of the embedded cluster (${Object.keys(PINNED_PATCHES).join(', ')})`,
    })
    .option('kubeconfig', { type: 'string', requiresArg: true, coerce: nonEmpty('--kubeconfig'), describe: 'kubeconfig of an existing cluster (implies --provider kubeconfig); default $KUBECONFIG or ~/.kube/config' })
    .option('context', { type: 'string', requiresArg: true, coerce: nonEmpty('--context'), describe: 'context in that kubeconfig (implies --provider kubeconfig); default its current context' })
    .option('feature-gates', settingsOptions['feature-gates'])
    .option('kubelet-config', settingsOptions['kubelet-config'])
    .option('only-known-gates', settingsOptions['only-known-gates'])
    .option('nodes', nodesOption);
}

/** `--nodes N`, for every command that starts a cluster: checked by nodeCount. */
export const nodesOption = {
  type: 'number',
  requiresArg: true,
  describe: `how many nodes the cluster initc starts has (1..${MAX_NODES}; default 1): one runs the control plane, each a kubelet, containerd and kube-proxy of its own; a running cluster of another count is refused`,
} as const;

/** The node count asked for (undefined: not asked), or a usage error. */
export function nodeCount(a: { nodes?: number }): number | undefined {
  if (a.nodes === undefined) return undefined;
  const problem = nodeCountProblem(a.nodes);
  if (problem) throw new InitcError('usage', problem);
  return a.nodes;
}

/** `--feature-gates` and `--kubelet-config`, for every command that starts a cluster. */
export const settingsOptions = {
  'feature-gates': { type: 'string', array: true, requiresArg: true, describe: 'feature gates of the cluster initc starts (embedded or kind), e.g. ContainerRestartRules=true,EnvFiles=false; checked against the release and read back from the cluster' },
  'kubelet-config': { type: 'string', array: true, requiresArg: true, describe: 'a KubeletConfiguration field of the cluster initc starts, FIELD=VALUE (repeatable), e.g. crashLoopBackOff.maxContainerRestartPeriod=5s; read back from the kubelet\'s /configz' },
  'only-known-gates': { type: 'boolean', describe: 'leave out (and say) the --feature-gates the release does not know, instead of refusing them: one set of gates across versions (compare --versions does this)' },
} as const;

/** --kubeconfig or --context without --provider means the existing cluster they name; --kind-cluster means kind. */
export function chosenProvider(a: Partial<ProviderArgs>): ProviderChoice {
  if (a.provider) return a.provider;
  if (a['kind-cluster']) return 'kind';
  if (a['local-cluster']) return 'local';
  return a.kubeconfig || a.context ? 'kubeconfig' : 'local';
}

export function makeProvider(a: Partial<ProviderArgs>): ClusterProvider {
  const chosen = chosenProvider(a);
  if ((a.kubeconfig || a.context) && chosen !== 'kubeconfig') throw new InitcError('usage', `--kubeconfig and --context name an existing cluster; they do not go with --provider ${chosen}`);
  if (a['kind-cluster'] && chosen !== 'kind') throw new InitcError('usage', `--kind-cluster names a kind cluster; it does not go with --provider ${chosen}`);
  if (a['local-cluster'] && chosen !== 'local') throw new InitcError('usage', `--local-cluster names an embedded cluster; it does not go with --provider ${chosen}${a['kind-cluster'] ? ' or --kind-cluster' : ''}`);
  const settings = clusterSettings(a);
  const nodes = nodeCount(a);
  if (chosen === 'kubeconfig') {
    if (nodes !== undefined) throw new InitcError('usage', '--nodes sets up a cluster initc starts; an existing cluster (--kubeconfig, --context) has the nodes it has');
    if (!isDefaultSettings(settings)) throw new InitcError('usage', '--feature-gates and --kubelet-config set up a cluster initc starts; an existing cluster (--kubeconfig, --context) runs with the gates it has, which the run reads and records');
    return new KubeconfigProvider({ kubeconfig: a.kubeconfig, context: a.context });
  }
  if (chosen === 'kind') return new KindProvider({ version: resolveKubeVersion(a['k8s-version']), name: a['kind-cluster'], reuse: Boolean(a['kind-cluster']), settings });
  // A run's cluster is its own: it does not touch the user's kubeconfig.
  return localProvider(a, false);
}

/** The provider flags' consistency and values (--feature-gates …), checked before a command writes or starts anything. */
export function checkProviderArgs(a: Partial<ProviderArgs>): void {
  makeProvider(a);
}

/** The embedded cluster a command names (--local-cluster), default initc. */
export const localName = (a: Partial<ProviderArgs>) => a['local-cluster'] ?? CLUSTER_NAME;
const localProvider = (a: Partial<ProviderArgs>, mergeKubeconfig?: boolean) => new LocalClusterProvider({ version: resolveKubeVersion(a['k8s-version']), name: localName(a), mergeKubeconfig, settings: clusterSettings(a), nodes: nodeCount(a) });
const notRunning = (a: Partial<ProviderArgs>, why: string) => new InitcError('notRunning', `no embedded cluster "${localName(a)}" is running: ${why}`);

/** The chosen cluster's KubeConfig if it is up, starting nothing (for commands that only look or clean up). */
export async function connectOnly(a: Partial<ProviderArgs>, progress: Progress): Promise<KubeConfig> {
  if (chosenProvider(a) !== 'local') return (await attachRunning(a, progress)).kubeConfig();
  const local = localProvider(a);
  if (!(await local.status()).running) throw notRunning(a, 'nothing to clean up');
  return loadKubeConfig(local.layout.kubeconfig);
}

/**
 * Embedded clusters (of any name) whose starter meant to stop them and died first are orphans:
 * stopped here (unless `dryRun` or `keep`), saying so. One that another live process holds (it
 * took the orphan over) is left alone, and so is `except`. Returns the names stopped. Other providers' orphans are
 * kind clusters (removeOrphanedKindClusters).
 */
export async function stopOrphanedLocalClusters(progress: Progress, o: { dryRun: boolean; keep: boolean; except?: string }): Promise<string[]> {
  const stopped: string[] = [];
  for (const name of clusterNames()) {
    if (name === o.except) continue;
    const local = new LocalClusterProvider({ version: resolveKubeVersion(undefined), name });
    const s = await local.status();
    const by = s.running && s.state ? await orphanedBy(s.state) : undefined;
    if (!by) continue;
    const what = `the embedded cluster "${name}" was started by ${by}, which died before stopping it`;
    if (o.dryRun || o.keep) {
      progress.info(`${what}: ${o.keep ? 'kept (--keep-cluster)' : 'would stop it'}`);
      continue;
    }
    progress.info(`${what}: stopping it`);
    try {
      await local.destroy({ progress });
      stopped.push(name);
    } catch (err) {
      if (err instanceof InitcError && err.exitCode === ExitCode.busy) progress.info(`  left alone: ${err.message}`);
      else throw err;
    }
  }
  return stopped;
}

/** The chosen cluster as a RunningCluster if it is up, starting nothing (for commands that act on a running cluster). */
export async function attachRunning(a: Partial<ProviderArgs>, progress: Progress): Promise<RunningCluster> {
  if (chosenProvider(a) === 'kubeconfig') return makeProvider(a).create({ progress });
  if (chosenProvider(a) === 'kind') {
    if (!a['kind-cluster']) throw new InitcError('usage', 'name the kind cluster: --kind-cluster NAME');
    return new KindProvider({ version: resolveKubeVersion(a['k8s-version']), name: a['kind-cluster'], reuse: true }).attach({ progress });
  }
  const local = localProvider(a);
  const s = await local.status();
  if (!s.running || !s.state) throw notRunning(a, `start it with ${upCommand(localName(a))}`);
  return new LocalCluster(local.layout, s.state);
}

/**
 * kind clusters that a dead run created, meaning to delete them: deleted here (unless `dryRun` or
 * `keep`), saying so. Returns their names.
 */
export async function removeOrphanedKindClusters(progress: Progress, o: { dryRun: boolean; keep: boolean }): Promise<string[]> {
  const orphans = await orphanedKindClusters();
  for (const { name, by } of orphans) {
    const what = `the kind cluster ${name} was created by ${by}, which died before deleting it`;
    if (o.dryRun || o.keep) {
      progress.info(`${what}: ${o.keep ? 'kept (--keep-cluster)' : 'would delete it'}`);
      continue;
    }
    progress.info(`${what}: deleting it`);
    await deleteOrphanedKindCluster(name, progress);
  }
  return orphans.map((x) => x.name);
}

/** The Kubernetes versions initc builds (the embedded cluster's and kind's node images), for other commands. */
export { DEFAULT_MINOR, PINNED_PATCHES, resolveKubeVersion };

/**
 * The chosen cluster for a command that runs tests on it (`run`, `check`): kind clusters that dead
 * runs left are removed first, then the cluster is brought up or found. `temporary`: the caller
 * means to take down what it starts.
 */
export async function startCluster(a: Partial<ProviderArgs>, ctx: { progress: Progress; signal: AbortSignal }, temporary: boolean): Promise<{ provider: ClusterProvider; cluster: RunningCluster }> {
  const provider = makeProvider(a);
  if (chosenProvider(a) === 'kind') await removeOrphanedKindClusters(ctx.progress, { dryRun: false, keep: false });
  // Embedded clusters of dead runs (a killed compare's) hold memory and a slot; the run's own is taken over instead (LocalClusterProvider.create).
  if (chosenProvider(a) === 'local') await stopOrphanedLocalClusters(ctx.progress, { dryRun: false, keep: false, except: localName(a) });
  return { provider, cluster: await provider.create({ ...ctx, temporary }) };
}
