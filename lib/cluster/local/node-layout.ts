/**
 * The nodes of an embedded cluster of several nodes (`--nodes N`). Node 0 is the cluster's own
 * layout (layout.ts): the control plane and the first kubelet, in the cluster's network namespace.
 * Each further node k is a layout of its own, derived here: a network namespace, containerd, kubelet,
 * kube-proxy and storage provisioner of its own, its folders under the cluster's (so `down` removes
 * them), its own cgroup root and its own /24 of the cluster's pod range. It reaches node 0 through a
 * veth pair between the two namespaces (never through the host): node k's address is .4k+1 of the
 * cluster's 10.253.<slot>.0/24, node 0's end of the link .4k+2 (node 0 and the host share .0/30).
 * Pure: the same cluster layout and index give the same node layout.
 *
 * Names of node k (k ≥ 1) carry `_node<k+1>`, which no cluster name can (names are lowercase
 * letters, digits and dashes): node 2 of cluster "mn" never takes what a cluster named "mn-node2"
 * would.
 */
import path from 'node:path';
import type { ClusterLayout } from './layout.js';
import { nodeFolders } from './layout.js';

/** At most this many nodes per embedded cluster (`--nodes 1..MAX_NODES`). */
export const MAX_NODES = 4;

/** What `--nodes` may be: a whole number 1..MAX_NODES; else why not. Pure. */
export function nodeCountProblem(n: unknown): string | undefined {
  if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_NODES) return `--nodes must be a whole number from 1 to ${MAX_NODES}, not ${String(n)}`;
  return undefined;
}

/** The first `count` octets of an address or range: ("10.253.4.1", 3) → "10.253.4". */
const octets = (ip: string, count: number) => ip.split('.').slice(0, count).join('.');

/** The third octet's share of node k (k ≥ 1): its address is .4k+1, node 0's end of their link .4k+2. */
const linkBase = (k: number) => 4 * k;

/** The layout of node `k` of the cluster laid out as `l` (node 0: `l` itself). */
export function nodeLayout(l: ClusterLayout, k: number): ClusterLayout {
  if (!Number.isInteger(k) || k < 0 || k >= MAX_NODES) throw new Error(`node index ${k} out of range 0..${MAX_NODES - 1}`);
  if (k === 0) return l;
  const tag = `node${k + 1}`;
  const dataDir = path.join(l.dataDir, 'nodes', tag);
  const runDir = path.join(l.runDir, 'nodes', tag);
  const prefix = octets(l.network.controlPlaneIP, 3);
  const podPrefix = octets(l.network.podCIDR, 2);
  return {
    ...l,
    nodeIndex: k,
    nodeName: `${l.context}-${tag}`,
    ...nodeFolders(dataDir, runDir),
    cgroupRoot: `${l.cgroupRoot}_${tag}`,
    network: {
      ...l.network,
      netns: `${l.network.netns}_${tag}`,
      // Node 0's end of the link (inside node 0's namespace); node k's end is nodeInterface.
      interface: tag,
      nodeIP: `${prefix}.${linkBase(k) + 1}`,
      hostIP: `${prefix}.${linkBase(k) + 2}`,
      nodePodCIDR: `${podPrefix}.${k}.0/24`,
    },
  };
}

/** Every node's layout of a cluster of `count` nodes, node 0 first. */
export const nodeLayouts = (l: ClusterLayout, count: number): ClusterLayout[] => Array.from({ length: count }, (_, k) => nodeLayout(l, k));

/** The extra nodes (1..MAX_NODES-1) any cluster could have: what `down` and `leftovers` look for, whatever the state file says. */
export const possibleExtraNodes = (l: ClusterLayout): ClusterLayout[] => Array.from({ length: MAX_NODES - 1 }, (_, i) => nodeLayout(l, i + 1));

/** The /30 of node k's link to node 0 (k ≥ 1), blackholed on the host. */
export const linkCIDR = (n: ClusterLayout) => `${octets(n.network.nodeIP, 3)}.${linkBase(n.nodeIndex)}/30`;

/** The state file's name of a node's process: node 0's as before (`kubelet`), node k's with its tag (`kubelet-node2`). */
export const processName = (n: Pick<ClusterLayout, 'nodeIndex'>, component: string) => (n.nodeIndex === 0 ? component : `${component}-node${n.nodeIndex + 1}`);

/** The component a process name names (`kubelet-node2` → `kubelet`). */
export const componentOf = (name: string) => name.replace(/-node\d+$/, '');
