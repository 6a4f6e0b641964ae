/**
 * A cluster provider makes a cluster available and takes it away; a `RunningCluster` is what it
 * hands back, so nothing can ask for the kubeconfig of a cluster that never started. Optional
 * capabilities (loading images) are their own interfaces, implemented only where they make sense.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Progress } from '../progress.js';

export type ProviderName = 'local' | 'kubeconfig' | 'kind';

export interface CreateOptions {
  progress: Progress;
  signal?: AbortSignal;
  /**
   * The caller means to destroy the cluster it starts when it is done (`initc run`). Recorded, so
   * that if the caller dies first the next caller knows the cluster is an orphan, and takes it over.
   */
  temporary?: boolean;
}

export interface ClusterProvider {
  readonly name: ProviderName;
  /** Brings the cluster up, or finds it already up. */
  create(o: CreateOptions): Promise<RunningCluster>;
  /** Removes what this provider created (nothing, for a provider that created nothing). */
  destroy(o: CreateOptions): Promise<void>;
}

export interface RunningCluster {
  readonly provider: ProviderName;
  /** Whether this provider's create() brought the cluster up (false: it was running already, or is not ours). */
  readonly startedHere: boolean;
  /** The kubeconfig file to use, and its context (undefined: the file's current context). */
  readonly kubeconfigPath: string;
  readonly context?: string;
  kubeConfig(): KubeConfig;
  /** Copies the cluster's component logs into `dir`; returns the files written. */
  exportLogs(dir: string): Promise<string[]>;
  /** Ends this process's hold on the cluster (the embedded cluster's lock); the cluster keeps running. */
  release(): Promise<void>;
}

export interface ImageLoader {
  /** Imports an OCI or docker image archive into the node's runtime. */
  loadImageArchive(tarFile: string): Promise<void>;
}

/** The node's own processes that the chaos injectors stop and start (the API server: where the provider runs it on the node). */
export type NodeComponent = 'kubelet' | 'containerd' | 'kube-apiserver';

/**
 * Access to the node itself, for failure injection: its container runtime through the CRI
 * (crictl), its processes, and its kubelet and runtime as services. Only providers that can reach
 * the node implement it (the embedded cluster: host processes; kind: `docker exec`).
 */
