/**
 * One lock per embedded cluster: whoever starts, stops or runs suites on it holds the lock file
 * for as long as it does, so a second `up`, `down` or `run` refuses at once (one line, exit 13)
 * instead of clobbering a cluster that is coming up or tearing down one that is in use. The file
 * names its holder by pid and kernel start time: a holder that died (kill -9) leaves a stale file,
 * which the next taker recognises and replaces. Taking it again in the same process is a no-op.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InitcError } from '../../errors.js';
import { isSameProcess, procStartTime } from './processes.js';

export interface LockHolder {
  pid: number;
  startTime: string;
  /** What the holder is doing, for the refusal: "initc run", "initc cluster down". */
  purpose: string;
  since: string;
}

export interface HeldLock {
  /** Gives the lock up (only the outermost take of this process removes the file). */
  release(): Promise<void>;
}

const held = new Map<string, number>();

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** The live holder of the lock, if any (a stale holder counts as none). */
export async function lockHolder(file: string): Promise<LockHolder | undefined> {
  const holder = await readHolder(file);
  return holder && (await isSameProcess(holder)) ? holder : undefined;
}

export async function takeLock(file: string, purpose: string, clusterName: string): Promise<HeldLock> {
  const release = async () => {
    const n = (held.get(file) ?? 1) - 1;
    if (n > 0) return void held.set(file, n);
    held.delete(file);
    const holder = await readHolder(file);
    if (holder?.pid === process.pid) await fs.rm(file, { force: true });
  };
  if (held.has(file)) {
    held.set(file, held.get(file)! + 1);
    return { release };
  }
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const me: LockHolder = { pid: process.pid, startTime: (await procStartTime(process.pid)) ?? '', purpose, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(file, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      held.set(file, 1);
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(file);
    if (holder && (await isSameProcess(holder))) {
      throw new InitcError('busy', `the embedded cluster "${clusterName}" is busy: \`${holder.purpose}\` (pid ${holder.pid}) holds it since ${holder.since}; wait for it to finish`);
    }
    // The holder died without releasing (or the file is half-written): take it over.
    await fs.rm(file, { force: true });
  }
  throw new InitcError('busy', `the embedded cluster "${clusterName}" is busy: its lock ${file} keeps changing hands`);
}
