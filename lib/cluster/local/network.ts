/**
 * The node's network: an interface of its own (dummy, or an empty bridge) carrying the node address, blackhole routes for the pod
 * and service ranges (a missing rule fails here instead of sending a packet out), and a guard chain
 * in FORWARD that lets pods talk only to pods. Setup records what it changed; teardown undoes it
 * and tolerates a half-done setup.
 */
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import { InitcError } from '../../errors.js';
import type { ClusterLayout } from './layout.js';

export interface NetworkState {
  /** net.ipv4.ip_forward before this cluster turned it on. */
  ipForwardBefore: string;
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; stderr: string }> {
  const r = await execa(cmd, args, { reject: false });
  return { ok: r.exitCode === 0, stderr: String(r.stderr ?? '').trim() };
}

async function must(cmd: string, args: string[]): Promise<void> {
  const r = await run(cmd, args);
  if (!r.ok) throw new InitcError('componentFailed', `network setup: \`${cmd} ${args.join(' ')}\` failed: ${r.stderr}`);
}

/** The guard chain's rules, in order (filter table). Pure, so tests read them. */
export function guardRules(l: ClusterLayout, hostForwardedBefore: boolean): string[][] {
  const { podCIDR } = l.network;
  const tag = ['-m', 'comment', '--comment', `initc cluster ${l.name}`];
  const rules = [
    ['-s', podCIDR, '-d', podCIDR, ...tag, '-j', 'ACCEPT'],
    ['-s', podCIDR, ...tag, '-j', 'DROP'],
    ['-d', podCIDR, ...tag, '-j', 'DROP'],
  ];
  // Nothing was forwarded before this cluster turned forwarding on: keep it that way for non-pod traffic.
  if (!hostForwardedBefore) rules.push([...tag, '-j', 'DROP']);
  return rules;
}

export async function setupNetwork(l: ClusterLayout): Promise<NetworkState> {
  const { interface: dev, nodeIP, podCIDR, serviceCIDR, guardChain } = l.network;
  const ipForwardBefore = (await fs.readFile(IP_FORWARD, 'utf8')).trim();
  if (!(await run('ip', ['link', 'show', dev])).ok) {
    // A dummy interface is the natural holder of a local address; kernels without CONFIG_DUMMY
    // get an empty bridge instead, which holds an address just as well.
    const dummy = await run('ip', ['link', 'add', dev, 'type', 'dummy']);
    if (!dummy.ok) {
      const bridge = await run('ip', ['link', 'add', dev, 'type', 'bridge']);
      if (!bridge.ok) throw new InitcError('missingHostFeature', `cannot create the node interface ${dev} (kernel has neither CONFIG_DUMMY nor CONFIG_BRIDGE): ${dummy.stderr}; ${bridge.stderr}`);
    }
  }
  await must('ip', ['addr', 'replace', `${nodeIP}/32`, 'dev', dev]);
  await must('ip', ['link', 'set', dev, 'up']);
  for (const cidr of [podCIDR, serviceCIDR]) await must('ip', ['route', 'replace', 'blackhole', cidr]);

  await run('iptables', ['-w', '-N', guardChain]);
  await must('iptables', ['-w', '-F', guardChain]);
  for (const rule of guardRules(l, ipForwardBefore === '1')) await must('iptables', ['-w', '-A', guardChain, ...rule]);
  if (!(await run('iptables', ['-w', '-C', 'FORWARD', '-j', guardChain])).ok) {
    await must('iptables', ['-w', '-I', 'FORWARD', '1', '-j', guardChain]);
  }
  await fs.writeFile(IP_FORWARD, '1');
  return { ipForwardBefore };
}

