/**
 * The embedded cluster's node, for the chaos injectors: its containerd through crictl, its
 * processes, and its kubelet and containerd started and stopped as the cluster's own records say.
 * A restarted component's new pid goes into the state file at once, so `down` (or a later run)
 * stops the process that is really running.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import { ConsoleProgress } from '../../progress.js';
import type { BlockedStart, ComponentPids, CrashesNode, HoldsAtStart, NodeAccess, NodeComponent } from '../provider.js';
import { NodeCapabilityMissing } from '../provider.js';
import { blockNextStart, holdNextStart } from './runc-hold.js';
import { killShimOf } from './proc-tree.js';
import { buildKube, crictlFor } from './build.js';
import { goVersion } from './go-build.js';
import type { ClusterLayout } from './layout.js';
import { apiServerURL } from './layout.js';
import { netnsPath } from './network.js';
import { processName } from './node-layout.js';
import { httpStatus, waitUntil } from './health.js';
import { isRunning, isSameProcess, startAgain, stopProcess } from './processes.js';
import { readState, writeState } from './state.js';
import type { ClusterState } from './state.js';
import { parseKubeVersion } from './versions.js';

export class LocalNode implements NodeAccess, ComponentPids, HoldsAtStart, CrashesNode {
  readonly nodeName: string;
  private crictlPath: Promise<string> | undefined;

  constructor(private readonly layout: ClusterLayout) {
    this.nodeName = layout.nodeName;
  }

  private async state(): Promise<ClusterState> {
    const state = await readState(this.layout.stateFile);
    if (!state?.ready) throw new InitcError('notRunning', `the embedded cluster "${this.layout.name}" is not running`);
    return state;
  }

  /** crictl of the cluster's release, built on first use when the cluster was started without it. */
  private binary(): Promise<string> {
    this.crictlPath ??= this.state().then(async (s) => {
      if (s.binaries?.crictl) return s.binaries.crictl;
      const [version, progress, goVer] = [parseKubeVersion(s.gitVersion.replace(/^v/, '')), new ConsoleProgress(), await goVersion()];
      return crictlFor(version, () => buildKube(version, progress, goVer), progress, goVer);
    });
    return this.crictlPath;
  }

  async crictl(args: string[]): Promise<string> {
    const r = await execa(await this.binary(), ['--runtime-endpoint', `unix://${this.layout.containerdSocket}`, '--timeout', '20s', ...args], { reject: false });
    if (r.exitCode !== 0) throw new Error(`crictl ${args.join(' ')}: ${String(r.stderr).trim() || `exit ${r.exitCode}`}`);
    return String(r.stdout);
  }

  async signalProcess(pid: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    process.kill(pid, signal);
  }

  holdNextStart(namespace: string, container: string): Promise<() => Promise<boolean>> {
    return holdNextStart(this.layout.holdsDir, namespace, container);
  }

  blockNextStart(namespace: string, container: string): Promise<BlockedStart> {
    return blockNextStart(this.layout.holdsDir, namespace, container);
  }

  /** SIGKILL to containerd; resolves when it is gone. */
  async killRuntime(): Promise<void> {
    const { rec } = await this.record('containerd');
    if (!(await isRunning(rec))) throw new Error('containerd is not running');
    process.kill(rec.pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (await isSameProcess(rec)) {
      if (Date.now() > deadline) throw new Error(`containerd (pid ${rec.pid}) still there 10 s after SIGKILL`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The host's uptime: the embedded cluster's containers share its kernel. */
  async nodeUptime(): Promise<number> {
    return Number((await fs.readFile('/proc/uptime', 'utf8')).split(' ')[0]);
  }

  killShimOf(pausePid: number): Promise<{ shim: number; killed: number[] }> {
    return killShimOf(pausePid, this.layout.containerdSocket);
  }

  private async record(c: NodeComponent) {
    if (c === 'kube-apiserver' && this.layout.nodeIndex > 0) {
      throw new NodeCapabilityMissing(`the API server runs on node ${this.layout.context}-node (node 0), not on ${this.nodeName}`);
    }
    const state = await this.state();
    const name = processName(this.layout, c);
    const i = state.processes.map((p) => p.name).lastIndexOf(name);
    if (i < 0) throw new Error(`the embedded cluster's state has no ${name} process`);
    return { state, i, rec: state.processes[i]! };
  }

  async componentRunning(c: NodeComponent): Promise<boolean> {
    return isRunning((await this.record(c)).rec);
  }

  async componentPid(c: NodeComponent): Promise<number | undefined> {
    const { rec } = await this.record(c);
    return (await isRunning(rec)) ? rec.pid : undefined;
  }

  async stopComponent(c: NodeComponent): Promise<void> {
    await stopProcess((await this.record(c)).rec);
  }

  /** Starts the component again and waits until it serves (the kubelet exits at once when containerd does not answer yet). */
  async startComponent(c: NodeComponent): Promise<void> {
    const { state, i, rec } = await this.record(c);
    if (await isRunning(rec)) return;
    const started = await startAgain(rec);
    state.processes[i] = started;
    await writeState(this.layout.stateFile, state);
    const pki = (f: string) => path.join(this.layout.pkiDir, f);
    const serving = {
      containerd: async () => (await this.crictl(['version']), true),
      kubelet: async () => (await httpStatus(`http://127.0.0.1:${this.layout.ports.kubeletHealthz}/healthz`, {}, { netns: netnsPath(this.layout) })) === 200,
      'kube-apiserver': async () => (await httpStatus(`${apiServerURL(this.layout)}/readyz`, { ca: pki('ca.crt'), cert: pki('admin.crt'), key: pki('admin.key') })) === 200,
    }[c];
    await waitUntil(`${c} started again`, serving, { timeoutMs: 60_000, intervalMs: 200, process: started });
  }
}
