/**
 * The further nodes of an embedded cluster (`--nodes N`, node-layout.ts) as a whole: checked free
 * before `up` changes anything, their networks made (each recorded in the state file first), and
 * undone or looked for by `down` and `leftovers`. Those two cover every node a cluster could
 * have, whatever the state file says (it may be gone, or from a crashed `up`), since each step
 * tolerates its part being absent.
 */
import type { ClusterLayout } from './layout.js';
import { killAndRemoveCgroups, cgroupDirs } from './host.js';
import { nodeLayouts, possibleExtraNodes } from './node-layout.js';
import { checkNodeNetworkFree, nodeNetworkLeftovers, setupNodeNetwork, teardownNodeNetwork } from './node-network.js';
import type { ClusterState } from './state.js';
import { writeState } from './state.js';

/** The nodes after node 0 of a cluster of `count` nodes. */
export const extraNodes = (zero: ClusterLayout, count: number): ClusterLayout[] => nodeLayouts(zero, count).slice(1);

export async function checkExtraNodesFree(zero: ClusterLayout, count: number): Promise<void> {
  for (const n of extraNodes(zero, count)) await checkNodeNetworkFree(n);
}

/** Makes each further node's network, recording its namespace in the state file before making it. Node 0's network exists. */
export async function setupExtraNetworks(zero: ClusterLayout, count: number, state: ClusterState): Promise<void> {
  for (const n of extraNodes(zero, count)) {
    state.network = { netns: zero.network.netns, ...state.network, nodeNetns: [...(state.network?.nodeNetns ?? []), n.network.netns] };
    await writeState(zero.stateFile, state);
    await setupNodeNetwork(zero, n);
  }
}

/** Kills what runs in the further nodes' pod cgroups and removes them (before their containerds stop, as for node 0). */
export async function killExtraNodePods(zero: ClusterLayout): Promise<string[]> {
  const left: string[] = [];
  for (const n of possibleExtraNodes(zero)) left.push(...(await killAndRemoveCgroups(n.cgroupRoot)).map((d) => `cgroup ${d}`));
  return left;
}

/** Removes every further node's network and cgroups; returns what it could not. */
export async function teardownExtraNodes(zero: ClusterLayout): Promise<string[]> {
  const problems = await killExtraNodePods(zero);
  for (const n of possibleExtraNodes(zero)) problems.push(...(await teardownNodeNetwork(n)));
  return problems;
}

/** What of any further node is still on the host: its network, its cgroups. */
export async function extraNodeLeftovers(zero: ClusterLayout): Promise<string[]> {
  const left: string[] = [];
  for (const n of possibleExtraNodes(zero)) {
    left.push(...(await nodeNetworkLeftovers(n)));
    left.push(...(await cgroupDirs(n.cgroupRoot)).map((d) => `cgroup ${d}`));
  }
  return left;
}