/** Undo setupNetwork; each step tolerates its part being already gone. Returns what it could not undo. */
export async function teardownNetwork(l: ClusterLayout, state: NetworkState | undefined): Promise<string[]> {
  const { interface: dev, podCIDR, serviceCIDR, guardChain } = l.network;
  const problems: string[] = [];
  while ((await run('iptables', ['-w', '-D', 'FORWARD', '-j', guardChain])).ok) {
    /* remove every jump, in case setup ran twice */
  }
  if ((await run('iptables', ['-w', '-L', guardChain, '-n'])).ok) {
    await run('iptables', ['-w', '-F', guardChain]);
    const del = await run('iptables', ['-w', '-X', guardChain]);
    if (!del.ok) problems.push(`iptables chain ${guardChain}: ${del.stderr}`);
  }
  problems.push(...(await removeKubeChains()));
  for (const cidr of [podCIDR, serviceCIDR]) await run('ip', ['route', 'del', 'blackhole', cidr]);
  if ((await run('ip', ['link', 'show', dev])).ok) {
    const del = await run('ip', ['link', 'del', dev]);
    if (!del.ok) problems.push(`interface ${dev}: ${del.stderr}`);
  }
  if (state?.ipForwardBefore === '0') await fs.writeFile(IP_FORWARD, '0').catch(() => undefined);
  return problems;
}

const KUBE_TABLES = ['filter', 'nat', 'mangle'];
const BUILTIN_CHAINS = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);

/** KUBE-* chains in `iptables -S` output, and the rules of built-in chains that jump to them. Pure. */
export function kubeChainsIn(rulesText: string): { jumps: string[][]; chains: string[] } {
  const jumps: string[][] = [];
  const chains: string[] = [];
  for (const line of rulesText.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] === '-N' && words[1]?.startsWith('KUBE-')) chains.push(words[1]);
    if (words[0] === '-A' && BUILTIN_CHAINS.has(words[1] ?? '') && /-j KUBE-/.test(line)) jumps.push(words.slice(1));
  }
  return { jumps, chains };
}

/**
 * The kubelet and kube-proxy make KUBE-* chains (KUBE-FIREWALL, KUBE-KUBELET-CANARY, ...) in both
 * address families; `kube-proxy --cleanup` removes only its own. This removes the rest.
 */
export async function removeKubeChains(): Promise<string[]> {
  const problems: string[] = [];
  for (const bin of ['iptables', 'ip6tables']) {
    for (const table of KUBE_TABLES) {
      const listed = await execa(bin, ['-w', '-t', table, '-S'], { reject: false });
      if (listed.exitCode !== 0) continue;
      const { jumps, chains } = kubeChainsIn(String(listed.stdout));
      for (const rule of jumps) await run(bin, ['-w', '-t', table, '-D', ...unquote(rule)]);
      for (const chain of chains) await run(bin, ['-w', '-t', table, '-F', chain]);
      for (const chain of chains) {
        const del = await run(bin, ['-w', '-t', table, '-X', chain]);
        if (!del.ok) problems.push(`${bin} ${table}/${chain}: ${del.stderr}`);
      }
    }
  }
  return problems;
}

/** `iptables -S` quotes comments; as argv they must be unquoted again. */
function unquote(words: string[]): string[] {
  const out: string[] = [];
  let open: string[] | undefined;
  for (const w of words) {
    if (open) {
      open.push(w);
      if (w.endsWith('"')) {
        out.push(open.join(' ').slice(1, -1));
        open = undefined;
      }
    } else if (w.startsWith('"') && !(w.length > 1 && w.endsWith('"'))) open = [w];
    else out.push(w.replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/** What of this cluster's network is still present (for status and for the test that down left nothing). */
export async function networkLeftovers(l: ClusterLayout): Promise<string[]> {
  const left: string[] = [];
  if ((await run('ip', ['link', 'show', l.network.interface])).ok) left.push(`interface ${l.network.interface}`);
  if ((await run('iptables', ['-w', '-L', l.network.guardChain, '-n'])).ok) left.push(`iptables chain ${l.network.guardChain}`);
  const routes = (await execa('ip', ['route', 'show', 'type', 'blackhole'], { reject: false })).stdout;
  for (const cidr of [l.network.podCIDR, l.network.serviceCIDR]) if (routes.includes(cidr)) left.push(`blackhole route ${cidr}`);
  for (const bin of ['iptables', 'ip6tables']) {
    for (const table of KUBE_TABLES) {
      const rules = String((await execa(bin, ['-w', '-t', table, '-S'], { reject: false })).stdout ?? '');
      for (const chain of kubeChainsIn(rules).chains) left.push(`${bin} chain ${table}/${chain}`);
    }
  }
  return left;
}
