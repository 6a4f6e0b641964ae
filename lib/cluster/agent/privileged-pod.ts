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
import { Writable } from 'node:stream';
import { CoreV1Api, Exec, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1Node, V1Pod, V1Status } from '@kubernetes/client-node';
import { ApiError, requestJson } from '../../kube/raw.js';
import { sleep } from '../../util/time.js';
import type { ComponentPids, DetachedNodeRestarts, NodeAccess, NodeComponent } from '../provider.js';
import { NodeCapabilityMissing, parsePid } from '../provider.js';
import { firstLine } from '../../errors.js';

export const AGENT_POD = 'initc-node-agent';
export const AGENT_CONTAINER = 'agent';
/** Into PID 1's namespaces: the commands see the node's filesystem, processes and network. */
export const NSENTER = ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--'];

/** Where the agent is, as `initc run` passes it to suites in Mocha's workers: `namespace/pod`. */
export interface AgentRef {
  namespace: string;
  pod: string;
}

export const formatAgentRef = (r: AgentRef) => `${r.namespace}/${r.pod}`;

export function parseAgentRef(s: string): AgentRef | undefined {
  const m = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9.-]*)$/.exec(s.trim());
  return m ? { namespace: m[1]!, pod: m[2]! } : undefined;
}

/** The agent pod (pure): privileged, the host's PID, network and IPC namespaces, the host's root at /host, pinned to `node`. */
export function agentPod(o: { node: string; image: string; labels: Record<string, string> }): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: AGENT_POD, labels: { ...o.labels, 'app.kubernetes.io/name': AGENT_POD } },
    spec: {
      nodeName: o.node,
      hostPID: true,
      hostNetwork: true,
      hostIPC: true,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: AGENT_CONTAINER,
          image: o.image,
          imagePullPolicy: 'IfNotPresent',
          // Waits in a loop a TERM ends at once (busybox sleep as PID 1 would ignore it).
          command: ['sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'],
          securityContext: { privileged: true },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        },
      ],
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
    },
  };
}

