/**
 * Node access on a cluster given by kubeconfig, allowed explicitly (`initc run --node-access
 * privileged-pod`): a privileged agent pod on one node (hostPID, hostNetwork, hostIPC, the host's
 * root at /host, every taint tolerated), reached through the Kubernetes exec API; every command runs
 * in the host's namespaces (`nsenter -t 1 -m -u -i -n -p --`) with the host's own tools: its crictl
 * (against the CRI endpoint the kubelet's configz names), `kill` by host pid, systemd.
 *
 * Exec goes API server → kubelet → container runtime, so while any of them is down initc cannot act
 * on the node: restarts and the node reboot are each ONE detached command on the host (a transient
 * systemd unit, outside the agent's cgroup, so it survives the agent's own sandbox being removed)
 * that stops, waits and starts by itself, also when initc dies meanwhile; initc then waits, through
 * the API, until the node serves again and reads the command's log. The pod lives in a namespace of
 * the run, so it goes with the run's namespaces (also after Ctrl-C, or by `initc gc`).
 *
 * What the node lacks (crictl, systemd, a kubelet or containerd unit, a static-pod API server) is
 * found once per process and reported as NodeCapabilityMissing: the test that needs it is skipped
 * with that reason.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { execInPod } from '../../kube/exec.js';
import type { ExecResult } from '../../kube/exec.js';
import { ApiError, requestJson } from '../../kube/raw.js';
import { sleep } from '../../util/time.js';
import type { ComponentPids, DetachedNodeRestarts, NodeAccess, NodeComponent } from '../provider.js';
import { NodeCapabilityMissing, parsePid } from '../provider.js';
import { firstLine } from '../../errors.js';
import { AGENT_CONTAINER, AGENT_POD, NSENTER, agentPod, chooseAgentNode, formatAgentRef } from './agent-pod.js';
import type { AgentRef } from './agent-pod.js';
import { logProblems, rebootScript, restartApiServerScript, restartUnitScript, shq } from './host-scripts.js';
import { CRICTL_PLACES, parseProbe, probeScript } from './probe.js';
import type { NodeProbe } from './probe.js';

/** The kubelet's configz through the API server's node proxy. */
async function readConfigz(kc: KubeConfig, node: string): Promise<{ containerRuntimeEndpoint?: string; staticPodPath?: string }> {
  const z = await requestJson<{ kubeletconfig?: { containerRuntimeEndpoint?: string; staticPodPath?: string } }>(kc, 'GET', `/api/v1/nodes/${encodeURIComponent(node)}/proxy/configz`);
  return z.kubeletconfig ?? {};
}


/** How the agent reaches the pod and the kubelet (replaced in unit tests). */
export interface AgentIo {
  /** Runs argv in the agent container (execInPod). */
  exec(argv: string[], timeoutMs: number): Promise<ExecResult>;
  /** The kubelet's configz. */
  configz(): Promise<{ containerRuntimeEndpoint?: string; staticPodPath?: string }>;
}

/** NodeAccess through the agent pod; probes the node once, on first use. */
export class PrivilegedPodNode implements NodeAccess, DetachedNodeRestarts, ComponentPids {
  private probed: Promise<NodeProbe> | undefined;
  private readonly io: AgentIo;

  constructor(
    private readonly kc: () => KubeConfig,
    readonly ref: AgentRef,
    readonly nodeName: string,
    io: Partial<AgentIo> = {},
  ) {
    this.io = {
      exec: io.exec ?? ((argv, timeoutMs) => execInPod(this.kc(), this.ref, AGENT_CONTAINER, argv, timeoutMs)),
      configz: io.configz ?? (() => readConfigz(this.kc(), this.nodeName)),
    };
  }

