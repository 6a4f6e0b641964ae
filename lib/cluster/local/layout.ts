/**
 * Where an embedded cluster keeps its files and which addresses and ports it takes. Pure: the
 * same name and slot give the same layout, so `down` finds what `up` made even after a crash.
 *
 * Each cluster is a machine of its own as far as the network goes: every process of it runs in a
 * network namespace named after it, reached from the host through a veth pair (the node address
 * on the namespace's side). So its loopback ports, its iptables rules (kube-proxy's, the
 * kubelet's) and its routes are its own, and clusters of different names run side by side. What
 * the host does see differs per cluster by its slot (slots.ts): the node address, the pod and
 * service ranges (each blackholed on the host) and the host's end of the veth.
 */
import path from 'node:path';
import { InitcError } from '../../errors.js';

export interface Endpoint {
  host: string;
  port: number;
  /** Who listens there, for the "port already taken" message. */
  owner: string;
}

export interface ClusterLayout {
  name: string;
  /** Its index among the clusters on this machine (0: the default cluster), which picks its addresses. */
  slot: number;
  /** The kubeconfig context (and cluster and user names in it): `initc`, or `initc-<name>`. */
  context: string;
  /** Which node of the cluster this layout is (0: the control plane's node; node-layout.ts makes the others). */
  nodeIndex: number;
  nodeName: string;
  /** Persistent data: etcd, containerd root, kubelet root, PKI, configs, logs. */
  dataDir: string;
  /** Runtime files: sockets, containerd state, network namespaces. */
  runDir: string;
  /** Hold rules for the runc wrapper (runc-hold.ts): under runDir, so down removes them. */
  holdsDir: string;
  pkiDir: string;
  logDir: string;
  configDir: string;
  stateFile: string;
  /** Held by whoever starts, stops or uses the cluster (lock.ts); beside runDir, which down removes. */
  lockFile: string;
  kubeconfig: string;
  etcdDataDir: string;
  kubeletRootDir: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  cniConfDir: string;
  cniIpamDir: string;
  cniBinDir: string;
  /** The default StorageClass's volumes, one directory each (lib/cluster/storage): under dataDir, so down removes them. */
  volumesDir: string;
  /** cgroup (relative to each v1 controller's root) holding every pod, so down finds them all. */
  cgroupRoot: string;
  network: {
    /** The network namespace every process of the cluster runs in (`ip netns` name). */
    netns: string;
    /** The host's end of the veth pair into the namespace; it carries hostIP. */
    interface: string;
    /** The namespace's end of the veth pair (its name inside the namespace); it carries nodeIP. */
    nodeInterface: string;
    nodeIP: string;
    hostIP: string;
    /** Where the API server listens (node 0's address). */
    controlPlaneIP: string;
    /** The whole cluster's pod range. */
    podCIDR: string;
    /** This node's share of it, from which its pods get their addresses (CNI host-local). */
    nodePodCIDR: string;
    serviceCIDR: string;
    apiServiceIP: string;
    dnsServiceIP: string;
    clusterDomain: string;
    /** iptables chain (filter table, inside the namespace) that lets pods talk only to pods. */
    guardChain: string;
    /** iptables chain (filter table, on the host) that forwards nothing into or out of the namespace. */
    hostGuardChain: string;
  };
  ports: {
    apiserver: number;
    etcdClient: number;
    etcdPeer: number;
    controllerManager: number;
    scheduler: number;
    kubelet: number;
    kubeletHealthz: number;
    proxyHealthz: number;
    proxyMetrics: number;
    dns: number;
    dnsHealth: number;
    dnsReady: number;
    provisionerHealthz: number;
  };
}

export const CLUSTER_NAME = 'initc';
/** Slots 0 (the default cluster) to MAX_SLOT: the octets below keep every range inside 10.0.0.0/8 and apart. */
export const MAX_SLOT = 8;
/** Folders under the data and run roots that are not clusters. */
const RESERVED_NAMES = new Set(['slots', 'kind']);
const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/;

/** Why `name` cannot name an embedded cluster, or undefined. Pure. */
export function clusterNameProblem(name: string): string | undefined {
  if (!NAME_RE.test(name)) return `"${name}" is not a cluster name: 1 to 12 lowercase letters, digits and inner dashes`;
  if (RESERVED_NAMES.has(name) || name.endsWith('-failed-logs')) return `"${name}" is reserved: choose another cluster name`;
  return undefined;
}

export function checkClusterName(name: string): string {
  const problem = clusterNameProblem(name);
  if (problem) throw new InitcError('usage', problem);
  return name;
}

/** The kubeconfig context of the cluster `name` (as kind's `kind-<name>`). */
export const contextOf = (name: string) => (name === CLUSTER_NAME ? CLUSTER_NAME : `${CLUSTER_NAME}-${name}`);

/** The cluster a context of ours names (the inverse of contextOf), or undefined. */
export function clusterOfContext(context: string | undefined): string | undefined {
  if (!context) return undefined;
  if (context === CLUSTER_NAME) return CLUSTER_NAME;
  const name = context.startsWith(`${CLUSTER_NAME}-`) ? context.slice(CLUSTER_NAME.length + 1) : undefined;
  return name && !clusterNameProblem(name) ? name : undefined;
}

