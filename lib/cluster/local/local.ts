/**
 * The embedded cluster: real etcd, kube-apiserver, controller-manager, scheduler, kubelet,
 * kube-proxy, CoreDNS and containerd as host processes, built from the Go module proxy, all in a
 * network namespace of the cluster's own (layout.ts), so clusters of different names run side by
 * side. With `--nodes N` each further node (kubelet, kube-proxy, containerd, storage provisioner)
 * runs in a namespace of its own, linked to node 0's (node-layout.ts, node-network.ts,
 * node-start.ts). `up` records each step in the state file before taking it, so `down`
 * (teardown.ts) can undo any prefix of it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InitcError } from '../../errors.js';
import { checkMergeable, defaultKubeconfigPath, mergeIntoFile } from '../kubeconfig-file.js';
import type { ClusterProvider, CreateOptions } from '../provider.js';
import { loadKubeConfig } from '../provider.js';
import type { ClusterSettings } from '../features.js';
import { DEFAULT_SETTINGS, describeSettings, sameSettings } from '../features.js';
import { checkSettingsInForce, settleGates } from '../settings-check.js';
import { PROVISIONER_NAME, STORAGE_CLASS_NAME } from '../storage/objects.js';
import { ensureBinaries } from './build.js';
import { applyClusterObjects, waitForDefaultServiceAccount, writeClusterConfigs } from './cluster-files.js';
import * as cmd from './commands.js';
import { checkExtraNodesFree, setupExtraNetworks } from './extra-node.js';
import { httpStatus, waitUntil } from './health.js';
import { buildFixtureImage, buildPauseImage } from './images.js';
import type { ClusterLayout } from './layout.js';
import { CLUSTER_NAME, apiServerURL, clusterLayout, downCommand } from './layout.js';
import type { HeldLock } from './lock.js';
import { takeLock } from './lock.js';
import { checkNetworkFree, netnsPath, setupNetwork } from './network.js';
import type { NodeStartContext } from './node-start.js';
import { startNodeAgents, startOnNode, startProvisioner, startRuntime, writeNodeConfigs } from './node-start.js';
import { checkHostTools, checkKernel, requireRoot } from './preflight.js';
import { isRunning, isSameProcess, procStartTime } from './processes.js';
import { claimSlot, layoutOf, releaseSlot, slotOf } from './slots.js';
import type { ClusterState } from './state.js';
import { readState, writeState } from './state.js';
import type { ClusterStatus } from './status.js';
import { clusterStatus } from './status.js';
import { clusterLeftovers, removeCluster } from './teardown.js';
import { nodeLayouts } from './node-layout.js';
import { LocalCluster } from './running.js';
import type { KubeVersion } from './versions.js';

export interface LocalClusterOptions {
  version: KubeVersion;
  /** The cluster's name (default `initc`); its layout follows from it and its slot. */
  name?: string;
  layout?: ClusterLayout;
  /** Merge the admin context into the user's kubeconfig (as kind does). */
  mergeKubeconfig?: boolean;
  /** Feature gates and kubelet fields to start with (default: the release's defaults). */
  settings?: ClusterSettings;
  /** How many nodes (1..MAX_NODES; node-layout.ts). Undefined: one for a new cluster, and whatever a running one has. */
  nodes?: number;
}

export class LocalClusterProvider implements ClusterProvider {
  readonly name = 'local' as const;
  /** Its slot's layout; until `up` claims a slot, the slot it would claim. */
  private current: ClusterLayout;

  constructor(private readonly opts: LocalClusterOptions) {
    this.current = opts.layout ?? layoutOf(opts.name ?? CLUSTER_NAME);
  }

  get layout(): ClusterLayout {
    return this.current;
  }

  /** Whether this cluster holds a slot (the default cluster always does): a cluster without one has nothing on the host. */
  private get hasSlot(): boolean {
    return this.opts.layout !== undefined || slotOf(this.current.name) !== undefined;
  }

  /** Takes the cluster's lock for this process (re-entrant), naming the command line that holds it. */
  lock(): Promise<HeldLock> {
    return takeLock(this.layout.lockFile, `initc ${process.argv.slice(2).join(' ')}`.slice(0, 200), this.layout.name);
  }

