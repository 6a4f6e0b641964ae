/** `initc cluster status` of an embedded cluster: its processes, its nodes and their readiness, the server's version. */
import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../provider.js';
import type { ClusterLayout } from './layout.js';
import { nodeLayouts } from './node-layout.js';
import { isNodeReady } from './node-start.js';
import { isRunning } from './processes.js';
import type { ClusterState } from './state.js';
import { readState } from './state.js';

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
  /** Node 0's Ready condition. */
  nodeReady?: boolean;
  serverVersion?: string;
}

export async function fetchServerVersion(kc: KubeConfig): Promise<string> {
  return (await kc.makeApiClient(VersionApi).getCode()).gitVersion;
}

export async function clusterStatus(l: ClusterLayout): Promise<ClusterStatus> {
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
