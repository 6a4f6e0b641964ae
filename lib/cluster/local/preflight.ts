/**
 * Checks made before the embedded cluster changes anything on the host, each failing with one
 * line and its own exit code: root, host tools, kernel features (the network the cluster would
 * take is checked free by network.ts).
 */
import { promises as fs } from 'node:fs';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import { exists, onPath } from '../../util/fsx.js';
import { BUSYBOX } from './images.js';
import type { ClusterLayout } from './layout.js';

export const RUNC = '/usr/sbin/runc';
/** The runc wrapper rewrites a held container's OCI spec with it (runc-hold.ts). */
export const JQ = '/usr/bin/jq';

export function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new InitcError('notRoot', `${what} needs root (it creates network interfaces, mounts and cgroups); run it with sudo`);
  }
}

export async function checkHostTools(l: ClusterLayout): Promise<void> {
  const needed: Array<[string, string]> = [
    [RUNC, 'runc'],
    [BUSYBOX, 'busybox-static'],
    [JQ, 'jq'],
    [`${l.cniBinDir}/ptp`, 'containernetworking-plugins'],
    [`${l.cniBinDir}/host-local`, 'containernetworking-plugins'],
    [`${l.cniBinDir}/loopback`, 'containernetworking-plugins'],
  ];
  for (const [file, pkg] of needed) {
    if (!(await exists(file))) throw new InitcError('missingHostFeature', `${file} is missing: install Debian's ${pkg} (scripts/setup does)`);
  }
  for (const [cmd, pkg] of [['ip', 'iproute2'], ['iptables', 'iptables'], ['nsenter', 'util-linux'], ['curl', 'curl'], ['openssl', 'openssl'], ['tar', 'tar']] as const) {
    if (!(await onPath(cmd))) throw new InitcError('missingHostFeature', `\`${cmd}\` is not on PATH: install Debian's ${pkg} (scripts/setup does)`);
  }
}

export async function checkKernel(): Promise<void> {
  const filesystems = await fs.readFile('/proc/filesystems', 'utf8');
  if (!/\toverlay$/m.test(filesystems)) {
    throw new InitcError('missingHostFeature', 'the kernel has no overlay filesystem (CONFIG_OVERLAY_FS): containerd cannot unpack images');
  }
  if (!(await exists('/proc/self/ns/net'))) throw new InitcError('missingHostFeature', 'the kernel has no network namespaces (CONFIG_NET_NS)');
  const v2 = await exists('/sys/fs/cgroup/cgroup.controllers');
  const v1Missing: string[] = [];
  if (!v2 || !(await fs.readFile('/sys/fs/cgroup/cgroup.controllers', 'utf8')).includes('memory')) {
    for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'devices', 'freezer']) {
      if (!(await exists(`/sys/fs/cgroup/${c}/cgroup.procs`))) v1Missing.push(c);
    }
    if (v1Missing.length) throw new InitcError('missingHostFeature', `cgroup controllers not mounted: ${v1Missing.join(', ')}`);
  }
  const ipt = await execa('iptables', ['-w', '-L', 'FORWARD', '-n'], { reject: false });
  if (ipt.exitCode !== 0) {
    throw new InitcError('missingHostFeature', `iptables cannot read the filter table (netfilter missing?): ${String(ipt.stderr).trim().split('\n').pop()}`);
  }
}