  /** Brings the cluster up (or finds it up) and keeps its lock until the returned cluster's release(). */
  async create(o: CreateOptions): Promise<LocalCluster> {
    requireRoot('the embedded cluster');
    const lock = await this.lock();
    try {
      return await this.createLocked(o, lock);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  private async createLocked({ progress, signal, temporary }: CreateOptions, lock: HeldLock): Promise<LocalCluster> {
    const l = this.layout;
    const existing = await readState(l.stateFile);
    if (existing) {
      if (existing.ready && (await this.isHealthy(existing))) {
        if (existing.gitVersion !== this.opts.version.gitVersion) {
          throw new InitcError('usage', `the embedded cluster "${l.name}" runs ${existing.gitVersion} already; ${downCommand(l.name)} it first to start ${this.opts.version.gitVersion}${l.name === CLUSTER_NAME ? ', or start that version under another name (--name)' : ''}`);
        }
        const running = existing.settings ?? DEFAULT_SETTINGS;
        if (!sameSettings(running, this.settings)) {
          throw new InitcError('usage', `the embedded cluster "${l.name}" runs with ${describeSettings(running)}, not ${describeSettings(this.settings)}; ${downCommand(l.name)} it first, or start another under another name (--name)`);
        }
        const runningNodes = existing.nodes ?? 1;
        if (this.opts.nodes !== undefined && this.opts.nodes !== runningNodes) {
          throw new InitcError('usage', `the embedded cluster "${l.name}" runs with ${runningNodes} node${runningNodes === 1 ? '' : 's'}, not ${this.opts.nodes}; ${downCommand(l.name)} it first, or start another under another name (--name)`);
        }
        const orphan = await orphanedBy(existing);
        if (orphan) {
          // Its starter died before stopping it: this caller takes it over, and stops it when done if it means to.
          progress.info(`the embedded cluster's starter (${orphan}) died before stopping it: ${temporary ? 'this run takes it over and stops it at its end' : 'it is yours now'}`);
          existing.owner = await ownerRecord(Boolean(temporary));
          await writeState(l.stateFile, existing);
          return new LocalCluster(l, existing, Boolean(temporary), lock);
        }
        progress.info(`✔ embedded cluster "${l.name}" ${existing.gitVersion} already running (kubeconfig: ${l.kubeconfig})`);
        return new LocalCluster(l, existing, false, lock);
      }
      progress.info('found a stopped or half-started embedded cluster: cleaning it up first');
      await this.destroy({ progress, signal });
    }
    if (!this.opts.layout) this.current = clusterLayout({ name: l.name, slot: claimSlot(l.name) });
    try {
      await progress.step(`preflight checks (cluster "${this.layout.name}": node ${this.layout.network.nodeIP}, pods ${this.layout.network.podCIDR}, services ${this.layout.network.serviceCIDR})`, async () => {
        await checkKernel();
        await checkHostTools(this.layout);
        await checkNetworkFree(this.layout);
        await checkExtraNodesFree(this.layout, this.nodeCount);
      });
      return await this.startFresh({ progress, signal, temporary }, lock);
    } catch (err) {
      // Refused or failed before it recorded anything (preflight, a build): nothing of it is on the host, and its slot goes back.
      if (!this.opts.layout && !(await readState(this.layout.stateFile))) releaseSlot(l.name);
      throw err;
    }
  }

  private get nodeCount(): number {
    return this.opts.nodes ?? 1;
  }

  private get settings(): ClusterSettings {
    return this.opts.settings ?? DEFAULT_SETTINGS;
  }

  /** What the cluster runs with: the settings, less the gates its release does not know under --only-known-gates. */
  private applied: ClusterSettings = DEFAULT_SETTINGS;

  private async startFresh({ progress, signal, temporary }: CreateOptions, lock: HeldLock): Promise<LocalCluster> {
    const l = this.layout;
    if (this.opts.mergeKubeconfig !== false) await checkMergeable(defaultKubeconfigPath());
    const binaries = await progress.step(`binaries for Kubernetes ${this.opts.version.gitVersion}`, () => ensureBinaries(this.opts.version, progress));
    this.applied = this.settings;
    let dropped: string[] = [];
    if (Object.keys(this.settings.featureGates).length) {
      await progress.step(`feature gates known to ${this.opts.version.gitVersion}: ${describeSettings(this.settings)}`, async () => {
        const settled = await settleGates(binaries.kube, this.settings, this.opts.version.gitVersion);
        this.applied = settled.settings;
        dropped = settled.dropped;
      });
      if (dropped.length) progress.info(`  Kubernetes ${this.opts.version.gitVersion} has no feature gate ${dropped.join(', ')}: left out (--only-known-gates)`);
    }
    const gates = this.applied.featureGates;
    const images = await progress.step('images (pause, fixture)', async () => ({
      pause: await buildPauseImage(binaries.pause),
      fixture: await buildFixtureImage(),
    }));

    const state: ClusterState = { gitVersion: this.opts.version.gitVersion, startedAt: new Date().toISOString(), binaries, processes: [], owner: await ownerRecord(Boolean(temporary)), settings: this.settings, applied: this.applied, nodes: this.nodeCount, ready: false };
    await writeState(l.stateFile, state);
    const nodes = nodeLayouts(l, this.nodeCount);
    const extra = nodes.slice(1);
    try {
      await progress.step('configuration and certificates', async () => {
        await writeClusterConfigs(l, this.opts.version, this.applied);
        for (const n of extra) await writeNodeConfigs(l, n, this.opts.version, this.applied);
      });
      await progress.step(`node network (namespace ${l.network.netns}, ${l.network.interface} ↔ ${l.network.nodeIP}${extra.map((n) => `; ${n.network.netns} ↔ ${n.network.nodeIP}`).join('')})`, async () => {
        // Recorded before the change, so a crash inside setupNetwork still lets down undo it.
        state.network = { netns: l.network.netns };
        await writeState(l.stateFile, state);
        state.network = { ...state.network, ...(await setupNetwork(l)) };
        await writeState(l.stateFile, state);
        await setupExtraNetworks(l, this.nodeCount, state);
      });
      const netns = netnsPath(l);
      const node: NodeStartContext = { cluster: l, state, binaries, images: [images.pause, images.fixture], signal };
      const start = (c: cmd.ComponentCommand, binary: string) => startOnNode(node, l, c, binary);
      const wait = { signal, timeoutMs: 60_000 };
      const pki = (f: string) => path.join(l.pkiDir, f);

      await progress.step(`container runtime (containerd${extra.length ? `, on each of ${nodes.length} nodes` : ''})`, async () => {
        for (const n of nodes) await startRuntime(node, n);
      });

      await progress.step('control plane (etcd, kube-apiserver, controller-manager, scheduler)', async () => {
        const etcd = await start(cmd.etcdCommand(l), binaries.kube);
        const etcdTls = { ca: pki('ca.crt'), cert: pki('apiserver-etcd-client.crt'), key: pki('apiserver-etcd-client.key') };
        await waitUntil('etcd', async () => (await httpStatus(`https://127.0.0.1:${l.ports.etcdClient}/health`, etcdTls, { netns })) === 200, { ...wait, process: etcd });
        const apiserver = await start(cmd.apiserverCommand(l, gates), binaries.kube);
        const adminTls = { ca: pki('ca.crt'), cert: pki('admin.crt'), key: pki('admin.key') };
        await waitUntil('kube-apiserver', async () => (await httpStatus(`${apiServerURL(l)}/readyz`, adminTls)) === 200, { ...wait, timeoutMs: 120_000, process: apiserver });
        await applyClusterObjects(l);
        const cm = await start(cmd.controllerManagerCommand(l, gates), binaries.kube);
        const sched = await start(cmd.schedulerCommand(l, gates), binaries.kube);
        await waitUntil('kube-controller-manager', async () => (await httpStatus(`https://127.0.0.1:${l.ports.controllerManager}/healthz`, { insecure: true }, { netns })) === 200, { ...wait, process: cm });
        await waitUntil('kube-scheduler', async () => (await httpStatus(`https://127.0.0.1:${l.ports.scheduler}/healthz`, { insecure: true }, { netns })) === 200, { ...wait, process: sched });
      });

      await progress.step(extra.length ? `nodes (kubelet, kube-proxy) Ready: ${nodes.map((n) => n.nodeName).join(', ')}` : 'node (kubelet, kube-proxy) Ready', async () => {
        await Promise.all(nodes.map((n) => startNodeAgents(node, n)));
      });

      await progress.step('DNS (CoreDNS) Ready', async () => {
        const dns = await start(cmd.corednsCommand(l, binaries.coredns), binaries.coredns);
        await waitUntil('coredns', async () => (await httpStatus(`http://127.0.0.1:${l.ports.dnsReady}/ready`, {}, { netns })) === 200, { ...wait, process: dns });
      });

      await progress.step(`storage (default StorageClass "${STORAGE_CLASS_NAME}", provisioner ${PROVISIONER_NAME}${extra.length ? ' on each node' : ''}, volumes in ${l.volumesDir}${extra.map((n) => `, ${n.volumesDir}`).join('')})`, async () => {
        for (const n of nodes) await startProvisioner(node, n);
      });

      await progress.step('service accounts ready in namespace default', () => waitForDefaultServiceAccount(loadKubeConfig(l.kubeconfig), 60_000, signal));
      if (Object.keys(gates).length || Object.keys(this.applied.kubelet).length) {
        await progress.step('settings read back from the cluster (gates on /metrics, kubelet /configz)', () => checkSettingsInForce(loadKubeConfig(l.kubeconfig), l.nodeName, this.applied));
      }

      if (this.opts.mergeKubeconfig !== false) {
        const file = defaultKubeconfigPath();
        const previousContext = await mergeIntoFile(file, await fs.readFile(l.kubeconfig, 'utf8'));
        state.mergedKubeconfig = { file, previousContext };
        progress.info(`kubeconfig context "${l.context}" merged into ${file} (and made current)`);
      }
      state.ready = true;
      await writeState(l.stateFile, state);
      return new LocalCluster(l, state, true, lock);
    } catch (err) {
      const kept = await this.preserveLogs();
      progress.info(`cluster did not come up; stopping what was started (component logs copied to ${kept})`);
      await this.destroy({ progress }).catch(() => undefined);
      if (err instanceof InitcError) throw err.withMessage(err.message.split(l.logDir).join(kept));
      throw err;
    }
  }

  /** Copies logs out of the data folder that destroy removes, so the error message's log path still reads. */
  private async preserveLogs(): Promise<string> {
    const keep = path.join(path.dirname(this.layout.dataDir), `${this.layout.name}-failed-logs`);
    await fs.rm(keep, { recursive: true, force: true });
    await fs.cp(this.layout.logDir, keep, { recursive: true }).catch(() => undefined);
    return keep;
  }

  private async isHealthy(state: ClusterState): Promise<boolean> {
    for (const p of state.processes) if (!(await isRunning(p))) return false;
    const pki = (f: string) => path.join(this.layout.pkiDir, f);
    return (await httpStatus(`${apiServerURL(this.layout)}/readyz`, { ca: pki('ca.crt'), cert: pki('admin.crt'), key: pki('admin.key') })) === 200;
  }

  /** Stops everything `up` started and removes what it made; the build cache stays. Safe to call repeatedly. */
  async destroy(o: CreateOptions): Promise<void> {
    requireRoot('stopping the embedded cluster');
    const lock = await this.lock();
    try {
      await this.destroyLocked(o);
    } finally {
      await lock.release();
    }
  }

  private async destroyLocked({ progress }: CreateOptions): Promise<void> {
    const problems = await removeCluster(this.layout, { hasSlot: this.hasSlot, progress });
    if (!problems.length && !(await this.leftovers()).length) releaseSlot(this.layout.name);
    if (problems.length) throw new InitcError('componentFailed', `down left: ${problems.join('; ')}`);
  }

  /** Everything of this cluster still on the host: processes, mounts, network, folders. */
  leftovers(): Promise<string[]> {
    return clusterLeftovers(this.layout, this.hasSlot);
  }

  status(): Promise<ClusterStatus> {
    return clusterStatus(this.layout);
  }
}

/** This process as a cluster's owner. */
async function ownerRecord(temporary: boolean): Promise<NonNullable<ClusterState['owner']>> {
  return { pid: process.pid, startTime: (await procStartTime(process.pid)) ?? '', command: `initc ${process.argv.slice(2).join(' ')}`.slice(0, 200), temporary };
}

/** Who left the cluster behind: its owner meant to stop it and is gone (undefined: not an orphan). */
export async function orphanedBy(state: ClusterState): Promise<string | undefined> {
  const o = state.owner;
  if (!o?.temporary || (await isSameProcess(o))) return undefined;
  return `\`${o.command}\`, pid ${o.pid}`;
}

export { LocalCluster } from './running.js';
export { isNodeReady, waitForNodeReady } from './node-start.js';
export { fetchServerVersion } from './status.js';
export type { ClusterStatus, NodeStatus } from './status.js';

