/**
 * The kind provider: a kind cluster of a node image made on this machine (node-image.ts), of one
 * control-plane node and as many workers as asked (`nodes`),
 * on a Docker engine that answers or that initc starts (docker.ts), driven through the kind CLI
 * built from the Go module proxy (kind-binary.ts). Each run gets a cluster of its own
 * (`initc-<random>`) and a Docker network of its own (`kind-<name>`, which `kind delete` would
 * leave behind), unless told to reuse a named one. Readiness (ready.ts) is checked by watching,
 * since `kind create --wait` only warns on timeout.
 *
 * Node access (node.ts) is `docker exec` into a node's container: the cluster itself serves its
 * control-plane node, nodeAccess(name) any node.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import { writeFileMode } from '../../util/fsx.js';
import { isSameProcess, procStartTime } from '../local/processes.js';
import { cacheRoot } from '../../util/paths.js';
import type { ClusterProvider, CreateOptions, ProviderName } from '../provider.js';
import type { KubeVersion } from '../local/versions.js';
import { isValidClusterName, kindClusterConfig, kindNodeNames, randomClusterName, sortKindNodes } from './config.js';
import type { ClusterSettings } from '../features.js';
import { DEFAULT_SETTINGS, describeSettings, isDefaultSettings } from '../features.js';
import { checkSettingsInForce, settleGates } from '../settings-check.js';
import { buildKube } from '../local/build.js';
import { goVersion } from '../local/go-build.js';
import { dockerEnv, dockerStartedByInitc, ensureDocker, otherDockerUsers, stopDockerIfWeStartedIt } from './docker.js';
import { buildKind, kindCli } from './kind-binary.js';
import { buildNodeImage } from './node-image.js';
import { waitForCluster, waitForPodRoutes } from './ready.js';
import { KindCluster } from './running.js';

export { clusterNotReady, isNodeReady } from './ready.js';
export { KindCluster } from './running.js';

export interface KindProviderOptions {
  version: KubeVersion;
  /** Cluster name; default a fresh `initc-<random>` per provider. */
  name?: string;
  /** Use a running kind cluster of that name instead of refusing (it is then not destroyed). */
  reuse?: boolean;
  /** How long to wait for the node Ready and kube-system Running after `kind create` (default 180 s). */
  readyTimeoutMs?: number;
  /** Stop the dockerd initc started when destroy leaves no container (default true). */
  stopDockerWhenIdle?: boolean;
  /** Feature gates and kubelet fields of the cluster it creates (a reused one must already run with them). */
  settings?: ClusterSettings;
  /** Nodes of the cluster it creates: one control plane and `nodes - 1` workers (default 1); a reused one must have as many. */
  nodes?: number;
}

const clusterDir = (name: string) => path.join(cacheRoot(), 'kind', 'clusters', name);
export const kindNetworkName = (name: string) => `kind-${name}`;

async function clusterExists(kind: string, name: string): Promise<boolean> {
  const r = await kindCli(kind, ['get', 'clusters']);
  return String(r.stdout).split('\n').map((l) => l.trim()).includes(name);
}

/** The node containers of a kind cluster (`kind get nodes`), the control plane first. */
async function kindNodes(kind: string, name: string): Promise<string[]> {
  const r = await kindCli(kind, ['get', 'nodes', '--name', name]);
  if (r.exitCode !== 0) throw new InitcError('componentFailed', `kind get nodes --name ${name} failed: ${String(r.stderr).trim().split('\n').pop()}`);
  return sortKindNodes(String(r.stdout).split('\n').map((l) => l.trim()).filter(Boolean));
}

export class KindProvider implements ClusterProvider {
  readonly name: ProviderName = 'kind';
  readonly clusterName: string;
  private created = false;

  constructor(private readonly o: KindProviderOptions) {
    this.clusterName = o.name ?? randomClusterName();
    if (!isValidClusterName(this.clusterName)) {
      throw new InitcError('usage', `"${this.clusterName}" is no kind cluster name: lower-case letters, digits and '-', at most 32`);
    }
  }

  /** The nodes of the cluster it creates. */
  get nodes(): number {
    return this.o.nodes ?? 1;
  }

  private get settings(): ClusterSettings {
    return this.o.settings ?? DEFAULT_SETTINGS;
  }