  /** Runs `argv` in the host's namespaces; resolves with stdout, rejects with stderr. */
  async host(argv: string[], timeoutMs = 60_000): Promise<string> {
    const r = await this.io.exec([...NSENTER, ...argv], timeoutMs);
    if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} on node ${this.nodeName}: ${r.stderr.trim() || r.stdout.trim() || `exit ${r.exitCode}`}`);
    return r.stdout;
  }

  probe(): Promise<NodeProbe> {
    this.probed ??= (async () => {
      let configz: { containerRuntimeEndpoint?: string; staticPodPath?: string } | undefined;
      let configzError: string | undefined;
      try {
        configz = await this.io.configz();
      } catch (err) {
        configzError = firstLine(err);
      }
      const staticPodPath = configz?.staticPodPath ?? '/etc/kubernetes/manifests';
      const r = await this.io.exec([...NSENTER, 'sh', '-c', probeScript(staticPodPath)], 30_000);
      if (r.exitCode !== 0 || !/^crictl=/m.test(r.stdout)) {
        throw new Error(`the agent pod ${formatAgentRef(this.ref)} cannot enter the node's namespaces (nsenter -t 1 ... sh): ${r.stderr.trim() || `exit ${r.exitCode}`}`);
      }
      const p = parseProbe(r.stdout, configz, configzError);
      if (!configz?.staticPodPath && p.apiServerManifest) p.staticPodPath = staticPodPath;
      return p;
    })();
    this.probed.catch(() => (this.probed = undefined));
    return this.probed;
  }

  private async crictlLine(): Promise<string> {
    const p = await this.probe();
    if (!p.crictl) throw new NodeCapabilityMissing(`node ${this.nodeName} has no crictl (looked on its PATH and in ${CRICTL_PLACES.join(', ')}): the container-runtime faults need it`);
    return [p.crictl, ...(p.runtimeEndpoint ? ['--runtime-endpoint', p.runtimeEndpoint] : [])].map(shq).join(' ');
  }

  async crictl(args: string[]): Promise<string> {
    const p = await this.probe();
    if (!p.crictl) await this.crictlLine(); // throws, saying what is missing
    return this.host([p.crictl!, ...(p.runtimeEndpoint ? ['--runtime-endpoint', p.runtimeEndpoint] : []), '--timeout', '20s', ...args]);
  }

  async signalProcess(pid: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`refusing to signal pid ${pid}`);
    // The shell's kill: every node has a shell, not every node a kill binary.
    await this.host(['sh', '-c', `kill -s ${signal.replace(/^SIG/, '')} ${pid}`]);
  }

  /** Whether the API server answers /readyz through the run's kubeconfig. */
  private async apiReady(): Promise<boolean> {
    return /ok/.test(String(await requestJson<string>(this.kc(), 'GET', '/readyz').catch(() => '')));
  }

  /** kube-apiserver: the API answers; the kubelet and containerd: a fresh exec works (it goes through both) and systemd says the unit is active. */
  async componentRunning(c: NodeComponent): Promise<boolean> {
    if (c === 'kube-apiserver') return this.apiReady();
    try {
      const p = await this.probe();
      if (!p.systemd || !p.units[c]) return await this.reachable();
      const r = await this.io.exec([...NSENTER, 'systemctl', 'is-active', c], 15_000);
      return r.stdout.trim() === 'active';
    } catch {
      return false;
    }
  }


  /** The pid of the kube-apiserver's running container, through the CRI. */
  private async apiServerPid(): Promise<number | undefined> {
    const id = (await this.crictl(['ps', '--name', '^kube-apiserver$', '--state', 'Running', '-q']).catch(() => '')).trim().split('\n')[0];
    return id ? parsePid(await this.crictl(['inspect', '--output', 'go-template', '--template', '{{.info.pid}}', id])) : undefined;
  }

  /** The kubelet and containerd: systemd's MainPID (0 when stopped; none without systemd); the API server: its container's. */
  async componentPid(c: NodeComponent): Promise<number | undefined> {
    if (c === 'kube-apiserver') return this.apiServerPid();
    if (!(await this.probe()).systemd) return undefined;
    return parsePid(await this.host(['systemctl', 'show', '-p', 'MainPID', '--value', c], 15_000));
  }

  stopComponent(c: NodeComponent): Promise<void> {
    return Promise.reject(new Error(`through the privileged pod, ${c} is stopped only within one detached restart (restartComponent): stopped alone, it would cut initc off the node`));
  }

  /**
   * Waits until `c` serves again (a detached restart brings it back by itself); when the node is
   * reachable and systemd says the unit is down, starts it.
   */
  async startComponent(c: NodeComponent): Promise<void> {
    await this.until(`${c} running on node ${this.nodeName}`, async () => {
      if (await this.componentRunning(c)) return true;
      if (c !== 'kube-apiserver' && (await this.reachable())) await this.host(['systemctl', 'start', c], 60_000);
      return this.componentRunning(c);
    }, 180_000);
  }

  private async reachable(): Promise<boolean> {
    return this.host(['true'], 10_000).then(() => true, () => false);
  }

  async restartComponent(c: NodeComponent, downMs: number): Promise<void> {
    const p = await this.probe();
    if (!p.systemd) throw new NodeCapabilityMissing(`node ${this.nodeName} ${p.noSystemd}: restarting ${c} through a privileged pod needs a detached systemd-run command`);
    let script: string;
    const id = randomBytes(4).toString('hex');
    const unit = `initc-restart-${c}-${id}`;
    const log = `/run/${unit}.log`;
    if (c === 'kube-apiserver') {
      if (!p.apiServerManifest) throw new NodeCapabilityMissing(`the API server is no static pod of node ${this.nodeName} (no kube-apiserver.yaml in ${p.staticPodPath ?? "the kubelet's static pod folder"}): its restart cannot be injected from the node`);
      script = restartApiServerScript(downMs, path.posix.join(p.staticPodPath!, 'kube-apiserver.yaml'), { crictl: await this.crictlLine(), log });
    } else {
      if (p.units[c] !== 'active') throw new NodeCapabilityMissing(`node ${this.nodeName} has no active systemd unit ${c} (systemctl is-active ${c}: ${p.units[c] ?? 'unknown'}): its restart cannot be injected`);
      script = restartUnitScript(c, downMs, { log });
    }
    await this.runDetached(unit, script, log, { timeoutMs: downMs + 180_000, serving: [c] });
  }

  async rebootNode(): Promise<void> {
    const p = await this.probe();
    if (!p.systemd || p.units.kubelet !== 'active' || p.units.containerd !== 'active') {
      throw new NodeCapabilityMissing(`node ${this.nodeName} ${p.systemd ? `has no active systemd units kubelet and containerd (kubelet ${p.units.kubelet ?? 'unknown'}, containerd ${p.units.containerd ?? 'unknown'})` : p.noSystemd}: a node reboot through a privileged pod needs both as systemd units`);
    }
    const id = randomBytes(4).toString('hex');
    const unit = `initc-reboot-${id}`;
    const log = `/run/${unit}.log`;
    await this.runDetached(unit, rebootScript({ crictl: await this.crictlLine(), log }), log, { timeoutMs: 240_000, serving: ['containerd', 'kubelet', 'kube-apiserver'] });
  }

  /**
   * Starts `script` as a transient systemd unit on the host and returns at once; then waits until
   * the node answers again and the script's log says it finished, and until each of `serving` serves.
   * A log that reports a failed step rejects with the log.
   */
  private async runDetached(unit: string, script: string, log: string, o: { timeoutMs: number; serving: NodeComponent[] }): Promise<void> {
    await this.host(['systemd-run', '--unit', unit, '--collect', '--quiet', '--', 'sh', '-c', script]);
    let text = '';
    await this.until(`the detached ${unit} on node ${this.nodeName} finished`, async () => {
      text = await this.host(['cat', log], 10_000);
      return /^done$/m.test(text);
    }, o.timeoutMs);
    await this.host(['rm', '-f', log], 10_000).catch(() => undefined);
    const problems = logProblems(text);
    if (problems.length) throw new Error(`${unit} on node ${this.nodeName}: ${problems.join('; ')} (its log: ${text.trim().split('\n').join(' | ')})`);
    for (const c of o.serving) await this.until(`${c} serving again on node ${this.nodeName}`, () => this.serving(c), 120_000);
  }

  private async serving(c: NodeComponent): Promise<boolean> {
    if (c === 'kube-apiserver') return this.apiReady();
    if (c === 'containerd') return (await this.crictl(['version']), true);
    // The kubelet's own /healthz, through the API server's node proxy (without the right to it: an exec, which the kubelet serves).
    try {
      return /ok/.test(String(await requestJson<string>(this.kc(), 'GET', `/api/v1/nodes/${encodeURIComponent(this.nodeName)}/proxy/healthz`)));
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 403) return this.reachable();
      throw err;
    }
  }

  private async until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (err) {
        if (err instanceof NodeCapabilityMissing) throw err;
        last = err;
      }
      if (Date.now() > deadline) throw new Error(`${what}: not after ${Math.round(timeoutMs / 1000)}s${last ? ` (last: ${firstLine(last)})` : ''}`);
      await sleep(250);
    }
  }
}

