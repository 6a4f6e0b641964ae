/**
 * Where the embedded cluster keeps its files and which addresses and ports it takes. Pure: the
 * same inputs give the same layout, so `down` finds what `up` made even after a crash.
 */
import path from 'node:path';

export interface Endpoint {
  host: string;
  port: number;
  /** Who listens there, for the "port already taken" message. */
  owner: string;
}

export interface ClusterLayout {
  name: string;
  nodeName: string;
  /** Persistent data: etcd, containerd root, kubelet root, PKI, configs, logs. */
  dataDir: string;
  /** Runtime files: sockets, containerd state, network namespaces. */
  runDir: string;
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
  /** cgroup (relative to each v1 controller's root) holding every pod, so down finds them all. */
  cgroupRoot: string;
  network: {
    /** The dummy interface the cluster creates; it carries nodeIP. */
    interface: string;
    nodeIP: string;
    podCIDR: string;
    serviceCIDR: string;
    apiServiceIP: string;
    dnsServiceIP: string;
    clusterDomain: string;
    /** iptables chain (filter table) that keeps pod traffic on this machine. */
    guardChain: string;
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
  };
}

export const CLUSTER_NAME = 'initc';

export function clusterLayout(opts: { dataRoot?: string; runRoot?: string } = {}): ClusterLayout {
  const name = CLUSTER_NAME;
  const dataDir = path.join(opts.dataRoot ?? '/var/lib/initc', name);
  const runDir = path.join(opts.runRoot ?? '/run/initc', name);
  return {
    name,
    nodeName: `${name}-node`,
    dataDir,
    runDir,
    pkiDir: path.join(dataDir, 'pki'),
    logDir: path.join(dataDir, 'logs'),
    configDir: path.join(dataDir, 'config'),
    stateFile: path.join(runDir, 'state.json'),
    lockFile: path.join(path.dirname(runDir), `${name}.lock`),
    kubeconfig: path.join(dataDir, 'kubeconfig'),
    etcdDataDir: path.join(dataDir, 'etcd'),
    kubeletRootDir: path.join(dataDir, 'kubelet'),
    containerdRoot: path.join(dataDir, 'containerd'),
    containerdState: path.join(runDir, 'containerd'),
    containerdSocket: path.join(runDir, 'containerd.sock'),
    cniConfDir: path.join(dataDir, 'cni', 'net.d'),
    cniIpamDir: path.join(dataDir, 'cni', 'ipam'),
    cniBinDir: '/usr/lib/cni',
    cgroupRoot: `/${name}`,
    network: {
      interface: `${name}0`,
      nodeIP: '10.253.0.1',
      podCIDR: '10.244.0.0/16',
      serviceCIDR: '10.96.0.0/16',
      apiServiceIP: '10.96.0.1',
      dnsServiceIP: '10.96.0.10',
      clusterDomain: 'cluster.local',
      guardChain: 'INITC-GUARD',
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
    },
  };
}

/** Every TCP endpoint a component will listen on; checked free before anything starts. */
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
  ];
}

export const apiServerURL = (l: ClusterLayout) => `https://${l.network.nodeIP}:${l.ports.apiserver}`;