export interface NodeAccess {
  readonly nodeName: string;
  /** Runs crictl against the node's runtime; resolves with its stdout, rejects with its stderr. */
  crictl(args: string[]): Promise<string>;
  /** Sends a signal to a process of the node, by its pid as the node sees it. */
  signalProcess(pid: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  stopComponent(c: NodeComponent): Promise<void>;
  startComponent(c: NodeComponent): Promise<void>;
  componentRunning(c: NodeComponent): Promise<boolean>;
}

/**
 * Optional capability of a NodeAccess that reaches the node only through the cluster itself (a
 * privileged pod, exec through the API server and the kubelet): while the kubelet, containerd or
 * the API server is down it cannot act, so a restart or a reboot is one detached command on the
 * node that stops, waits and starts by itself; each resolves once the node serves again. The node
 * faults prefer it when present (lib/chaos/node-faults.ts); providers that reach the node directly
 * (the embedded cluster, kind) do not implement it and are driven step by step.
 */
export interface DetachedNodeRestarts {
  /** Stops `c`, leaves it down for `downMs`, starts it again; resolves when it (and node access) serve again. */
  restartComponent(c: NodeComponent, downMs: number): Promise<void>;
  /** kubelet stopped, every sandbox stopped and removed, containerd restarted, kubelet started; resolves when the node serves again. */
  rebootNode(): Promise<void>;
}

/**
 * Optional capability of a NodeAccess: the pid, as the node sees it, of a component's main process
 * (undefined when it is not running). The node faults read it before and after a restart, as proof
 * that the component really restarted (lib/chaos/proof.ts).
 */
export interface ComponentPids {
  componentPid(c: NodeComponent): Promise<number | undefined>;
}

/** A pid printed by a command (systemd's MainPID, crictl's info.pid); 0, empty or garbage: none. */
export function parsePid(out: string): number | undefined {
  const pid = Number(out.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export const readsComponentPids = (n: NodeAccess): n is NodeAccess & ComponentPids => typeof (n as Partial<ComponentPids>).componentPid === 'function';

export const restartsDetached = (n: NodeAccess): n is NodeAccess & DetachedNodeRestarts =>
  typeof (n as Partial<DetachedNodeRestarts>).restartComponent === 'function' && typeof (n as Partial<DetachedNodeRestarts>).rebootNode === 'function';

/**
 * Optional capability of a NodeAccess whose container runtime initc configured (the embedded
 * cluster): the next start of a named container is held — it runs a sleeper in place of its
 * command until killed, so a kill "at its start" never depends on winning a race against an init
 * container that runs for well under a second. The function it resolves with says whether the
 * start was held, and withdraws the rule when it was not used.
 */
export interface HoldsAtStart {
  holdNextStart(namespace: string, container: string): Promise<() => Promise<boolean>>;
}

export const canHoldAtStart = (n: NodeAccess): n is NodeAccess & HoldsAtStart => typeof (n as Partial<HoldsAtStart>).holdNextStart === 'function';

/** A start blocked at the runtime: whether its `runc create` arrived (the rule claimed), and its release. */
export interface BlockedStart {
  claimed(): Promise<boolean>;
  /** Lets the blocked create go on (when it still waits) and removes what is left of the rule. */
  release(): Promise<void>;
}

/**
 * Optional capability of a NodeAccess whose runtime initc configured and whose processes it sees
 * (the embedded cluster): a node's crash as one pod lives it. The next `runc create` of a named
 * container is blocked (it stays CONTAINER_CREATED, its start hanging), containerd is killed with
 * SIGKILL (no shutdown of its own, as at a power cut), and a sandbox's shim with every process
 * under it is killed the same way.
 */
export interface CrashesNode {
  blockNextStart(namespace: string, container: string): Promise<BlockedStart>;
  killRuntime(): Promise<void>;
  /** SIGKILLs the shim whose child is the sandbox's pause process `pausePid`, and all under it. */
  killShimOf(pausePid: number): Promise<{ shim: number; killed: number[] }>;
  /** The node's uptime in seconds (the clock of the fixtures' ledger lines). */
  nodeUptime(): Promise<number>;
}
export const canCrashNode = (n: NodeAccess): n is NodeAccess & CrashesNode =>
  typeof (n as Partial<CrashesNode>).blockNextStart === 'function' && typeof (n as Partial<CrashesNode>).killShimOf === 'function';

/**
 * Thrown by a NodeAccess when the node lacks what an operation needs (no crictl, no systemd, no
 * static-pod API server): the test that asked is reported skipped with this message, never failed.
 */
export class NodeCapabilityMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeCapabilityMissing';
  }
}

export const hasNodeAccess = (c: RunningCluster): c is RunningCluster & NodeAccess =>
  typeof (c as Partial<NodeAccess>).crictl === 'function' && typeof (c as Partial<NodeAccess>).startComponent === 'function';

/**
 * Optional capability of a RunningCluster with more than its first node (`--nodes N`): every
 * node's name, first the one the cluster itself serves as NodeAccess, and each node's own access
 * (its runtime through crictl, its kubelet and runtime processes). A cluster of one node may
 * implement it too (one name).
 */
export interface Nodes {
  nodeNames(): string[];
  /** The access to the node `name`; throws for a name that is not one of nodeNames(). */
  nodeAccess(name: string): NodeAccess;
}

export const hasNodes = (c: RunningCluster): c is RunningCluster & Nodes =>
  typeof (c as Partial<Nodes>).nodeNames === 'function' && typeof (c as Partial<Nodes>).nodeAccess === 'function';

export const canLoadImages = (c: RunningCluster): c is RunningCluster & ImageLoader =>
  typeof (c as Partial<ImageLoader>).loadImageArchive === 'function';

export function loadKubeConfig(file: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  if (context) kc.setCurrentContext(context);
  return kc;
}
