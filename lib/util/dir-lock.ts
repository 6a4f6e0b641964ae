/**
 * A lock that is a folder holding its owner's pid: `mkdir` is atomic, so one process at a time
 * holds it; a lock whose owner died is taken over. Used for builds into the shared cache and by
 * the tests that act on the whole machine.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isPidAlive } from './fsx.js';

/** Waits for the lock (saying once whom it waits for), takes it, and returns its release. */
export async function takeDirLock(lockDir: string, onWait: (ownerPid: number) => void, pollMs = 2000): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      await fs.writeFile(path.join(lockDir, 'pid'), String(process.pid));
      return () => fs.rm(lockDir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await fs.readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => '0'));
      if (!owner || !isPidAlive(owner)) {
        await fs.rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!announced) onWait(owner);
      announced = true;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
