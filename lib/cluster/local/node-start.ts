/**
 * What every node of the embedded cluster runs, started the same way for node 0 and for each
 * further node (node-layout.ts): containerd (with the cluster's images imported), the kubelet and
 * kube-proxy until the node is Ready, and the storage provisioner of the node. Each process goes
 * into the state file as it starts (NodeStarter.start), so `down` stops it whatever happens next.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { Watch } from '@kubernetes/client-node';
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import { InitcError } from '../../errors.js';
import { writeFileMode } from '../../util/fsx.js';
import { loadKubeConfig } from '../provider.js';
import type { ClusterSettings } from '../features.js';
import type { ClusterBinaries } from './build.js';
import * as cfg from './configs.js';
import * as cmd from './commands.js';
import { httpStatus, waitUntil } from './health.js';
import { createCgroups } from './host.js';
import { BUSYBOX, importImage } from './images.js';
import type { ClusterLayout } from './layout.js';
import { netnsPath } from './network.js';
import { processName } from './node-layout.js';
import { writeNodePki } from './pki.js';
import { JQ, RUNC } from './preflight.js';
import type { ProcessRecord } from './processes.js';
import { describeFailure, isRunning, startProcess } from './processes.js';
import { holdWrapperScript } from './runc-hold.js';
import { provisionerArgs } from '../storage/objects.js';
import type { ClusterState } from './state.js';
import { writeState } from './state.js';
import type { KubeVersion } from './versions.js';

export interface NodeStartContext {
  /** The cluster's layout (node 0's): its state file, logs and admin kubeconfig. */
  cluster: ClusterLayout;
  state: ClusterState;
  binaries: ClusterBinaries;
  /** Image archives every node's containerd gets (pause, fixture). */
  images: string[];
  signal?: AbortSignal;
}

/** Starts a component of node `n` in its namespace, recorded in the state file at once (its name carries the node: processName). */
export async function startOnNode(ctx: NodeStartContext, n: ClusterLayout, c: cmd.ComponentCommand, binary: string, env?: NodeJS.ProcessEnv): Promise<ProcessRecord> {
  const rec = await startProcess({ name: processName(n, c.name), binary, argv0: c.argv0, args: c.args, logDir: ctx.cluster.logDir, env, netns: netnsPath(n) });
  ctx.state.processes.push(rec);
  await writeState(ctx.cluster.stateFile, ctx.state);
  return rec;
}

const waitFor = (ctx: NodeStartContext, process: ProcessRecord, timeoutMs = 60_000) => ({ signal: ctx.signal, timeoutMs, process });

/** containerd of node `n`, answering, with the cluster's images imported. */
export async function startRuntime(ctx: NodeStartContext, n: ClusterLayout): Promise<void> {
  const { binaries } = ctx;
  const pathEnv = `${path.dirname(binaries.containerd)}:${process.env.PATH}`;
  const rec = await startOnNode(ctx, n, { name: 'containerd', argv0: binaries.containerd, args: ['--config', path.join(n.configDir, 'containerd.toml')] }, binaries.containerd, { ...process.env, PATH: pathEnv });
  await waitUntil(`containerd of ${n.nodeName}`, async () => (await execa(binaries.ctr, ['--address', n.containerdSocket, 'version'], { reject: false })).exitCode === 0, waitFor(ctx, rec));
  for (const tar of ctx.images) await importImage(binaries.ctr, n.containerdSocket, tar);
}

/** The kubelet and kube-proxy of node `n`, until the node is Ready and kube-proxy serves. */
export async function startNodeAgents(ctx: NodeStartContext, n: ClusterLayout): Promise<void> {
  const netns = netnsPath(n);
  await createCgroups(n.cgroupRoot);
  const kubelet = await startOnNode(ctx, n, cmd.kubeletCommand(n), ctx.binaries.kube);
  const proxy = await startOnNode(ctx, n, cmd.kubeProxyCommand(n), ctx.binaries.kube);
  await waitUntil(`kubelet of ${n.nodeName}`, async () => (await httpStatus(`http://127.0.0.1:${n.ports.kubeletHealthz}/healthz`, {}, { netns })) === 200, waitFor(ctx, kubelet));
  await waitForNodeReady(loadKubeConfig(ctx.cluster.kubeconfig), n.nodeName, 90_000, kubelet, ctx.signal);
  await waitUntil(`kube-proxy of ${n.nodeName}`, async () => (await httpStatus(`http://127.0.0.1:${n.ports.proxyHealthz}/healthz`, {}, { netns })) === 200, waitFor(ctx, proxy));
}