  async create(co: CreateOptions): Promise<KindCluster> {
    const { progress, signal } = co;
    const name = this.clusterName;
    await ensureDocker(progress, signal);
    const kind = await buildKind(progress);
    const dir = clusterDir(name);
    const kubeconfig = path.join(dir, 'kubeconfig');
    if (await clusterExists(kind, name)) {
      if (!this.o.reuse) throw new InitcError('usage', `a kind cluster named "${name}" exists already: choose another name, or reuse it`);
      const reused = await this.existing(kind);
      const count = reused.nodeNames().length;
      if (this.o.nodes !== undefined && count !== this.o.nodes) {
        throw new InitcError('usage', `the kind cluster "${name}" has ${count} node${count === 1 ? '' : 's'}, not the ${this.o.nodes} of --nodes: leave --nodes out to reuse it, or choose another name`);
      }
      progress.info(`✔ reusing kind cluster ${name} (${count} node${count === 1 ? '' : 's'})`);
      if (!isDefaultSettings(this.settings)) await progress.step(`kind cluster ${name} runs with ${describeSettings(this.settings)}`, () => checkSettingsInForce(reused.kubeConfig(), reused.nodeName, this.settings));
      return reused;
    }
    let applied = this.settings;
    let dropped: string[] = [];
    if (Object.keys(this.settings.featureGates).length) {
      await progress.step(`feature gates known to ${this.o.version.gitVersion}: ${describeSettings(this.settings)}`, async () => {
        const settled = await settleGates((await buildKube(this.o.version, progress, await goVersion())).kube, this.settings, this.o.version.gitVersion);
        applied = settled.settings;
        dropped = settled.dropped;
      });
      if (dropped.length) progress.info(`  Kubernetes ${this.o.version.gitVersion} has no feature gate ${dropped.join(', ')}: left out (--only-known-gates)`);
    }
    const image = await buildNodeImage(this.o.version, progress, signal);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    const configFile = path.join(dir, 'kind-config.yaml');
    await fs.writeFile(configFile, kindClusterConfig({ version: this.o.version, image, settings: applied, nodes: this.nodes }));
    const logFile = path.join(dir, 'create.log');
    this.created = true; // from here on, destroy() removes whatever part of it exists
    await writeOwner(name, Boolean(co.temporary));
    const cluster = new KindCluster(name, kind, kubeconfig, true, kindNodeNames(name, this.nodes));
    try {
      await progress.step(`kind create cluster ${name} (${this.o.version.gitVersion}, ${this.nodes === 1 ? '1 node' : `${this.nodes} nodes`}; log: ${logFile})`, async (step) => {
        const child = execa(kind, ['create', 'cluster', '--name', name, '--image', image, '--config', configFile, '--kubeconfig', kubeconfig, '--retain'], {
          env: { ...dockerEnv(), KIND_EXPERIMENTAL_DOCKER_NETWORK: kindNetworkName(name) },
          reject: false,
          all: true,
          buffer: false,
          cancelSignal: signal,
        });
        const log = await fs.open(logFile, 'w');
        let last = '';
        child.all?.on('data', (d: Buffer) => {
          void log.write(d);
          for (const line of d.toString().split('\n').map((l) => l.trim()).filter(Boolean)) {
            last = line;
            if (/^[•✓✗]/.test(line)) step.update(line.replace(/\s+/g, ' '));
          }
        });
        const r = await child;
        await log.close();
        if (r.isCanceled || signal?.aborted) throw new InitcError('interrupted', `interrupted during kind create cluster ${name}`);
        if (r.exitCode !== 0) throw new InitcError('componentFailed', `kind create cluster ${name} failed: ${last || `exit ${r.exitCode}`}`);
      });
      await progress.step(`node${this.nodes === 1 ? '' : 's'} ${cluster.nodeNames().join(', ')} Ready, kube-system pods Running`, () =>
        waitForCluster(cluster.kubeConfig(), cluster.nodeNames(), this.o.readyTimeoutMs ?? 180_000, signal),
      );
      if (this.nodes > 1) {
        const routes = await progress.step('routes between the nodes\' pod ranges', () => waitForPodRoutes(cluster.kubeConfig(), 60_000, signal));
        progress.info(`  ${routes.map((r) => `${r.node}: ${r.cidr} via ${r.via}`).join('; ')}`);
      }
      if (!isDefaultSettings(applied)) await progress.step('settings read back from the cluster (gates on /metrics, kubelet /configz)', () => checkSettingsInForce(cluster.kubeConfig(), cluster.nodeName, applied));
      return cluster;
    } catch (err) {
      const logs = path.join(dir, 'failed-create-logs');
      if (!signal?.aborted) await cluster.exportLogs(logs).catch(() => undefined);
      await this.remove(progress, true).catch(() => undefined);
      const message = err instanceof Error ? err.message : String(err);
      const suffix = signal?.aborted ? '; the cluster was deleted' : ` (node logs: ${logs}; the cluster was deleted)`;
      if (err instanceof InitcError) throw err.withMessage(message + suffix);
      throw new InitcError('componentFailed', message + suffix);
    }
  }

  /** The running kind cluster of this name, starting nothing (no Docker engine, no dockerd started). */
  async attach({ progress }: CreateOptions): Promise<KindCluster> {
    const kind = await buildKind(progress);
    const r = await kindCli(kind, ['get', 'clusters']);
    if (r.exitCode !== 0) throw new InitcError('notRunning', `no kind cluster "${this.clusterName}": the Docker engine does not answer (${String(r.stderr).trim().split('\n').pop()})`);
    if (!String(r.stdout).split('\n').map((l) => l.trim()).includes(this.clusterName)) throw new InitcError('notRunning', `no kind cluster named "${this.clusterName}" runs (kind get clusters)`);
    return this.existing(kind);
  }

