/**
 * A lock that is a folder holding its owner's pid: `mkdir` is atomic, so one process at a time
 * holds it; a lock whose owner died is taken over. Used for builds into the shared cache, for
 * starting and stopping initc's dockerd, and by the tests that act on the whole machine.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isPidAlive } from './fsx.js';

/** A folder without its pid file is being taken (between mkdir and the write); this old, its taker died there. */
const HALF_TAKEN_STALE_MS = 10_000;

export interface DirLockOptions {
  /** How often a waiter looks again. */
  pollMs?: number;
  /** Give up after waiting this long for a live owner: `busy(owner)` is thrown. */
  timeoutMs?: number;
  busy?: (ownerPid: number) => Error;
}

/** Waits for the lock (saying once whom it waits for), takes it, and returns its release. */
export async function takeDirLock(lockDir: string, onWait: (ownerPid: number) => void, { pollMs = 2000, timeoutMs, busy }: DirLockOptions = {}): Promise<() => Promise<void>> {
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      await fs.writeFile(path.join(lockDir, 'pid'), String(process.pid));
      return () => fs.rm(lockDir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await fs.readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => '0'));
      if (!owner) {
        const age = await fs.stat(lockDir).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > HALF_TAKEN_STALE_MS) await fs.rm(lockDir, { recursive: true, force: true });
        else await new Promise((r) => setTimeout(r, Math.min(pollMs, 50)));
        continue;
      }
      if (!isPidAlive(owner)) {
        await fs.rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (timeoutMs !== undefined && Date.now() - started > timeoutMs) throw busy ? busy(owner) : new Error(`${lockDir} is held by pid ${owner}`);
      if (!announced) onWait(owner);
      announced = true;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