/** The storage provisioner of node `n`: it serves the claims the scheduler put on that node, in its volumes folder. */
export async function startProvisioner(ctx: NodeStartContext, n: ClusterLayout): Promise<void> {
  const provisioner = ctx.binaries.provisioner;
  if (!provisioner) throw new InitcError('componentFailed', 'the storage provisioner was not built');
  const args = provisionerArgs({ kubeconfig: path.join(n.configDir, 'storage-provisioner.kubeconfig'), nodeName: n.nodeName, volumesDir: n.volumesDir, healthz: `127.0.0.1:${n.ports.provisionerHealthz}` });
  const rec = await startOnNode(ctx, n, { name: 'storage-provisioner', argv0: provisioner, args }, provisioner);
  await waitUntil(`storage-provisioner of ${n.nodeName}`, async () => (await httpStatus(`http://127.0.0.1:${n.ports.provisionerHealthz}/healthz`, {}, { netns: netnsPath(n) })) === 200, waitFor(ctx, rec));
}

/** The folders and files of a node other than node 0: its PKI (its own kubelet certificates), kubeconfigs, and the kubelet's, kube-proxy's, containerd's and CNI's configuration. */
export async function writeNodeConfigs(zero: ClusterLayout, n: ClusterLayout, version: KubeVersion, applied: ClusterSettings): Promise<void> {
  for (const d of [n.dataDir, n.runDir, n.configDir, n.cniConfDir, n.cniIpamDir, n.kubeletRootDir, n.containerdRoot, n.containerdState]) await fs.mkdir(d, { recursive: true });
  await writeNodePki(zero.pkiDir, n.pkiDir, { nodeName: n.nodeName, nodeIP: n.network.nodeIP });
  const conf = (f: string) => path.join(n.configDir, f);
  for (const [file, cert] of [['kubelet.kubeconfig', 'kubelet-client'], ['kube-proxy.kubeconfig', 'kube-proxy'], ['storage-provisioner.kubeconfig', 'storage-provisioner']] as const) {
    await writeFileMode(conf(file), cfg.componentKubeconfig(n, cert), 0o600);
  }
  await writeFileMode(conf('resolv.conf'), '# initc: no upstream resolver\n');
  await writeFileMode(conf('kubelet.yaml'), cfg.kubeletConfigYaml(n, version, conf('resolv.conf'), applied));
  await writeFileMode(conf('kube-proxy.yaml'), cfg.kubeProxyConfigYaml(n, applied));
  await writeFileMode(conf('runc-wrapper'), holdWrapperScript({ runc: RUNC, holdsDir: n.holdsDir, busybox: BUSYBOX, jq: JQ, blocks: true }), 0o755);
  await writeFileMode(conf('containerd.toml'), cfg.containerdConfigToml(n, conf('runc-wrapper')));
  await writeFileMode(path.join(n.cniConfDir, '10-initc.conflist'), cfg.cniConfig(n));
}

export const isNodeReady = (node: V1Node) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Watches the node until its Ready condition is True. */
export async function waitForNodeReady(kc: KubeConfig, nodeName: string, timeoutMs: number, kubelet: ProcessRecord, signal?: AbortSignal): Promise<void> {
  const watch = new Watch(kc);
  let controller: AbortController | undefined;
  let ready = false;
  let fail: (err: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new InitcError('componentFailed', `node ${nodeName} not Ready after ${timeoutMs / 1000}s (kubelet log: ${kubelet.log})`)), timeoutMs);
    const finish = (err?: unknown) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    fail = finish;
    signal?.addEventListener('abort', () => finish(new InitcError('interrupted', 'interrupted while waiting for the node')));
    const startWatch = () => {
      void watch
        .watch(`/api/v1/nodes`, { fieldSelector: `metadata.name=${nodeName}` }, (_type, node: V1Node) => {
          if (isNodeReady(node)) {
            ready = true;
            finish();
          }
        }, () => {
          if (!ready) setTimeout(startWatch, 200); // the server closed the watch: open another
        })
        .then((c) => (controller = c), () => setTimeout(startWatch, 200));
    };
    startWatch();
  });
  const kubeletAlive = setInterval(() => {
    void isRunning(kubelet).then((alive) => {
      if (!alive) void describeFailure(kubelet).then((why) => fail(new InitcError('componentFailed', `node ${nodeName} not Ready: ${why}`)));
    });
  }, 500);
  try {
    await done;
  } finally {
    clearInterval(kubeletAlive);
    ready = true;
    controller?.abort();
  }
}
