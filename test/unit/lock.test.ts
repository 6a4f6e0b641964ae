/** The embedded cluster's lock, on a lock file in a temporary folder (never the host's cluster). */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode, InitcError } from '../../lib/errors.js';
import { lockHolder, takeLock } from '../../lib/cluster/local/lock.js';
import { procStartTime } from '../../lib/cluster/local/processes.js';

describe('embedded cluster lock', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-lock-'));
    file = path.join(dir, 'test.lock');
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('is taken, re-entered by the same process, and released by the outermost release only', async () => {
    const outer = await takeLock(file, 'initc run', 'test');
    expect((await lockHolder(file))?.purpose).to.equal('initc run');
    const inner = await takeLock(file, 'initc cluster down', 'test');
    await inner.release();
    expect((await lockHolder(file))?.pid, 'still held after the inner release').to.equal(process.pid);
    await outer.release();
    expect(await lockHolder(file)).to.equal(undefined);
    await fs.access(file).then(() => expect.fail('lock file left behind'), () => undefined);
  });

  it('refuses with exit code 13 while another live process holds it, naming the holder', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const startTime = await procStartTime(child.pid!);
      await fs.writeFile(file, JSON.stringify({ pid: child.pid, startTime, purpose: 'initc cluster up', since: '2026-01-01T00:00:00Z' }));
      const err = await takeLock(file, 'initc run', 'test').then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(InitcError);
      expect((err as InitcError).exitCode).to.equal(ExitCode.busy);
      expect((err as InitcError).message).to.equal(`the embedded cluster "test" is busy: \`initc cluster up\` (pid ${child.pid}) holds it since 2026-01-01T00:00:00Z; wait for it to finish`);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over the lock of a holder that died, and of a pid reused by another process', async () => {
    const child = spawn('true', { stdio: 'ignore' });
    await new Promise((r) => child.once('exit', r));
    await fs.writeFile(file, JSON.stringify({ pid: child.pid, startTime: '1', purpose: 'initc run', since: 'then' }));
    const a = await takeLock(file, 'initc run', 'test');
    expect((await lockHolder(file))?.pid).to.equal(process.pid);
    await a.release();
    // Our own pid with another start time: a dead holder whose pid was reused.
    await fs.writeFile(file, JSON.stringify({ pid: process.pid, startTime: 'not-ours', purpose: 'initc run', since: 'then' }));
    const b = await takeLock(file, 'initc run', 'test');
    expect((await lockHolder(file))?.startTime).to.equal(await procStartTime(process.pid));
    await b.release();
  });
});
