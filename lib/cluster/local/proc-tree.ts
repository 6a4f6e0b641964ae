/**
 * The process tree of the host's /proc, for a crash of one sandbox: the shim that runs a sandbox
 * (the parent of its pause process) and every process under it, killed at once with SIGKILL, as
 * a power cut would end them. Only a shim of this cluster's containerd (its socket on the shim's
 * command line) is ever touched.
 */
import { promises as fs } from 'node:fs';

/** The parent pid from the text of /proc/<pid>/stat (its 4th field, after the command in parentheses). */
export function parentFromStat(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

async function parentOf(pid: number): Promise<number | undefined> {
  return parentFromStat(await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
}

/** Every process under `root` (children, theirs, ...), from one reading of /proc. */
async function descendantsOf(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = await parentOf(Number(entry));
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) for (const c of children.get(queue.shift()!) ?? []) (out.push(c), queue.push(c));
  return out;
}

/**
 * SIGKILLs the containerd shim whose child is `pausePid`, and every process under it; resolves with
 * the shim's pid and the others killed. Refuses a parent that is not a shim of `containerdSocket`.
 */
export async function killShimOf(pausePid: number, containerdSocket: string): Promise<{ shim: number; killed: number[] }> {
  const shim = await parentOf(pausePid);
  if (shim === undefined) throw new Error(`no parent found for pid ${pausePid}`);
  const cmdline = (await fs.readFile(`/proc/${shim}/cmdline`, 'utf8').catch(() => '')).split('\0');
  if (!cmdline[0]?.includes('containerd-shim') || !cmdline.includes(containerdSocket)) {
    throw new Error(`the parent of pid ${pausePid} (pid ${shim}: ${cmdline.join(' ').trim() || 'gone'}) is not a shim of ${containerdSocket}`);
  }
  const killed = await descendantsOf(shim);
  for (const pid of [shim, ...killed]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return { shim, killed };
}
