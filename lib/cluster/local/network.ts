/**
 * The node's network: a network namespace of its own, reached from the host through a veth pair
 * (node address inside, host address outside). Inside: loopback up, forwarding on, blackhole
 * routes for the pod and service ranges, and a guard chain in FORWARD that lets pods talk only to
 * pods; the namespace has no default route, so nothing of the cluster's can leave it. On the host:
 * the same ranges blackholed (no packet of the host's for a cluster address leaves the machine)
 * and a guard chain that forwards nothing into or out of the namespace. Teardown undoes it all,
 * tolerating a half-done setup; removing the namespace removes every rule made inside it (the
 * kubelet's and kube-proxy's too).
 */
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import type { ClusterLayout } from './layout.js';
import { downCommand } from './layout.js';

export interface NetworkState {
  /** The namespace setup made (recorded before it makes it, so down removes a half-made one). */
  netns: string;
  /** The namespaces of the further nodes (node-network.ts), each recorded before it is made. */
  nodeNetns?: string[];
}

export async function run(cmd: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await execa(cmd, args, { reject: false });
  return { ok: r.exitCode === 0, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '').trim() };
}

export async function must(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (!r.ok) throw new InitcError('componentFailed', `network setup: \`${cmd} ${args.join(' ')}\` failed: ${r.stderr}`);
}

/** The file `ip netns` keeps a namespace under, and the command prefix that runs a program in it. */
export const netnsPath = (l: ClusterLayout) => `/run/netns/${l.network.netns}`;
export const inNetns = (l: ClusterLayout, argv: string[]) => ['nsenter', `--net=${netnsPath(l)}`, '--', ...argv];

/** Runs `cmd` inside the cluster's namespace; a failure ends the setup. */
export const mustInside = (l: ClusterLayout, cmd: string, args: string[]) => {
  const [bin, ...rest] = inNetns(l, [cmd, ...args]);
  return must(bin!, rest);
};

/**
 * The guard chain's rules inside a node's namespace, in order (filter table). Pure, so tests read
 * them. Pods reach pods on every node (the cluster's whole range); on a node other than node 0,
 * whose pods reach the API server and CoreDNS (node 0's address) and are reached by node 0's own
 * processes (from its end of their link) through this node's FORWARD, those two addresses too.
 */
export function guardRules(l: ClusterLayout): string[][] {
  const { podCIDR, controlPlaneIP, hostIP } = l.network;
  const tag = ['-m', 'comment', '--comment', `initc cluster ${l.name}`];
  const toNodeZero = l.nodeIndex === 0 ? [] : [controlPlaneIP, hostIP].flatMap((ip) => [
    ['-s', podCIDR, '-d', `${ip}/32`, ...tag, '-j', 'ACCEPT'],
    ['-s', `${ip}/32`, '-d', podCIDR, ...tag, '-j', 'ACCEPT'],
  ]);
  return [
    ['-s', podCIDR, '-d', podCIDR, ...tag, '-j', 'ACCEPT'],
    ...toNodeZero,
    ['-s', podCIDR, ...tag, '-j', 'DROP'],
    ['-d', podCIDR, ...tag, '-j', 'DROP'],
    // Nothing else is forwarded in a namespace that only this cluster uses.
    [...tag, '-j', 'DROP'],
  ];
}

/** The host's guard chain: nothing forwarded into or out of the cluster's namespace. Pure. */
export function hostGuardRules(l: ClusterLayout): string[][] {
  const tag = ['-m', 'comment', '--comment', `initc cluster ${l.name}`];
  return [
    ['-i', l.network.interface, ...tag, '-j', 'DROP'],
    ['-o', l.network.interface, ...tag, '-j', 'DROP'],
  ];
}

/** A route of the host's own (not our blackhole) for exactly `cidr`, which a blackhole would replace. */
async function foreignRoute(cidr: string): Promise<string | undefined> {
  const r = await run('ip', ['route', 'show', 'exact', cidr]);
  const line = r.stdout.split('\n').map((x) => x.trim()).find(Boolean);
  return line && !line.startsWith('blackhole') ? line : undefined;
}

/**
 * Refuses, before anything changes, when the host already uses what this cluster would take: its
 * node or host address, its interface or namespace name (another cluster's leftovers), a route of
 * its ranges.
 */
export async function checkNetworkFree(l: ClusterLayout): Promise<void> {
  const { interface: dev, nodeIP, hostIP, podCIDR, serviceCIDR, netns } = l.network;
  const addrs = (await run('ip', ['-o', '-4', 'addr', 'show'])).stdout;
  for (const ip of [nodeIP, hostIP]) {
    const holder = addrs.split('\n').find((line) => line.includes(` ${ip}/`));
    if (holder) throw new InitcError('portTaken', `address ${ip} (of the embedded cluster "${l.name}") is already on interface ${holder.trim().split(/\s+/)[1]}; remove it, or ${downCommand(l.name)} a leftover cluster`);
  }
  for (const cidr of [podCIDR, serviceCIDR]) {
    const route = await foreignRoute(cidr);
    if (route) throw new InitcError('portTaken', `the host routes ${cidr} (a range of the embedded cluster "${l.name}") already: \`${route}\``);
  }
  if ((await run('ip', ['link', 'show', dev])).ok) throw new InitcError('portTaken', `interface ${dev} (of the embedded cluster "${l.name}") exists already; ${downCommand(l.name)} removes a leftover`);
  if (await netnsExists(l)) {
    throw new InitcError('portTaken', `network namespace ${netns} exists already; ${downCommand(l.name)} removes a leftover`);
  }
}

