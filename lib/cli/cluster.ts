/**
 * `initc cluster up | down | status | list | kubeconfig | export-logs` and `initc kubectl`: the
 * embedded clusters' lifecycle. Each takes `--name` (default `initc`), as kind's commands do;
 * clusters of different names run side by side, each in its own network namespace.
 */
import { promises as fs } from 'node:fs';
import { execa } from 'execa';
import type { Argv, CommandModule } from 'yargs';
import { InitcError } from '../errors.js';
import { LocalCluster, LocalClusterProvider } from '../cluster/local/local.js';
import { CLUSTER_NAME, checkClusterName, upCommand } from '../cluster/local/layout.js';
import { clusterNames } from '../cluster/local/slots.js';
import { DEFAULT_MINOR, PINNED_PATCHES, resolveKubeVersion } from '../cluster/local/versions.js';
import { seconds } from '../progress.js';
import { commandContext } from './context.js';
import { nodeCount, nodesOption, settingsOptions } from './providers.js';
import { DEFAULT_SETTINGS, clusterSettings, describeSettings } from '../cluster/features.js';

const versionOption = <T>(y: Argv<T>) =>
  y.option('k8s-version', {
    type: 'string',
    default: DEFAULT_MINOR,
    describe: `Kubernetes version (${Object.entries(PINNED_PATCHES).map(([m, p]) => `${m} → ${p}`).join(', ')})`,
  });

const nameOption = <T>(y: Argv<T>) =>
  y.option('name', {
    type: 'string',
    default: CLUSTER_NAME,
    requiresArg: true,
    coerce: checkClusterName,
    describe: 'the cluster\'s name (its kubeconfig context is initc-<name>; the default cluster\'s is initc)',
  });

type Named = { name: string };

/** The named cluster's provider for commands that act on whatever runs (the layout does not depend on the version). */
const localProvider = (name: string) => new LocalClusterProvider({ version: resolveKubeVersion(undefined), name });

const notRunning = (name: string) => new InitcError('notRunning', `no embedded cluster "${name}" is running: start it with ${upCommand(name)}`);

const up: CommandModule<object, Named & { 'k8s-version': string; 'merge-kubeconfig': boolean; 'feature-gates'?: string[]; 'kubelet-config'?: string[]; 'only-known-gates'?: boolean; nodes?: number }> = {
  command: 'up',
  describe: 'build (or reuse) and start an embedded cluster; a second up of the same name finds it running',
  builder: (y) =>
    nameOption(versionOption(y)).option('merge-kubeconfig', {
      type: 'boolean',
      default: true,
      describe: 'merge its context into $KUBECONFIG or ~/.kube/config and make it current, as kind does',
    })
      .option('feature-gates', settingsOptions['feature-gates'])
      .option('kubelet-config', settingsOptions['kubelet-config'])
      .option('only-known-gates', settingsOptions['only-known-gates'])
      .option('nodes', nodesOption) as never,
  handler: async (a) => {
    const ctx = commandContext();
    const started = Date.now();
    const settings = clusterSettings(a);
    const nodes = nodeCount(a);
    const provider = new LocalClusterProvider({ version: resolveKubeVersion(a['k8s-version']), name: a.name, mergeKubeconfig: a['merge-kubeconfig'], settings, nodes });
    const cluster = await provider.create(ctx);
    await cluster.release();
    ctx.progress.info(`embedded cluster "${a.name}" ${cluster.state.gitVersion} (${describeSettings(settings)}) with ${cluster.nodeNames().length} node${cluster.nodeNames().length === 1 ? '' : 's'} ready in ${seconds(Date.now() - started)}; context ${cluster.context}, kubeconfig ${cluster.kubeconfigPath}`);
  },
};

const down: CommandModule<object, Named> = {
  command: 'down',
  describe: 'stop every process of an embedded cluster and remove its network, mounts and files (the build cache stays)',
  builder: (y) => nameOption(y) as never,
  handler: async (a) => {
    const ctx = commandContext();
    const provider = localProvider(a.name);
    await provider.destroy(ctx);
    const left = await provider.leftovers();
    if (left.length) throw new InitcError('componentFailed', `down left: ${left.join('; ')}`);
    ctx.progress.info(`embedded cluster "${a.name}" removed`);
  },
};

