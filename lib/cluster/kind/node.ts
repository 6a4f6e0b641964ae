/**
 * A kind cluster's node, for the chaos injectors, reached with `docker exec` into its container:
 * crictl, kill, systemctl for the kubelet and containerd. The API server is a static pod: stopped
 * by moving its manifest out of /etc/kubernetes/manifests (so the kubelet does not start it again)
 * and `crictl stop` of its container (sparing the pod's 30 s grace period), started by moving the
 * manifest back. Needs only the cluster's name, so suites in Mocha's workers can make one.
 */
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import { sleep } from '../../util/time.js';
import type { ComponentPids, HoldsAtStart, NodeAccess, NodeComponent } from '../provider.js';
import { holdKey } from '../local/runc-hold.js';
import { KIND_HOLDS_DIR } from './config.js';
import { NodeCapabilityMissing, parsePid } from '../provider.js';
import { dockerEnv } from './docker.js';

const API_SERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';
const API_SERVER_PARKED = '/etc/kubernetes/kube-apiserver.yaml.stopped-by-initc';

/** The control-plane node container of a kind cluster (its only one, unless it has workers). */
export const kindNodeName = (clusterName: string) => `${clusterName}-control-plane`;

export class KindNode implements NodeAccess, ComponentPids, HoldsAtStart {
  readonly nodeName: string;
  /** A worker runs no API server. */
  private readonly controlPlane: boolean;

  /** The node container `nodeName` of the cluster (default its control plane). */
  constructor(clusterName: string, nodeName = kindNodeName(clusterName)) {
    this.nodeName = nodeName;
    this.controlPlane = nodeName === kindNodeName(clusterName);
  }

  private noApiServerHere(): NodeCapabilityMissing {
    return new NodeCapabilityMissing(`${this.nodeName} is a worker: the kube-apiserver runs on the control-plane node`);
  }

  /** Runs a command in the node container; resolves with stdout, rejects with stderr. */
  async exec(args: string[]): Promise<string> {
    const r = await execa('docker', ['exec', this.nodeName, ...args], { env: dockerEnv(), reject: false });
    if (r.exitCode !== 0) throw new Error(`${args.join(' ')} on ${this.nodeName}: ${String(r.stderr).trim() || `exit ${r.exitCode}`}`);
    return String(r.stdout);
  }

  crictl(args: string[]): Promise<string> {
    return this.exec(['crictl', '--timeout', '20s', ...args]);
  }

  /** A hold rule for the node's runc wrapper (the node image carries it: runc-hold.ts). */
  async holdNextStart(namespace: string, container: string): Promise<() => Promise<boolean>> {
    const rule = `${KIND_HOLDS_DIR}/${holdKey(namespace, container)}`;
    await this.exec(['sh', '-c', `mkdir -p ${KIND_HOLDS_DIR} && date > ${rule}`]);
    return async () => {
      const held = (await this.exec(['sh', '-c', `if [ -f ${rule}.held ]; then echo held; fi; rm -f ${rule} ${rule}.held`])).trim() === 'held';
      return held;
    };
  }

  async signalProcess(pid: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    await this.exec(['kill', '-s', signal.replace(/^SIG/, ''), String(pid)]);
  }

  async componentRunning(c: NodeComponent): Promise<boolean> {
    if (c === 'kube-apiserver') {
      if (!this.controlPlane) throw this.noApiServerHere();
      const ids = await this.crictl(['ps', '--name', '^kube-apiserver$', '--state', 'Running', '-q']).catch(() => '');
      return ids.trim() !== '';
    }
    const r = await execa('docker', ['exec', this.nodeName, 'systemctl', 'is-active', c], { env: dockerEnv(), reject: false });
    return String(r.stdout).trim() === 'active';
  }


  /** The pid of the kube-apiserver's running container, through the CRI. */
  private async apiServerPid(): Promise<number | undefined> {
    const id = (await this.crictl(['ps', '--name', '^kube-apiserver$', '--state', 'Running', '-q']).catch(() => '')).trim().split('\n')[0];
    return id ? parsePid(await this.crictl(['inspect', '--output', 'go-template', '--template', '{{.info.pid}}', id])) : undefined;
  }

  /** The kubelet and containerd: systemd's MainPID (0 when stopped); the API server: its container's. */
  async componentPid(c: NodeComponent): Promise<number | undefined> {
    if (c === 'kube-apiserver') {
      if (!this.controlPlane) throw this.noApiServerHere();
      return this.apiServerPid();
    }
    return parsePid(await this.exec(['systemctl', 'show', '-p', 'MainPID', '--value', c]));
  }

  async stopComponent(c: NodeComponent): Promise<void> {
    if (c === 'kube-apiserver') {
      if (!this.controlPlane) throw this.noApiServerHere();
      await this.exec(['sh', '-c', `[ ! -f ${API_SERVER_MANIFEST} ] || mv ${API_SERVER_MANIFEST} ${API_SERVER_PARKED}`]);
      // The kubelet now stops the static pod, with its 30 s grace period; stopping the container at once spares the wait.
      const ids = (await this.crictl(['ps', '--name', '^kube-apiserver$', '-q']).catch(() => '')).split('\n').filter(Boolean);
      if (ids.length) await this.crictl(['stop', '--timeout', '1', ...ids]).catch(() => undefined);
      await this.until('kube-apiserver stopped', async () => !(await this.componentRunning(c)), 60_000);
      return;
    }
    await this.exec(['systemctl', 'stop', c]);
  }

  /** Starts the component again and waits until it serves. */
  async startComponent(c: NodeComponent): Promise<void> {
    if (c === 'kube-apiserver') {
      if (!this.controlPlane) throw this.noApiServerHere();
      await this.exec(['sh', '-c', `[ ! -f ${API_SERVER_PARKED} ] || mv ${API_SERVER_PARKED} ${API_SERVER_MANIFEST}`]);
    } else {
      await this.exec(['systemctl', 'start', c]);
    }
    const serving = {
      containerd: async () => (await this.crictl(['version']), true),
      kubelet: async () => /ok/.test(await this.exec(['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/10248 && printf "GET /healthz HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3'])),
      'kube-apiserver': async () => /ok/.test(await this.exec(['kubectl', '--kubeconfig', '/etc/kubernetes/admin.conf', 'get', '--raw', '/readyz'])),
    }[c];
    await this.until(`${c} serving again on ${this.nodeName}`, serving, 90_000);
  }

  private async until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw new InitcError('componentFailed', `${what}: not after ${timeoutMs / 1000}s`);
      await sleep(250);
    }
  }
}