  private async existing(kind: string): Promise<KindCluster> {
    const name = this.clusterName;
    const kubeconfig = path.join(clusterDir(name), 'kubeconfig');
    await fs.mkdir(clusterDir(name), { recursive: true });
    const r = await kindCli(kind, ['get', 'kubeconfig', '--name', name]);
    if (r.exitCode !== 0) throw new InitcError('kubeconfig', `kind get kubeconfig --name ${name} failed: ${String(r.stderr).trim().split('\n').pop()}`);
    // Written aside, then renamed: other initc processes reusing the cluster may be reading it now.
    const written = `${kubeconfig}.${process.pid}.tmp`;
    await writeFileMode(written, String(r.stdout), 0o600);
    await fs.rename(written, kubeconfig);
    return new KindCluster(name, kind, kubeconfig, false, await kindNodes(kind, name));
  }

  /** Deletes the cluster this provider created (nothing, when it reused one) and its network; stops a dockerd initc started once nothing runs on it. */
  async destroy(co: CreateOptions): Promise<void> {
    await this.remove(co.progress, false);
  }

  /** `keepFiles`: keep the cluster's folder (its create log and the logs of a failed create). */
  private async remove(progress: CreateOptions['progress'], keepFiles: boolean): Promise<void> {
    if (this.created) {
      await deleteCluster(this.clusterName, progress, keepFiles);
      this.created = false;
    }
    if (this.o.stopDockerWhenIdle ?? true) await stopDockerWhenIdle(progress);
  }
}

/** `kind delete cluster`, its Docker network (which kind leaves), and its folder unless `keepFiles`. */
async function deleteCluster(name: string, progress: CreateOptions['progress'], keepFiles: boolean): Promise<void> {
  const kind = await buildKind(progress);
  await progress.step(`kind delete cluster ${name}`, async () => {
    const r = await kindCli(kind, ['delete', 'cluster', '--name', name, '--kubeconfig', path.join(clusterDir(name), 'kubeconfig')]);
    if (r.exitCode !== 0) throw new InitcError('cleanupFailed', `kind delete cluster ${name} failed: ${String(r.all).trim().split('\n').pop()}`);
    const net = await execa('docker', ['network', 'rm', kindNetworkName(name)], { env: dockerEnv(), reject: false });
    if (net.exitCode !== 0 && !/not found|No such network/i.test(String(net.stderr))) {
      throw new InitcError('cleanupFailed', `docker network rm ${kindNetworkName(name)} failed: ${String(net.stderr).trim()}`);
    }
  });
  if (!keepFiles) await fs.rm(clusterDir(name), { recursive: true, force: true });
}

/** Stops the dockerd initc started once no container is left on it and no other initc process uses it. */
async function stopDockerWhenIdle(progress: CreateOptions['progress']): Promise<void> {
  if (!(await dockerStartedByInitc())) return;
  const ps = await execa('docker', ['ps', '-aq'], { env: dockerEnv(), reject: false });
  if (ps.exitCode !== 0 || String(ps.stdout).trim() !== '') return;
  const users = await otherDockerUsers();
  if (users.length) progress.info(`dockerd keeps running: initc pid ${users.join(', ')} uses it`);
  else await stopDockerIfWeStartedIt(progress);
}

/** Who created a kind cluster, and whether it meant to delete it (`initc run` without --keep-cluster). */
interface KindOwner {
  pid: number;
  startTime: string;
  command: string;
  temporary: boolean;
}

const ownerFile = (name: string) => path.join(clusterDir(name), 'owner.json');

async function writeOwner(name: string, temporary: boolean): Promise<void> {
  const owner: KindOwner = { pid: process.pid, startTime: (await procStartTime(process.pid)) ?? '', command: `initc ${process.argv.slice(2).join(' ')}`.slice(0, 200), temporary };
  await fs.writeFile(ownerFile(name), JSON.stringify(owner, null, 2));
}

/**
 * kind clusters whose creator meant to delete them and died first (kill -9 of a run): each with
 * who left it. Only clusters initc created on this machine are considered (their folder holds the
 * owner); clusters made with kind directly are never touched.
 */
export async function orphanedKindClusters(): Promise<Array<{ name: string; by: string }>> {
  const root = path.join(cacheRoot(), 'kind', 'clusters');
  const orphans: Array<{ name: string; by: string }> = [];
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    const owner = await fs.readFile(ownerFile(name), 'utf8').then((t) => JSON.parse(t) as KindOwner, () => undefined);
    if (owner?.temporary && !(await isSameProcess(owner))) orphans.push({ name, by: `\`${owner.command}\`, pid ${owner.pid}` });
  }
  return orphans;
}

/** Deletes an orphaned kind cluster initc created: the cluster, its network and its folder; then a dockerd initc started, if idle. */
export async function deleteOrphanedKindCluster(name: string, progress: CreateOptions['progress']): Promise<void> {
  await ensureDocker(progress);
  await deleteCluster(name, progress, false);
  await stopDockerWhenIdle(progress);
}
