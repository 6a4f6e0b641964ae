/**
 * The embedded cluster: real etcd, kube-apiserver, controller-manager, scheduler, kubelet,
 * kube-proxy, CoreDNS and containerd as host processes, built from the Go module proxy, all in a
 * network namespace of the cluster's own (layout.ts), so clusters of different names run side by
 * side. `up` records each step in the state file before taking it, so `down` can undo any prefix
 * of it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CoreV1Api, KubernetesObjectApi, PatchStrategy, VersionApi } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { InitcError } from '../../errors.js';
import { exists, writeFileMode } from '../../util/fsx.js';
import { defaultKubeconfigPath, mergeIntoFile, removeFromFile } from '../kubeconfig-file.js';
import type { ClusterProvider, CreateOptions, ImageLoader, NodeAccess, NodeComponent, Nodes, RunningCluster } from '../provider.js';
import { LocalNode } from './node.js';
import { loadKubeConfig } from '../provider.js';
import { ensureBinaries, goVersion } from './build.js';
import * as cfg from './configs.js';
import * as cmd from './commands.js';
import type { ClusterSettings } from '../features.js';
import { DEFAULT_SETTINGS, describeSettings, sameSettings } from '../features.js';
import { checkSettingsInForce, settleGates } from '../settings-check.js';
import { httpStatus, waitUntil } from './health.js';
import { killAndRemoveCgroups, mountsUnder, unmountAll } from './host.js';
import { BUSYBOX, buildFixtureImage, buildPauseImage, importImage } from './images.js';
import type { ClusterLayout } from './layout.js';
import { CLUSTER_NAME, apiServerURL, clusterLayout, downCommand } from './layout.js';
import { checkNetworkFree, netnsPath, networkLeftovers, setupNetwork, teardownNetwork } from './network.js';
import { claimSlot, layoutOf, releaseSlot, slotOf } from './slots.js';
import { checkExtraNodesFree, extraNodeLeftovers, killExtraNodePods, setupExtraNetworks, teardownExtraNodes } from './extra-node.js';
import { componentOf, nodeLayouts, possibleExtraNodes } from './node-layout.js';
import type { NodeStartContext } from './node-start.js';
import { isNodeReady, startNodeAgents, startOnNode, startProvisioner, startRuntime, writeNodeConfigs } from './node-start.js';
import type { HeldLock } from './lock.js';
import { takeLock } from './lock.js';
import { writePki } from './pki.js';
import { checkHostTools, checkKernel, requireRoot, JQ, RUNC } from './preflight.js';
import { holdWrapperScript } from './runc-hold.js';
import { buildProvisioner } from '../storage/build.js';
import { PROVISIONER_NAME, STORAGE_CLASS_NAME, embeddedStorageObjects } from '../storage/objects.js';
import type { ProcessRecord } from './processes.js';
import { isRunning, isSameProcess, pidsWithCmdline, procStartTime, stopProcess } from './processes.js';
import type { ClusterState } from './state.js';
import { readState, writeState } from './state.js';
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

const STOP_ORDER = ['storage-provisioner', 'coredns', 'kube-proxy', 'kubelet', 'kube-scheduler', 'kube-controller-manager', 'containerd', 'kube-apiserver', 'etcd'];

export class LocalCluster implements RunningCluster, ImageLoader, NodeAccess, Nodes {
  readonly provider = 'local' as const;
  readonly context: string;
  private readonly node: LocalNode;

  constructor(
    readonly layout: ClusterLayout,
    readonly state: ClusterState,
    readonly startedHere = false,
    private readonly lock?: HeldLock,
  ) {
    this.context = layout.context;
    this.node = new LocalNode(layout);
  }

  /** Every node's layout, node 0 (this cluster's own) first. */
  get nodeLayouts(): ClusterLayout[] {
    return nodeLayouts(this.layout, this.state.nodes ?? 1);
  }

  nodeNames(): string[] {
    return this.nodeLayouts.map((n) => n.nodeName);
  }

  nodeAccess(name: string): LocalNode {
    if (name === this.layout.nodeName) return this.node;
    const n = this.nodeLayouts.find((x) => x.nodeName === name);
    if (!n) throw new InitcError('usage', `the embedded cluster "${this.layout.name}" has no node ${name} (its nodes: ${this.nodeNames().join(', ')})`);
    return new LocalNode(n);
  }

  async release(): Promise<void> {
    await this.lock?.release();
  }

  get nodeName(): string {
    return this.layout.nodeName;
  }
  crictl(args: string[]): Promise<string> {
    return this.node.crictl(args);
  }
  signalProcess(pid: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    return this.node.signalProcess(pid, signal);
  }
  stopComponent(c: NodeComponent): Promise<void> {
    return this.node.stopComponent(c);
  }
  startComponent(c: NodeComponent): Promise<void> {
    return this.node.startComponent(c);
  }
  componentRunning(c: NodeComponent): Promise<boolean> {
    return this.node.componentRunning(c);
  }
  holdNextStart(namespace: string, container: string): Promise<() => Promise<boolean>> {
    return this.node.holdNextStart(namespace, container);
  }
  componentPid(c: NodeComponent): Promise<number | undefined> {
    return this.node.componentPid(c);
  }

  get kubeconfigPath(): string {
    return this.layout.kubeconfig;
  }

  kubeConfig(): KubeConfig {
    return loadKubeConfig(this.layout.kubeconfig, this.context);
  }

  async exportLogs(dir: string): Promise<string[]> {
    await fs.mkdir(dir, { recursive: true });
    const written: string[] = [];
    for (const f of await fs.readdir(this.layout.logDir).catch(() => [] as string[])) {
      await fs.copyFile(path.join(this.layout.logDir, f), path.join(dir, f));
      written.push(path.join(dir, f));
    }
    return written;
  }

  async loadImageArchive(tarFile: string): Promise<void> {
    if (!this.state.binaries) throw new InitcError('notRunning', `the embedded cluster "${this.layout.name}" has no containerd running`);
    for (const n of this.nodeLayouts) await importImage(this.state.binaries.ctr, n.containerdSocket, tarFile);
  }
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
    const binaries = await progress.step(`binaries for Kubernetes ${this.opts.version.gitVersion}`, async () => {
      const [built, provisioner] = await Promise.all([ensureBinaries(this.opts.version, progress), goVersion().then((v) => buildProvisioner(progress, v))]);
      return { ...built, provisioner };
    });
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
        await this.writeConfigs();
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
        await this.applyClusterObjects();
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

  private async writeConfigs(): Promise<void> {
    const l = this.layout;
    for (const d of [l.dataDir, l.runDir]) await fs.mkdir(d, { recursive: true, mode: 0o700 });
    for (const d of [l.logDir, l.configDir, l.cniConfDir, l.cniIpamDir, l.kubeletRootDir, l.containerdRoot, l.containerdState]) {
      await fs.mkdir(d, { recursive: true });
    }
    await fs.mkdir(l.etcdDataDir, { recursive: true, mode: 0o700 });
    await writePki(l.pkiDir, { nodeName: l.nodeName, nodeIP: l.network.nodeIP, apiServiceIP: l.network.apiServiceIP, clusterDomain: l.network.clusterDomain });
    const conf = (f: string) => path.join(l.configDir, f);
    for (const [file, cert] of [
      ['controller-manager.kubeconfig', 'controller-manager'],
      ['scheduler.kubeconfig', 'scheduler'],
      ['kubelet.kubeconfig', 'kubelet-client'],
      ['kube-proxy.kubeconfig', 'kube-proxy'],
      ['coredns.kubeconfig', 'coredns'],
      ['storage-provisioner.kubeconfig', 'storage-provisioner'],
    ] as const) {
      await writeFileMode(conf(file), cfg.componentKubeconfig(l, cert), 0o600);
    }
    const read = (f: string) => fs.readFile(path.join(l.pkiDir, f), 'utf8');
    await writeFileMode(l.kubeconfig, cfg.adminKubeconfig(l, await read('ca.crt'), await read('admin.crt'), await read('admin.key')), 0o600);
    const resolvConf = conf('resolv.conf');
    // No outside resolver exists here: pods get only the cluster's DNS.
    await writeFileMode(resolvConf, '# initc: no upstream resolver\n');
    await writeFileMode(conf('kubelet.yaml'), cfg.kubeletConfigYaml(l, this.opts.version, resolvConf, this.applied));
    await writeFileMode(conf('kube-proxy.yaml'), cfg.kubeProxyConfigYaml(l, this.applied));
    // containerd runs runc through initc's wrapper, which can hold a container at its start (runc-hold.ts).
    await writeFileMode(conf('runc-wrapper'), holdWrapperScript({ runc: RUNC, holdsDir: l.holdsDir, busybox: BUSYBOX, jq: JQ, blocks: true }), 0o755);
    await writeFileMode(conf('containerd.toml'), cfg.containerdConfigToml(l, conf('runc-wrapper')));
    await writeFileMode(path.join(l.cniConfDir, '10-initc.conflist'), cfg.cniConfig(l));
    await writeFileMode(conf('Corefile'), cfg.corefile(l));
  }

  /** Objects the control plane needs that no controller makes: CoreDNS's RBAC, the kube-dns Service, the default StorageClass and its provisioner's RBAC. */
  private async applyClusterObjects(): Promise<void> {
    const l = this.layout;
    const api = KubernetesObjectApi.makeApiClient(loadKubeConfig(l.kubeconfig));
    const labels = { 'app.kubernetes.io/managed-by': 'initc' };
    const objects: KubernetesObject[] = [
      cfg.corednsRbac.clusterRole,
      cfg.corednsRbac.binding,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...labels, 'k8s-app': 'kube-dns' } },
        spec: {
          clusterIP: l.network.dnsServiceIP,
          ports: [
            { name: 'dns', port: 53, protocol: 'UDP', targetPort: l.ports.dns },
            { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: l.ports.dns },
          ],
        },
      } as KubernetesObject,
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'kube-dns-node', namespace: 'kube-system', labels: { ...labels, 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'initc' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: [l.network.nodeIP], conditions: { ready: true } }],
        ports: [
          { name: 'dns', port: l.ports.dns, protocol: 'UDP' },
          { name: 'dns-tcp', port: l.ports.dns, protocol: 'TCP' },
        ],
      } as KubernetesObject,
      ...(embeddedStorageObjects() as KubernetesObject[]),
    ];
    for (const o of objects) {
      await waitUntil(`apply ${o.kind} ${o.metadata?.name}`, async () => {
        await api.patch(o, undefined, undefined, 'initc', true, PatchStrategy.ServerSideApply);
        return true;
      }, { timeoutMs: 30_000, intervalMs: 500 });
    }
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
    const l = this.layout;
    const state = await readState(l.stateFile);
    const problems: string[] = [];
    await progress.step('stop cluster processes', async () => {
      const byName = new Map<string, ProcessRecord[]>();
      for (const p of state?.processes ?? []) byName.set(componentOf(p.name), [...(byName.get(componentOf(p.name)) ?? []), p]);
      for (const name of STOP_ORDER) {
        if (name === 'containerd') {
          // Pods first: kill their containers through their cgroups, then the runtime and its shims.
          problems.push(...(await killAndRemoveCgroups(l.cgroupRoot)).map((d) => `cgroup ${d}`));
          problems.push(...(await killExtraNodePods(l)));
        }
        await Promise.all((byName.get(name) ?? []).map((p) => stopProcess(p)));
        if (name === 'containerd') {
          for (const pid of (await Promise.all([l, ...possibleExtraNodes(l)].map((n) => pidsWithCmdline(n.containerdSocket)))).flat()) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              /* gone */
            }
          }
        }
      }
    });
    await progress.step('remove network, mounts and files', async () => {
      // Without a slot it never made a network, and its would-be slot's addresses may be another cluster's.
      if (this.hasSlot) problems.push(...(await teardownExtraNodes(l)), ...(await teardownNetwork(l)));
      problems.push(...(await unmountAll([l.dataDir, l.runDir])).map((m) => `mount ${m}`));
      problems.push(...(await killAndRemoveCgroups(l.cgroupRoot)).map((d) => `cgroup ${d}`));
      if (state?.mergedKubeconfig) await removeFromFile(state.mergedKubeconfig.file, l.context, state.mergedKubeconfig.previousContext).catch(() => undefined);
      if (!(await mountsUnder([l.dataDir, l.runDir])).length) {
        await fs.rm(l.runDir, { recursive: true, force: true });
        await fs.rm(l.dataDir, { recursive: true, force: true });
      }
      if (!problems.length && !(await this.leftovers()).length) releaseSlot(l.name);
    });
    if (problems.length) throw new InitcError('componentFailed', `down left: ${problems.join('; ')}`);
  }

  /** Everything of this cluster still on the host: processes, mounts, network, folders. */
  async leftovers(): Promise<string[]> {
    const l = this.layout;
    const left: string[] = [];
    const state = await readState(l.stateFile);
    for (const p of state?.processes ?? []) if (await isRunning(p)) left.push(`process ${p.name} (pid ${p.pid})`);
    // With the trailing slash: cluster "initc" must not claim the processes of a cluster named "initc2".
    for (const pid of await pidsWithCmdline(`${l.dataDir}/`)) left.push(`process pid ${pid} (uses ${l.dataDir})`);
    for (const pid of await pidsWithCmdline(`${l.runDir}/`)) left.push(`process pid ${pid} (uses ${l.runDir})`);
    for (const m of await mountsUnder([l.dataDir, l.runDir])) left.push(`mount ${m}`);
    if (this.hasSlot) left.push(...(await networkLeftovers(l)), ...(await extraNodeLeftovers(l)));
    for (const d of [l.dataDir, l.runDir]) if (await exists(d)) left.push(`folder ${d}`);
    return [...new Set(left)];
  }

  async status(): Promise<ClusterStatus> {
    const l = this.layout;
    const state = await readState(l.stateFile);
    if (!state) return { running: false, layout: l, processes: [], nodes: [] };
    const processes = await Promise.all(state.processes.map(async (p) => ({ name: p.name, pid: p.pid, running: await isRunning(p), log: p.log })));
    const nodes: NodeStatus[] = nodeLayouts(l, state.nodes ?? 1).map((n) => ({ name: n.nodeName, nodeIP: n.network.nodeIP, netns: n.network.netns, podCIDR: n.network.nodePodCIDR }));
    let nodeReady: boolean | undefined;
    let serverVersion: string | undefined;
    if (processes.every((p) => p.running) && state.ready) {
      try {
        const kc = loadKubeConfig(l.kubeconfig);
        const core = kc.makeApiClient(CoreV1Api);
        for (const n of nodes) n.ready = isNodeReady(await core.readNode({ name: n.name }));
        nodeReady = nodes[0]!.ready;
        serverVersion = await fetchServerVersion(kc);
      } catch {
        nodeReady = false;
      }
    }
    return { running: processes.length > 0 && processes.every((p) => p.running), layout: l, state, processes, nodes, nodeReady, serverVersion };
  }
}

export interface NodeStatus {
  name: string;
  nodeIP: string;
  netns: string;
  /** The node's share of the pod range. */
  podCIDR: string;
  /** Its Ready condition (undefined: not asked, the cluster not running). */
  ready?: boolean;
}

export interface ClusterStatus {
  running: boolean;
  /** Every node, node 0 first. */
  nodes: NodeStatus[];
  layout: ClusterLayout;
  state?: ClusterState;
  processes: Array<{ name: string; pid: number; running: boolean; log: string }>;
  nodeReady?: boolean;
  serverVersion?: string;
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

export { isNodeReady, waitForNodeReady } from './node-start.js';

export async function fetchServerVersion(kc: KubeConfig): Promise<string> {
  return (await kc.makeApiClient(VersionApi).getCode()).gitVersion;
}

/** Pods need their namespace's service account and kube-root-ca.crt before they can start. */
async function waitForDefaultServiceAccount(kc: KubeConfig, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await waitUntil('service account "default" and ConfigMap kube-root-ca.crt in namespace default', async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
    await core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'default' });
    return true;
  }, { timeoutMs, signal, intervalMs: 250 });
}