/** The command that starts cluster `name`, for messages. */
export const upCommand = (name: string) => (name === CLUSTER_NAME ? '`initc cluster up`' : `\`initc cluster up --name ${name}\``);

/** The command that takes cluster `name` down, for messages. */
export const downCommand = (name: string) => (name === CLUSTER_NAME ? '`initc cluster down`' : `\`initc cluster down --name ${name}\``);

export interface LayoutOptions {
  name?: string;
  slot?: number;
  dataRoot?: string;
  runRoot?: string;
}

export const DATA_ROOT = '/var/lib/initc';
export const RUN_ROOT = '/run/initc';

/** The folders every node has of its own, under its data and run folders (node 0's are the cluster's). Pure. */
export function nodeFolders(dataDir: string, runDir: string) {
  return {
    dataDir,
    runDir,
    holdsDir: path.join(runDir, 'holds'),
    pkiDir: path.join(dataDir, 'pki'),
    configDir: path.join(dataDir, 'config'),
    kubeletRootDir: path.join(dataDir, 'kubelet'),
    containerdRoot: path.join(dataDir, 'containerd'),
    containerdState: path.join(runDir, 'containerd'),
    containerdSocket: path.join(runDir, 'containerd.sock'),
    cniConfDir: path.join(dataDir, 'cni', 'net.d'),
    cniIpamDir: path.join(dataDir, 'cni', 'ipam'),
    volumesDir: path.join(dataDir, 'volumes'),
  };
}

export function clusterLayout(opts: LayoutOptions = {}): ClusterLayout {
  const name = opts.name ?? CLUSTER_NAME;
  const slot = opts.slot ?? 0;
  if (!Number.isInteger(slot) || slot < 0 || slot > MAX_SLOT) throw new Error(`slot ${slot} out of range 0..${MAX_SLOT}`);
  const context = contextOf(name);
  const dataDir = path.join(opts.dataRoot ?? DATA_ROOT, name);
  const runDir = path.join(opts.runRoot ?? RUN_ROOT, name);
  return {
    name,
    slot,
    context,
    nodeIndex: 0,
    nodeName: `${context}-node`,
    ...nodeFolders(dataDir, runDir),
    logDir: path.join(dataDir, 'logs'),
    stateFile: path.join(runDir, 'state.json'),
    lockFile: path.join(path.dirname(runDir), `${name}.lock`),
    kubeconfig: path.join(dataDir, 'kubeconfig'),
    etcdDataDir: path.join(dataDir, 'etcd'),
    cniBinDir: '/usr/lib/cni',
    cgroupRoot: `/${context}`,
    network: {
      netns: context,
      interface: `initc${slot}`,
      nodeInterface: 'eth0',
      nodeIP: `10.253.${slot}.1`,
      hostIP: `10.253.${slot}.2`,
      controlPlaneIP: `10.253.${slot}.1`,
      podCIDR: `10.${244 + slot}.0.0/16`,
      nodePodCIDR: `10.${244 + slot}.0.0/24`,
      serviceCIDR: `10.${96 + slot}.0.0/16`,
      apiServiceIP: `10.${96 + slot}.0.1`,
      dnsServiceIP: `10.${96 + slot}.0.10`,
      clusterDomain: 'cluster.local',
      guardChain: 'INITC-GUARD',
      hostGuardChain: `INITC-GUARD-${slot}`,
    },
    ports: {
      apiserver: 6443,
      etcdClient: 2379,
      etcdPeer: 2380,
      controllerManager: 10257,
      scheduler: 10259,
      kubelet: 10250,
      kubeletHealthz: 10248,
      proxyHealthz: 10256,
      proxyMetrics: 10249,
      dns: 53,
      dnsHealth: 10054,
      dnsReady: 10055,
      provisionerHealthz: 10058,
    },
  };
}

/** Every TCP endpoint a component listens on, inside the cluster's network namespace. */
export function listenEndpoints(l: ClusterLayout): Endpoint[] {
  const { nodeIP } = l.network;
  const p = l.ports;
  return [
    { host: '127.0.0.1', port: p.etcdClient, owner: 'etcd (client)' },
    { host: '127.0.0.1', port: p.etcdPeer, owner: 'etcd (peer)' },
    { host: nodeIP, port: p.apiserver, owner: 'kube-apiserver' },
    { host: '127.0.0.1', port: p.controllerManager, owner: 'kube-controller-manager' },
    { host: '127.0.0.1', port: p.scheduler, owner: 'kube-scheduler' },
    { host: nodeIP, port: p.kubelet, owner: 'kubelet' },
    { host: '127.0.0.1', port: p.kubeletHealthz, owner: 'kubelet (healthz)' },
    { host: '127.0.0.1', port: p.proxyHealthz, owner: 'kube-proxy (healthz)' },
    { host: '127.0.0.1', port: p.proxyMetrics, owner: 'kube-proxy (metrics)' },
    { host: nodeIP, port: p.dns, owner: 'coredns' },
    { host: '127.0.0.1', port: p.dnsHealth, owner: 'coredns (health)' },
    { host: '127.0.0.1', port: p.dnsReady, owner: 'coredns (ready)' },
    { host: '127.0.0.1', port: p.provisionerHealthz, owner: 'storage-provisioner (healthz)' },
  ];
}

export const apiServerURL = (l: ClusterLayout) => `https://${l.network.controlPlaneIP}:${l.ports.apiserver}`;
