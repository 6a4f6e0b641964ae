/**
 * Host state the cluster's processes leave behind even when they end: mounts (pod volumes,
 * overlay root filesystems, network namespaces) and cgroups. Found by path, so cleanup works
 * from any process, after a crash too.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { sleep } from '../../util/time.js';

/** Mount points from /proc/self/mountinfo that lie under one of `roots`, deepest first. */
export async function mountsUnder(roots: string[]): Promise<string[]> {
  const info = await fs.readFile('/proc/self/mountinfo', 'utf8');
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = info
    .split('\n')
    .filter(Boolean)
    .map((line) => unescape(line.split(' ')[4]!))
    .filter((p) => roots.some((r) => p === r || p.startsWith(r.endsWith('/') ? r : `${r}/`)));
  return [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
}

/** Unmounts every mount under `roots`; returns those that stayed. */
export async function unmountAll(roots: string[]): Promise<string[]> {
  for (let pass = 0; pass < 3; pass++) {
    const points = await mountsUnder(roots);
    if (!points.length) return [];
    for (const p of points) await execa('umount', ['-l', p], { reject: false });
  }
  return mountsUnder(roots);
}

/** The cgroup folders named `cgroupRoot` under each mounted hierarchy (v1 controllers, or the v2 root). */
export async function cgroupDirs(cgroupRoot: string): Promise<string[]> {
  const dirs: string[] = [];
  const base = '/sys/fs/cgroup';
  const candidates = [path.join(base, cgroupRoot)];
  for (const entry of await fs.readdir(base).catch(() => [] as string[])) candidates.push(path.join(base, entry, cgroupRoot));
  for (const dir of candidates) {
    if (await fs.stat(dir).then((s) => s.isDirectory(), () => false)) dirs.push(dir);
  }
  return [...new Set(dirs)];
}

async function walk(dir: string): Promise<string[]> {
  const out = [dir];
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) out.push(...(await walk(path.join(dir, e.name))));
  }
  return out;
}

export async function pidsInCgroups(cgroupRoot: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const top of await cgroupDirs(cgroupRoot)) {
    for (const dir of await walk(top)) {
      const procs = await fs.readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const p of procs.split('\n').filter(Boolean)) pids.add(Number(p));
    }
  }
  return [...pids];
}

/** Kills every process in the cluster's cgroups (the pods' containers), then removes the cgroups. Returns what stayed. */
export async function killAndRemoveCgroups(cgroupRoot: string): Promise<string[]> {
  for (let i = 0; i < 50; i++) {
    const pids = await pidsInCgroups(cgroupRoot);
    if (!pids.length) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(100);
  }
  const left: string[] = [];
  for (const top of await cgroupDirs(cgroupRoot)) {
    const dirs = (await walk(top)).sort((a, b) => b.length - a.length);
    for (const d of dirs) {
      await fs.rmdir(d).catch(() => left.push(d));
    }
  }
  return left.filter((d) => !d.includes('/.'));
}

/** Creates the cluster's cgroup in every v1 hierarchy: the kubelet requires its cgroupRoot to exist. */
export async function createCgroups(cgroupRoot: string): Promise<void> {
  const base = '/sys/fs/cgroup';
  if (await fs.stat(path.join(base, 'cgroup.controllers')).then(() => true, () => false)) {
    await fs.mkdir(path.join(base, cgroupRoot), { recursive: true }); // unified (v2) host
    return;
  }
  for (const entry of await fs.readdir(base)) {
    const hierarchy = path.join(base, entry);
    if (!(await fs.stat(path.join(hierarchy, 'cgroup.procs')).then(() => true, () => false))) continue;
    const dir = path.join(hierarchy, cgroupRoot);
    await fs.mkdir(dir, { recursive: true });
    if (entry.includes('cpuset')) {
      // A new cpuset cgroup has no cpus or mems until given its parent's.
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const parent = await fs.readFile(path.join(hierarchy, f), 'utf8').catch(() => '');
        if (parent.trim()) await fs.writeFile(path.join(dir, f), parent.trim()).catch(() => undefined);
      }
    }
  }
}