/** Forwarding on inside the node's namespace, through its guard chain only. */
export async function forwardThroughGuard(l: ClusterLayout): Promise<void> {
  const { guardChain } = l.network;
  // /proc/sys/net shows the namespace of whoever opens it.
  await mustInside(l, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
  await mustInside(l, 'iptables', ['-w', '-N', guardChain]);
  for (const rule of guardRules(l)) await mustInside(l, 'iptables', ['-w', '-A', guardChain, ...rule]);
  await mustInside(l, 'iptables', ['-w', '-I', 'FORWARD', '1', '-j', guardChain]);
}

export async function setupNetwork(l: ClusterLayout): Promise<NetworkState> {
  const { netns, interface: dev, nodeInterface, nodeIP, hostIP, podCIDR, serviceCIDR, hostGuardChain } = l.network;
  await must('ip', ['netns', 'add', netns]);
  await must('ip', ['link', 'add', dev, 'type', 'veth', 'peer', 'name', nodeInterface, 'netns', netns]);
  await must('ip', ['addr', 'replace', `${hostIP}/30`, 'dev', dev]);
  await must('ip', ['link', 'set', dev, 'up']);
  await mustInside(l, 'ip', ['link', 'set', 'lo', 'up']);
  await mustInside(l, 'ip', ['addr', 'replace', `${nodeIP}/30`, 'dev', nodeInterface]);
  await mustInside(l, 'ip', ['link', 'set', nodeInterface, 'up']);
  for (const cidr of [podCIDR, serviceCIDR]) {
    await mustInside(l, 'ip', ['route', 'replace', 'blackhole', cidr]);
    await must('ip', ['route', 'replace', 'blackhole', cidr]);
  }
  await forwardThroughGuard(l);

  await run('iptables', ['-w', '-N', hostGuardChain]);
  await must('iptables', ['-w', '-F', hostGuardChain]);
  for (const rule of hostGuardRules(l)) await must('iptables', ['-w', '-A', hostGuardChain, ...rule]);
  if (!(await run('iptables', ['-w', '-C', 'FORWARD', '-j', hostGuardChain])).ok) {
    await must('iptables', ['-w', '-I', 'FORWARD', '1', '-j', hostGuardChain]);
  }
  return { netns };
}

/** Undo setupNetwork; each step tolerates its part being already gone. Returns what it could not undo. */
export async function teardownNetwork(l: ClusterLayout): Promise<string[]> {
  const { netns, interface: dev, podCIDR, serviceCIDR, hostGuardChain } = l.network;
  const problems: string[] = [];
  while ((await run('iptables', ['-w', '-D', 'FORWARD', '-j', hostGuardChain])).ok) {
    /* remove every jump, in case setup ran twice */
  }
  if ((await run('iptables', ['-w', '-L', hostGuardChain, '-n'])).ok) {
    await run('iptables', ['-w', '-F', hostGuardChain]);
    const del = await run('iptables', ['-w', '-X', hostGuardChain]);
    if (!del.ok) problems.push(`iptables chain ${hostGuardChain}: ${del.stderr}`);
  }
  for (const cidr of [podCIDR, serviceCIDR]) await run('ip', ['route', 'del', 'blackhole', cidr]);
  if ((await run('ip', ['link', 'show', dev])).ok) {
    const del = await run('ip', ['link', 'del', dev]);
    if (!del.ok) problems.push(`interface ${dev}: ${del.stderr}`);
  }
  if (await netnsExists(l)) {
    const del = await run('ip', ['netns', 'del', netns]);
    if (!del.ok) problems.push(`network namespace ${netns}: ${del.stderr}`);
  }
  return problems;
}

export async function netnsExists(l: ClusterLayout): Promise<boolean> {
  return (await run('ip', ['netns', 'list'])).stdout.split('\n').some((x) => x.split(' ')[0] === l.network.netns);
}

/** What of this cluster's network is still present (for status and for the test that down left nothing). */
export async function networkLeftovers(l: ClusterLayout): Promise<string[]> {
  const left: string[] = [];
  if (await netnsExists(l)) left.push(`network namespace ${l.network.netns}`);
  if ((await run('ip', ['link', 'show', l.network.interface])).ok) left.push(`interface ${l.network.interface}`);
  if ((await run('iptables', ['-w', '-L', l.network.hostGuardChain, '-n'])).ok) left.push(`iptables chain ${l.network.hostGuardChain}`);
  const routes = (await run('ip', ['route', 'show', 'type', 'blackhole'])).stdout;
  for (const cidr of [l.network.podCIDR, l.network.serviceCIDR]) if (routes.split('\n').some((r) => r.trim() === `blackhole ${cidr}`)) left.push(`blackhole route ${cidr}`);
  return left;
}