/**
 * Puts the agent on the chosen node of the cluster, in `namespace` (a namespace of the run, which
 * the caller made and deletes), waits until it runs, and probes the node. Rejects, saying why, when
 * the pod cannot run (refused by admission, image not pullable) or cannot enter the host's namespaces.
 */
export async function deployNodeAgent(
  kc: KubeConfig,
  o: { namespace: string; image: string; labels: Record<string, string>; timeoutMs?: number; signal?: AbortSignal },
): Promise<{ agent: PrivilegedPodNode; probe: NodeProbe; note?: string }> {
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = (await core.listNode()).items;
  const apiServers = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'component=kube-apiserver' }).catch(() => ({ items: [] as V1Pod[] }))).items
    .map((p) => p.spec?.nodeName)
    .filter((n): n is string => Boolean(n));
  const { node, note } = chooseAgentNode(nodes, apiServers);
  // Pod Security Admission, where enforced, would refuse a privileged pod in a default namespace.
  await core
    .patchNamespace({ name: o.namespace, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
    .catch(() => undefined);
  await core.createNamespacedPod({ namespace: o.namespace, body: agentPod({ node, image: o.image, labels: o.labels }) }).catch((err: { code?: number; body?: unknown; message?: string }) => {
    const body = typeof err.body === 'string' ? (JSON.parse(err.body) as { message?: string }) : (err.body as { message?: string } | undefined);
    throw new Error(`the cluster refused the privileged agent pod: ${body?.message ?? firstLine(err)}`);
  });
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  let why = 'not created yet';
  for (;;) {
    if (o.signal?.aborted) throw new Error('interrupted while the agent pod started');
    const p = await core.readNamespacedPod({ name: AGENT_POD, namespace: o.namespace }).catch(() => undefined);
    const cs = p?.status?.containerStatuses?.[0];
    if (cs?.state?.running) break;
    const waiting = cs?.state?.waiting;
    why = waiting ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` : cs?.state?.terminated ? `exited ${cs.state.terminated.exitCode}` : (p?.status?.phase ?? why);
    if (waiting && /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerConfigError|CreateContainerError/.test(waiting.reason ?? '')) throw new Error(`the agent pod on node ${node} cannot start: ${why}`);
    if (Date.now() > deadline) throw new Error(`the agent pod on node ${node} is not running after ${(o.timeoutMs ?? 120_000) / 1000}s: ${why}`);
    await sleep(500);
  }
  const agent = new PrivilegedPodNode(() => kc, { namespace: o.namespace, pod: AGENT_POD }, node);
  return { agent, probe: await agent.probe(), note };
}
