/** `initc cluster up | down | status | kubeconfig | export-logs`: the embedded cluster's lifecycle. */
import { promises as fs } from 'node:fs';
import { execa } from 'execa';
import type { Argv, CommandModule } from 'yargs';
import { InitcError } from '../errors.js';
import { LocalClusterProvider } from '../cluster/local/local.js';
import { DEFAULT_MINOR, PINNED_PATCHES, resolveKubeVersion } from '../cluster/local/versions.js';
import { seconds } from '../progress.js';
import { commandContext } from './context.js';

const versionOption = <T>(y: Argv<T>) =>
  y.option('k8s-version', {
    type: 'string',
    default: DEFAULT_MINOR,
    describe: `Kubernetes version (${Object.entries(PINNED_PATCHES).map(([m, p]) => `${m} → ${p}`).join(', ')})`,
  });

/** The embedded cluster's provider for commands that act on whatever runs (the layout does not depend on the version). */
const localProvider = () => new LocalClusterProvider({ version: resolveKubeVersion(undefined) });

const up: CommandModule<object, { 'k8s-version': string; 'merge-kubeconfig': boolean }> = {
  command: 'up',
  describe: 'build (or reuse) and start the embedded cluster; a second up finds it running',
  builder: (y) =>
    versionOption(y).option('merge-kubeconfig', {
      type: 'boolean',
      default: true,
      describe: 'merge its context into $KUBECONFIG or ~/.kube/config and make it current, as kind does',
    }),
  handler: async (a) => {
    const ctx = commandContext();
    const started = Date.now();
    const provider = new LocalClusterProvider({ version: resolveKubeVersion(a['k8s-version']), mergeKubeconfig: a['merge-kubeconfig'] });
    const cluster = await provider.create(ctx);
    await cluster.release();
    ctx.progress.info(`embedded cluster ${cluster.state.gitVersion} ready in ${seconds(Date.now() - started)}; kubeconfig: ${cluster.kubeconfigPath}`);
  },
};

const down: CommandModule = {
  command: 'down',
  describe: 'stop every process of the embedded cluster and remove its network, mounts and files (the build cache stays)',
  handler: async () => {
    const ctx = commandContext();
    const provider = localProvider();
    await provider.destroy(ctx);
    const left = await provider.leftovers();
    if (left.length) throw new InitcError('componentFailed', `down left: ${left.join('; ')}`);
    ctx.progress.info('embedded cluster removed');
  },
};

const status: CommandModule<object, { json: boolean }> = {
  command: 'status',
  describe: 'versions, pids and readiness of the embedded cluster (exit 10 when it is not running)',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: async (a) => {
    const s = await localProvider().status();
    if (a.json) {
      console.log(JSON.stringify({ running: s.running, gitVersion: s.state?.gitVersion, serverVersion: s.serverVersion, nodeReady: s.nodeReady, processes: s.processes, kubeconfig: s.layout.kubeconfig }, null, 2));
    } else if (!s.state) {
      console.log('embedded cluster: not running');
    } else {
      console.log(`embedded cluster: ${s.running ? 'running' : 'NOT running (some processes ended; run `initc cluster down`)'}`);
      console.log(`  Kubernetes:   ${s.state.gitVersion} (server reports ${s.serverVersion ?? 'nothing'})`);
      console.log(`  node:         ${s.layout.nodeName} ${s.nodeReady ? 'Ready' : 'not Ready'}`);
      console.log(`  kubeconfig:   ${s.layout.kubeconfig}`);
      console.log(`  started at:   ${s.state.startedAt}`);
      for (const p of s.processes) console.log(`  ${p.name.padEnd(24)} pid ${String(p.pid).padEnd(8)} ${p.running ? 'running' : 'ENDED'}  log ${p.log}`);
    }
    if (!s.running) process.exitCode = 10;
  },
};

const kubeconfig: CommandModule = {
  command: 'kubeconfig',
  describe: 'print the embedded cluster\'s admin kubeconfig (as `kind get kubeconfig` does)',
  handler: async () => {
    const provider = localProvider();
    const s = await provider.status();
    if (!s.state) throw new InitcError('notRunning', 'no embedded cluster is running: start it with `initc cluster up`');
    process.stdout.write(await fs.readFile(provider.layout.kubeconfig, 'utf8'));
  },
};

const exportLogs: CommandModule<object, { dir: string }> = {
  command: 'export-logs <dir>',
  describe: 'copy every component\'s log file into <dir>',
  handler: async (a) => {
    const provider = localProvider();
    const s = await provider.status();
    if (!s.state) throw new InitcError('notRunning', 'no embedded cluster is running');
    const { LocalCluster } = await import('../cluster/local/local.js');
    const files = await new LocalCluster(provider.layout, s.state).exportLogs(a.dir);
    console.log(files.join('\n'));
  },
};

/** `initc kubectl ARGS`: the kubectl built with the running embedded cluster, pointed at it. */
export const kubectlCommand: CommandModule<object, { args?: string[] }> = {
  command: 'kubectl [args..]',
  describe: 'run the embedded cluster\'s own kubectl against it (e.g. initc kubectl get pods -A)',
  builder: (y) => y.positional('args', { type: 'string', array: true }).parserConfiguration({ 'unknown-options-as-args': true }).strict(false),
  handler: async (a) => {
    const provider = localProvider();
    const s = await provider.status();
    if (!s.state?.binaries) throw new InitcError('notRunning', 'no embedded cluster is running: start it with `initc cluster up`');
    const r = await execa(s.state.binaries.kube, ['kubectl', `--kubeconfig=${provider.layout.kubeconfig}`, ...(a.args ?? []).map(String)], { stdio: 'inherit', reject: false });
    process.exitCode = r.exitCode ?? 1;
  },
};

export const clusterCommand: CommandModule = {
  command: 'cluster <command>',
  describe: 'the embedded local cluster: up, down, status, kubeconfig, export-logs',
  builder: (y) => y.command(up).command(down).command(status).command(kubeconfig).command(exportLogs).demandCommand(1, 'name a cluster command: up, down, status, kubeconfig or export-logs'),
  handler: () => undefined,
};