const status: CommandModule<object, Named & { json: boolean }> = {
  command: 'status',
  describe: 'versions, pids and readiness of an embedded cluster (exit 10 when it is not running)',
  builder: (y) => nameOption(y).option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as never,
  handler: async (a) => {
    const s = await localProvider(a.name).status();
    const n = s.layout.network;
    if (a.json) {
      console.log(JSON.stringify({ name: a.name, context: s.layout.context, running: s.running, gitVersion: s.state?.gitVersion, settings: s.state ? (s.state.settings ?? DEFAULT_SETTINGS) : undefined, serverVersion: s.serverVersion, nodeReady: s.nodeReady, nodes: s.nodes, nodeIP: n.nodeIP, podCIDR: n.podCIDR, serviceCIDR: n.serviceCIDR, netns: n.netns, processes: s.processes, kubeconfig: s.layout.kubeconfig }, null, 2));
    } else if (!s.state) {
      console.log(`embedded cluster "${a.name}": not running`);
    } else {
      console.log(`embedded cluster "${a.name}": ${s.running ? 'running' : `NOT running (some processes ended; run \`initc cluster down --name ${a.name}\`)`}`);
      console.log(`  Kubernetes:   ${s.state.gitVersion} (server reports ${s.serverVersion ?? 'nothing'})`);
      console.log(`  settings:     ${describeSettings(s.state.settings ?? DEFAULT_SETTINGS)}`);
      for (const node of s.nodes) console.log(`  node:         ${node.name} ${node.ready ? 'Ready' : 'not Ready'}, ${node.nodeIP} in network namespace ${node.netns}, pods ${node.podCIDR}`);
      console.log(`  ranges:       pods ${n.podCIDR}, services ${n.serviceCIDR}`);
      console.log(`  kubeconfig:   ${s.layout.kubeconfig} (context ${s.layout.context})`);
      console.log(`  started at:   ${s.state.startedAt}`);
      for (const p of s.processes) console.log(`  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} ${p.running ? 'running' : 'ENDED'}  log ${p.log}`);
    }
    if (!s.running) process.exitCode = 10;
  },
};

const list: CommandModule<object, { json: boolean }> = {
  command: 'list',
  describe: 'the embedded clusters on this machine: name, version, state, node address, context',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as never,
  handler: async (a) => {
    const rows = [];
    for (const name of clusterNames()) {
      const s = await localProvider(name).status();
      if (name === CLUSTER_NAME && !s.state) continue;
      rows.push({ name, context: s.layout.context, gitVersion: s.state?.gitVersion ?? null, state: s.running ? (s.nodeReady ? 'running' : 'running, node not Ready') : s.state ? 'stopped (run down)' : 'not started', nodeIP: s.layout.network.nodeIP, kubeconfig: s.layout.kubeconfig });
    }
    if (a.json) return void console.log(JSON.stringify(rows, null, 2));
    if (!rows.length) return void console.log('no embedded cluster on this machine (initc cluster up [--name N] starts one)');
    const table = [['NAME', 'VERSION', 'STATE', 'NODE', 'CONTEXT'], ...rows.map((r) => [r.name, r.gitVersion ?? '-', r.state, r.nodeIP, r.context])];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  },
};

const kubeconfig: CommandModule<object, Named> = {
  command: 'kubeconfig',
  describe: 'print an embedded cluster\'s admin kubeconfig (as `kind get kubeconfig` does)',
  builder: (y) => nameOption(y) as never,
  handler: async (a) => {
    const provider = localProvider(a.name);
    const s = await provider.status();
    if (!s.state) throw notRunning(a.name);
    process.stdout.write(await fs.readFile(provider.layout.kubeconfig, 'utf8'));
  },
};

const exportLogs: CommandModule<object, Named & { dir: string }> = {
  command: 'export-logs <dir>',
  describe: 'copy every component\'s log file of an embedded cluster into <dir>',
  builder: (y) => nameOption(y) as never,
  handler: async (a) => {
    const provider = localProvider(a.name);
    const s = await provider.status();
    if (!s.state) throw notRunning(a.name);
    const files = await new LocalCluster(provider.layout, s.state).exportLogs(a.dir);
    console.log(files.join('\n'));
  },
};

/** `initc kubectl [--name N] ARGS`: the kubectl built with a running embedded cluster, pointed at it. */
export const kubectlCommand: CommandModule<object, Named & { args?: string[] }> = {
  command: 'kubectl [args..]',
  describe: 'run an embedded cluster\'s own kubectl against it (e.g. initc kubectl get pods -A; --name N for cluster N)',
  builder: (y) => nameOption(y).positional('args', { type: 'string', array: true }).parserConfiguration({ 'unknown-options-as-args': true }).strict(false) as never,
  handler: async (a) => {
    const provider = localProvider(a.name);
    const s = await provider.status();
    if (!s.state?.binaries) throw notRunning(a.name);
    const r = await execa(s.state.binaries.kube, ['kubectl', `--kubeconfig=${provider.layout.kubeconfig}`, ...(a.args ?? []).map(String)], { stdio: 'inherit', reject: false });
    process.exitCode = r.exitCode ?? 1;
  },
};

export const clusterCommand: CommandModule = {
  command: 'cluster <command>',
  describe: 'embedded local clusters: up, down, status, list, kubeconfig, export-logs (--name N; default initc)',
  builder: (y) => y.command(up).command(down).command(status).command(list).command(kubeconfig).command(exportLogs).demandCommand(1, 'name a cluster command: up, down, status, list, kubeconfig or export-logs'),
  handler: () => undefined,
};