const isReady = (n: V1Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const isSchedulable = (n: V1Node) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');

/**
 * The node the agent and every fixture pod of the run go to (pure): a Ready node that takes pods,
 * preferring one that runs the API server as a static pod (so its restart can be injected), then by
 * name. `note` says which and why, when there was a choice.
 */
export function chooseAgentNode(nodes: V1Node[], apiServerNodes: string[]): { node: string; note?: string } {
  const usable = nodes.filter((n) => isReady(n) && isSchedulable(n)).map((n) => n.metadata!.name!);
  if (!usable.length) {
    throw new Error(`no Ready node takes pods (${nodes.map((n) => `${n.metadata?.name}: ${isReady(n) ? 'tainted or cordoned' : 'not Ready'}`).join(', ') || 'no node at all'})`);
  }
  const sorted = [...usable].sort((a, b) => Number(apiServerNodes.includes(b)) - Number(apiServerNodes.includes(a)) || a.localeCompare(b));
  const node = sorted[0]!;
  if (usable.length === 1) return { node };
  return { node, note: `${usable.length} nodes take pods (${sorted.join(', ')}): node access and every fixture pod of the run are pinned to ${node}${apiServerNodes.includes(node) ? ' (it runs the API server)' : ''}` };
}

/** What the agent found on the node. */
export interface NodeProbe {
  /** The node's crictl, absolute path (undefined: none found). */
  crictl?: string;
  /** The CRI endpoint from the kubelet's configz (undefined: crictl's own configuration decides). */
  runtimeEndpoint?: string;
  /** systemd is PID 1 and systemctl/systemd-run exist. */
  systemd: boolean;
  /** Why not, in words ("does not run systemd (PID 1 is "tini")", "has no systemd-run"). */
  noSystemd?: string;
  pid1: string;
  units: Partial<Record<'kubelet' | 'containerd', string>>;
  staticPodPath?: string;
  apiServerManifest: boolean;
  /** What could not be found out, in words. */
  notes: string[];
}

const CRICTL_PLACES = ['/usr/local/bin/crictl', '/usr/bin/crictl', '/home/kubernetes/bin/crictl', '/opt/bin/crictl', '/var/lib/rancher/rke2/bin/crictl'];

/** The host shell script of the probe: prints key=value lines (parsed by parseProbe). */
export function probeScript(staticPodPath: string | undefined): string {
  return [
    `c=$(command -v crictl 2>/dev/null); for p in ${CRICTL_PLACES.join(' ')}; do [ -n "$c" ] && break; [ -x "$p" ] && c=$p; done; echo "crictl=$c"`,
    'echo "systemctl=$(command -v systemctl 2>/dev/null)"',
    'echo "systemd-run=$(command -v systemd-run 2>/dev/null)"',
    'if [ -d /run/systemd/system ]; then echo booted=yes; else echo booted=no; fi',
    'echo "pid1=$(cat /proc/1/comm 2>/dev/null)"',
    'if command -v systemctl >/dev/null 2>&1; then for u in kubelet containerd; do echo "unit-$u=$(systemctl is-active $u 2>/dev/null)"; done; fi',
    staticPodPath ? `if [ -f ${shq(path.posix.join(staticPodPath, 'kube-apiserver.yaml'))} ]; then echo apiserver-manifest=yes; else echo apiserver-manifest=no; fi` : 'echo apiserver-manifest=no',
  ].join('\n');
}

/** The probe's result from its output and the kubelet's configz (pure). */
export function parseProbe(out: string, configz: { containerRuntimeEndpoint?: string; staticPodPath?: string } | undefined, configzError?: string): NodeProbe {
  const kv = new Map(out.split('\n').map((l) => l.trim()).filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
  const notes: string[] = [];
  if (configzError) notes.push(`the kubelet's configz could not be read (${configzError}): crictl uses the node's own configuration (/etc/crictl.yaml)`);
  let runtimeEndpoint = configz?.containerRuntimeEndpoint?.trim() || undefined;
  // Before 1.27 the endpoint was a flag, absent from configz; a bare path means a unix socket.
  if (runtimeEndpoint && !/^[a-z]+:\/\//.test(runtimeEndpoint)) runtimeEndpoint = `unix://${runtimeEndpoint}`;
  if (configz && !runtimeEndpoint) notes.push("the kubelet's configz names no containerRuntimeEndpoint: crictl uses the node's own configuration (/etc/crictl.yaml)");
  const pid1 = kv.get('pid1') ?? '';
  const noSystemd =
    kv.get('booted') !== 'yes' ? `does not run systemd (PID 1 is "${pid1 || 'unknown'}")` : !kv.get('systemctl') ? 'has no systemctl (systemd is PID 1)' : !kv.get('systemd-run') ? 'has no systemd-run (systemd is PID 1)' : undefined;
  const units: NodeProbe['units'] = {};
  for (const u of ['kubelet', 'containerd'] as const) if (kv.has(`unit-${u}`)) units[u] = kv.get(`unit-${u}`) || 'unknown';
  return {
    crictl: kv.get('crictl') || undefined,
    runtimeEndpoint,
    systemd: !noSystemd,
    ...(noSystemd ? { noSystemd } : {}),
    pid1,
    units,
    staticPodPath: configz?.staticPodPath || undefined,
    apiServerManifest: kv.get('apiserver-manifest') === 'yes',
    notes,
  };
}

/** One line for the run's output: what node access the agent has. */
export function describeProbe(p: NodeProbe): string {
  return [
    p.crictl ? `crictl ${p.crictl}${p.runtimeEndpoint ? ` → ${p.runtimeEndpoint}` : ''}` : 'no crictl',
    p.systemd ? `systemd (kubelet ${p.units.kubelet ?? '?'}, containerd ${p.units.containerd ?? '?'})` : `no systemd: ${p.noSystemd}`,
    p.apiServerManifest ? `API server a static pod (${p.staticPodPath})` : 'API server not a static pod here',
    ...p.notes,
  ].join('; ');
}

/** Single-quoted for a POSIX shell. */
export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const seconds = (ms: number) => String(Math.max(0, Math.round(ms) / 1000));

interface ScriptTools {
  /** The crictl command line, quoted for the shell (path and endpoint). */
  crictl: string;
  log: string;
}

/** A POSIX shell runs its EXIT trap on `exit`, not when a signal ends it (systemd stops a unit with TERM): exit on one. */
const ON_SIGNAL_EXIT = "trap 'exit 143' TERM INT HUP";

/** The detached host script of a kubelet or containerd restart (pure): stop, wait, start; a trap starts it again whatever happens. */
export function restartUnitScript(unit: 'kubelet' | 'containerd', downMs: number, t: Pick<ScriptTools, 'log'>): string {
  return [
    `exec >${shq(t.log)} 2>&1`,
    `trap 'systemctl start ${unit}' EXIT`,
    ON_SIGNAL_EXIT,
    // Lets the exec that launched this return before the exec path goes down.
    'sleep 0.5',
    `systemctl stop ${unit}; echo "stop rc=$?"`,
    `sleep ${seconds(downMs)}`,
    `systemctl start ${unit}; echo "start rc=$?"`,
    'echo done',
  ].join('\n');
}

/**
 * The detached host script of an API server restart (pure): its static-pod manifest moved out of
 * the kubelet's folder (the kubelet stops the pod), its container stopped at once (sparing the
 * 30 s grace period), down for `downMs`, the manifest moved back; a trap moves it back whatever happens.
 */
export function restartApiServerScript(downMs: number, manifest: string, t: ScriptTools): string {
  const parked = path.posix.join(path.posix.dirname(path.posix.dirname(manifest)), 'kube-apiserver.yaml.stopped-by-initc');
  const running = `${t.crictl} ps --name '^kube-apiserver$' --state Running -q`;
  return [
    `exec >${shq(t.log)} 2>&1`,
    `M=${shq(manifest)}; P=${shq(parked)}`,
    `trap '[ -f "$P" ] && mv -f "$P" "$M"' EXIT`,
    ON_SIGNAL_EXIT,
    'sleep 0.5',
    'mv "$M" "$P"; echo "park rc=$?"',
    `for id in $(${t.crictl} ps --name '^kube-apiserver$' -q); do ${t.crictl} stop --timeout 1 "$id" >/dev/null; done`,
    `i=0; while [ -n "$(${running})" ]; do i=$((i+1)); [ $i -gt 240 ] && break; sleep 0.25; done`,
    'if [ $i -gt 240 ]; then echo "stop rc=1 (still running after 60s)"; else echo "stop rc=0"; fi',
    `sleep ${seconds(downMs)}`,
    'mv "$P" "$M"; echo "start rc=$?"',
    'echo done',
  ].join('\n');
}

/**
 * The detached host script of a node reboot (pure): kubelet stopped, every sandbox stopped and
 * removed (the agent's own too: the kubelet makes it again), containerd restarted, the kubelet
 * started once containerd serves; a trap starts both whatever happens.
 */
export function rebootScript(t: ScriptTools): string {
  return [
    `exec >${shq(t.log)} 2>&1`,
    "trap 'systemctl start containerd; systemctl start kubelet' EXIT",
    ON_SIGNAL_EXIT,
    'sleep 0.5',
    'systemctl stop kubelet; echo "stop kubelet rc=$?"',
    `f=0; for id in $(${t.crictl} pods -q); do ${t.crictl} stopp "$id" >/dev/null || f=$((f+1)); done; echo "stopp failed=$f"`,
    `f=0; for id in $(${t.crictl} pods -q); do ${t.crictl} rmp --force "$id" >/dev/null || f=$((f+1)); done; echo "rmp failed=$f"`,
    `set -- $(${t.crictl} pods -q); echo "sandboxes left=$#"`,
    'systemctl stop containerd; echo "stop containerd rc=$?"',
    'systemctl start containerd; echo "start containerd rc=$?"',
    `i=0; until ${t.crictl} version >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 240 ] && break; sleep 0.25; done`,
    'systemctl start kubelet; echo "start kubelet rc=$?"',
    'echo done',
  ].join('\n');
}

/** What a finished detached command's log says went wrong (pure): every `rc=N`, `failed=N`, `left=N` that is not 0. Empty: all went well. */
export function logProblems(log: string): string[] {
  return log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /\b(rc|failed|left)=(\d+)/.test(l) && !/\b(rc|failed|left)=0\b/.test(l));
}

/** The exit code an exec's final status reports (pure): 0 on Success, the ExitCode cause otherwise; undefined when it carries none (the exec itself failed). */
export function execExitCode(status: V1Status | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause?.message !== undefined && /^\d+$/.test(cause.message) ? Number(cause.message) : undefined;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const collector = (chunks: Buffer[]) =>
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });

/** Runs `argv` in a container through the exec API; resolves with its exit code and output, rejects when the exec itself fails or takes longer than `timeoutMs`. */
export async function execInPod(kc: KubeConfig, ref: AgentRef, container: string, argv: string[], timeoutMs = 60_000): Promise<ExecResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let status: V1Status | undefined;
  return new Promise<ExecResult>((resolve, reject) => {
    let ws: { close(): void } | undefined;
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => settle(() => (ws?.close(), reject(new Error(`exec ${argv.join(' ')} in ${formatAgentRef(ref)}: no answer within ${timeoutMs / 1000}s`)))), timeoutMs);
    new Exec(kc)
      .exec(ref.namespace, ref.pod, container, argv, collector(out), collector(err), null, false, (s) => (status = s))
      .then(
        (socket) => {
          ws = socket;
          socket.on('error', (e: Error) => settle(() => reject(e)));
          socket.on('close', () =>
            settle(() => {
              const code = execExitCode(status);
              const stderr = Buffer.concat(err).toString('utf8');
              if (code === undefined) reject(new Error(`exec in ${formatAgentRef(ref)} failed: ${status?.message ?? (stderr.trim() || 'the connection closed without a status')}`));
              else resolve({ exitCode: code, stdout: Buffer.concat(out).toString('utf8'), stderr });
            }),
          );
        },
        (e: unknown) => settle(() => reject(e instanceof Error ? e : new Error(String((e as { message?: string })?.message ?? e)))),
      );
  });
}

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
