/**
 * Checks made before the embedded cluster changes anything on the host, each failing with one
 * line and its own exit code: root, host tools, kernel features, free ports.
 */
import { promises as fs } from 'node:fs';
import net from 'node:net';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import { exists, onPath } from '../../util/fsx.js';
import { BUSYBOX } from './images.js';
import type { ClusterLayout, Endpoint } from './layout.js';
import { listenEndpoints } from './layout.js';

export const RUNC = '/usr/sbin/runc';

export function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new InitcError('notRoot', `${what} needs root (it creates network interfaces, mounts and cgroups); run it with sudo`);
  }
}

export async function checkHostTools(l: ClusterLayout): Promise<void> {
  const needed: Array<[string, string]> = [
    [RUNC, 'runc'],
    [BUSYBOX, 'busybox-static'],
    [`${l.cniBinDir}/ptp`, 'containernetworking-plugins'],
    [`${l.cniBinDir}/host-local`, 'containernetworking-plugins'],
    [`${l.cniBinDir}/loopback`, 'containernetworking-plugins'],
  ];
  for (const [file, pkg] of needed) {
    if (!(await exists(file))) throw new InitcError('missingHostFeature', `${file} is missing: install Debian's ${pkg} (scripts/setup does)`);
  }
  for (const [cmd, pkg] of [['ip', 'iproute2'], ['iptables', 'iptables'], ['openssl', 'openssl'], ['tar', 'tar']] as const) {
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

/** Resolves to the endpoint that cannot be bound, or undefined when it is free. */
function tryBind(e: Endpoint): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host: e.host, port: e.port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/**
 * Checks that the endpoints on `hosts` are free. Loopback ones are checked before anything is
 * built; the node address's only once its interface exists.
 */
export async function checkPorts(l: ClusterLayout, hosts: string[]): Promise<void> {
  for (const e of listenEndpoints(l).filter((x) => hosts.includes(x.host))) {
    const err = await tryBind(e);
    if (err?.code === 'EADDRINUSE') {
      throw new InitcError('portTaken', `port ${e.host}:${e.port} (for ${e.owner}) is already taken by another process; stop it, or \`initc cluster down\` a leftover cluster`);
    }
    if (err) throw new InitcError('missingHostFeature', `cannot listen on ${e.host}:${e.port} (for ${e.owner}): ${err.code ?? err.message}`);
  }
}
