/**
 * The network of a node other than node 0 (node-layout.ts): a namespace of its own, joined to node
 * 0's namespace by a veth pair, never to the host. Node 0 routes the node's /24 of pods to it; the
 * node routes node 0's address, the pod range and the service range to node 0, and blackholes the
 * rest of its own /24, and has no other route, so none of its packets can reach the host or leave
 * the machine. Its guard chain lets pods talk only to pods and to node 0 (network.ts guardRules).
 * On the host only a blackhole for the link's /30, so not even the host's own packets for the
 * node's address leave the machine.
 */
import { InitcError } from '../../errors.js';
import type { ClusterLayout } from './layout.js';
import { downCommand } from './layout.js';
import { forwardThroughGuard, must, mustInside, netnsExists, run } from './network.js';
import { linkCIDR } from './node-layout.js';

/** `ip route` arguments inside node k's namespace (k ≥ 1), in order. Pure. */
export function nodeRoutes(n: ClusterLayout): string[][] {
  const { controlPlaneIP, hostIP, nodeInterface, podCIDR, serviceCIDR, nodePodCIDR } = n.network;
  const viaNodeZero = (dst: string) => ['replace', dst, 'via', hostIP, 'dev', nodeInterface];
  return [viaNodeZero(`${controlPlaneIP}/32`), viaNodeZero(podCIDR), viaNodeZero(serviceCIDR), ['replace', 'blackhole', nodePodCIDR]];
}

/** `ip route` arguments inside node 0's namespace for node k: its pods through their link. Pure. */
export const nodeZeroRoutes = (n: ClusterLayout): string[][] => [['replace', n.network.nodePodCIDR, 'via', n.network.nodeIP, 'dev', n.network.interface]];

/** Refuses, before anything changes, when node k's namespace or the host's route of its link exists already. */
export async function checkNodeNetworkFree(n: ClusterLayout): Promise<void> {
  if (await netnsExists(n)) throw new InitcError('portTaken', `network namespace ${n.network.netns} exists already; ${downCommand(n.name)} removes a leftover`);
  const route = (await run('ip', ['route', 'show', 'exact', linkCIDR(n)])).stdout.trim();
  if (route && !route.startsWith('blackhole')) throw new InitcError('portTaken', `the host routes ${linkCIDR(n)} (node ${n.nodeName} of the embedded cluster "${n.name}") already: \`${route}\``);
}

/** Makes node k's namespace and its link to node 0 (`zero`, whose namespace exists). */
export async function setupNodeNetwork(zero: ClusterLayout, n: ClusterLayout): Promise<void> {
  const { netns, interface: link, nodeInterface, nodeIP, hostIP } = n.network;
  await must('ip', ['route', 'replace', 'blackhole', linkCIDR(n)]);
  await must('ip', ['netns', 'add', netns]);
  await mustInside(zero, 'ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', nodeInterface, 'netns', netns]);
  await mustInside(zero, 'ip', ['addr', 'replace', `${hostIP}/30`, 'dev', link]);
  await mustInside(zero, 'ip', ['link', 'set', link, 'up']);
  await mustInside(n, 'ip', ['link', 'set', 'lo', 'up']);
  await mustInside(n, 'ip', ['addr', 'replace', `${nodeIP}/30`, 'dev', nodeInterface]);
  await mustInside(n, 'ip', ['link', 'set', nodeInterface, 'up']);
  for (const r of nodeRoutes(n)) await mustInside(n, 'ip', ['route', ...r]);
  for (const r of nodeZeroRoutes(n)) await mustInside(zero, 'ip', ['route', ...r]);
  await forwardThroughGuard(n);
}

/** Undoes setupNodeNetwork, tolerating any part already gone (the link goes with the namespace). Returns what it could not undo. */
export async function teardownNodeNetwork(n: ClusterLayout): Promise<string[]> {
  const problems: string[] = [];
  await run('ip', ['route', 'del', 'blackhole', linkCIDR(n)]);
  if (await netnsExists(n)) {
    const del = await run('ip', ['netns', 'del', n.network.netns]);
    if (!del.ok) problems.push(`network namespace ${n.network.netns}: ${del.stderr}`);
  }
  return problems;
}

/** What of node k's network is still on the host. */
export async function nodeNetworkLeftovers(n: ClusterLayout): Promise<string[]> {
  const left: string[] = [];
  if (await netnsExists(n)) left.push(`network namespace ${n.network.netns}`);
  const routes = (await run('ip', ['route', 'show', 'type', 'blackhole'])).stdout;
  if (routes.split('\n').some((r) => r.trim() === `blackhole ${linkCIDR(n)}`)) left.push(`blackhole route ${linkCIDR(n)}`);
  return left;
}
