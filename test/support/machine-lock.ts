/**
 * The tests that run `initc gc` without --kubeconfig act on the whole machine: it deletes the kind
 * clusters and stops the embedded clusters of dead runs, whichever test made them. `npm test` runs
 * test files side by side (test/support/lanes.ts), so each such test holds this lock from making
 * its dead run to its last check: no other gc sees, or removes, what it made in between.
 */
import os from 'node:os';
import path from 'node:path';
import { takeDirLock } from '../../lib/util/dir-lock.js';

export async function withMachineGcLock<T>(work: () => Promise<T>, lockDir = path.join(os.tmpdir(), 'initc-test-machine-gc.lock')): Promise<T> {
  const release = await takeDirLock(lockDir, (owner) => console.log(`    (waiting for the machine-wide gc of another test, pid ${owner})`), 500);
  try {
    return await work();
  } finally {
    await release();
  }
}
