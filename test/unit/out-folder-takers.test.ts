/**
 * Two runs that take the same --out folder at the same moment (two CI jobs in one working
 * directory): never both write into it; without --out, the second writes to reports-2.
 */
import { promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../lib/errors.js';
import { claimDefaultRunFolder, claimRunFolder, randomPauseMs, refuseLiveOwner, takeFolder } from '../../lib/report/out-folder.js';
import type { FolderOwner } from '../../lib/report/plan.js';
import { processStartTime } from '../../lib/util/proc.js';
import { initc } from '../support/cli.js';

const owner = (pid: number, host = os.hostname()): FolderOwner => ({ host, pid, startTime: String(1000 + pid), command: `initc run (${pid})` });
const markerOf = (o: FolderOwner) => `.initc-owner-${o.host}-${o.pid}-${o.startTime}`;
/** Processes alive by pid (the test's own bookkeeping, not the machine's). */
const aliveAmong = (pids: number[]) => async (o: FolderOwner) => pids.includes(o.pid) && o.startTime === String(1000 + o.pid);
const settled = async (p: Promise<unknown>) => p.then(() => 'took', (e: { exitCode?: number; message: string }) => `refused ${e.exitCode}: ${e.message}`);

describe('an --out folder taken by two runs at once', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-takers-'))));
  afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

  it('a live run\'s marker refuses the folder (exit 13, naming its pid and command) and the refused run withdraws its own marker; the earlier results stay', async () => {
    await fs.writeFile(path.join(dir, markerOf(owner(11))), JSON.stringify(owner(11)));
    await fs.writeFile(path.join(dir, 'results.json'), '{}');
    const err = await claimRunFolder(dir, owner(22), aliveAmong([11, 22]), []).then(() => undefined, (e: { exitCode: number; message: string }) => e);
    expect(err?.exitCode).to.equal(ExitCode.busy);
    expect(err?.message).to.equal(`${dir} is the --out folder of a live run (pid 11: initc run (11)); give this one another --out`);
    expect((await fs.readdir(dir)).sort()).to.deep.equal([markerOf(owner(11)), 'results.json']);
  });

  it('a dead run\'s marker is removed and the folder taken; another machine\'s marker is left alone (its process cannot be asked)', async () => {
    const elsewhere = owner(33, 'another-host');
    for (const o of [owner(11), elsewhere]) await fs.writeFile(path.join(dir, markerOf(o)), JSON.stringify(o));
    await fs.writeFile(path.join(dir, 'results.json'), '{}');
    expect(await claimRunFolder(dir, owner(22), aliveAmong([22, 33]))).to.deep.equal(['results.json']);
    expect((await fs.readdir(dir)).sort()).to.deep.equal([markerOf(elsewhere), markerOf(owner(22))].sort());
    expect(JSON.parse(await fs.readFile(path.join(dir, markerOf(owner(22))), 'utf8'))).to.deep.equal(owner(22));
  });

  it('a taker that found a live marker looks once more after its pause: a peer that withdrew in the meantime leaves it the folder', async () => {
    const peer = path.join(dir, markerOf(owner(11)));
    await fs.writeFile(peer, JSON.stringify(owner(11)));
    let pauses = 0;
    // The peer (alive) withdraws its marker while this taker pauses.
    await takeFolder(dir, owner(22), aliveAmong([11, 22]), () => (pauses++, rmSync(peer), 0));
    expect(pauses).to.equal(1);
    expect(await fs.readdir(dir)).to.deep.equal([markerOf(owner(22))]);
    // A free folder: no pause at all.
    const free = path.join(dir, 'free');
    await takeFolder(free, owner(22), aliveAmong([22]), () => (pauses++, 0));
    expect(pauses).to.equal(1);
  });

  it('the pause is random, 20 to 220 ms', () => {
    const pauses = Array.from({ length: 200 }, randomPauseMs);
    expect(pauses.every((p) => p >= 20 && p < 220), pauses.join(' ')).to.equal(true);
    expect(new Set(pauses).size).to.be.greaterThan(100);
    expect(Math.max(...pauses)).to.be.greaterThan(120);
  });

  it('a live holder whose marker cannot be read is named by its pid alone (command "initc")', async () => {
    await fs.writeFile(path.join(dir, markerOf(owner(11))), 'not json');
    const err = await takeFolder(dir, owner(22), aliveAmong([11, 22]), () => 0).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal(`${dir} is the --out folder of a live run (pid 11: initc); give this one another --out`);
  });

  it('a dead marker another taker removes at the same moment is no error', async () => {
    const dead = path.join(dir, markerOf(owner(11)));
    await fs.writeFile(dead, '{}');
    // The other taker removes it while this one asks whether its process lives.
    await takeFolder(dir, owner(22), async (o) => (o.pid === 11 ? (await fs.rm(dead), false) : true));
    expect(await fs.readdir(dir)).to.deep.equal([markerOf(owner(22))]);
  });

  it('a recycled pid (same pid, another start time) is a dead run', async () => {
    await fs.writeFile(path.join(dir, `.initc-owner-${os.hostname()}-11-999`), '{}');
    await takeFolder(dir, owner(22), aliveAmong([11, 22]));
    expect(await fs.readdir(dir)).to.deep.equal([markerOf(owner(22))]);
  });

  it('two takers at the same moment: never both take it; with different pauses exactly one takes it and the other is refused naming it', async () => {
    for (let round = 0; round < 30; round++) {
      const d = path.join(dir, `same-${round}`);
      const both = await Promise.all([settled(takeFolder(d, owner(1), aliveAmong([1, 2]), () => 0)), settled(takeFolder(d, owner(2), aliveAmong([1, 2]), () => 0))]);
      expect(both.filter((r) => r === 'took').length, `round ${round}: ${both.join(' / ')}`).to.be.at.most(1);
    }
    const d = path.join(dir, 'paused');
    const both = await Promise.all([settled(takeFolder(d, owner(1), aliveAmong([1, 2]), () => 10)), settled(takeFolder(d, owner(2), aliveAmong([1, 2]), () => 150))]);
    // Whichever looked first, or came back first after both withdrew, has it; the other names it.
    const winner = both.indexOf('took') + 1;
    expect(winner, both.join(' / ')).to.be.oneOf([1, 2]);
    expect(both[2 - winner]).to.equal(`refused ${ExitCode.busy}: ${d} is the --out folder of a live run (pid ${winner}: initc run (${winner})); give this one another --out`);
    expect(await fs.readdir(d)).to.deep.equal([markerOf(owner(winner))]);
  });

  it('control: the plan.json check alone lets two runs that start at the same moment both take the folder', async () => {
    const both = await Promise.all([settled(refuseLiveOwner(dir, owner(1), aliveAmong([1, 2]))), settled(refuseLiveOwner(dir, owner(2), aliveAmong([1, 2])))]);
    expect(both).to.deep.equal(['took', 'took']);
  });

  it('without --out: reports while no live run holds it, else the first of reports-2, reports-3, … that none holds, saying which were busy; refused when all are', async () => {
    const base = path.join(dir, 'reports');
    expect(await claimDefaultRunFolder(base, owner(1), aliveAmong([1, 2, 3]))).to.deep.equal({ dir: base, removed: [], busy: [] });
    expect(await claimDefaultRunFolder(base, owner(2), aliveAmong([1, 2, 3]))).to.deep.equal({ dir: `${base}-2`, removed: [], busy: [`${base} is the --out folder of a live run (pid 1: initc run (1))`] });
    const third = await claimDefaultRunFolder(base, owner(3), aliveAmong([1, 2, 3]));
    expect(third.dir).to.equal(`${base}-3`);
    expect(third.busy).to.deep.equal([`${base} is the --out folder of a live run (pid 1: initc run (1))`, `${base}-2 is the --out folder of a live run (pid 2: initc run (2))`]);
    // Run 1 ended: its folder is free again.
    expect((await claimDefaultRunFolder(base, owner(4), aliveAmong([2, 3, 4]))).dir).to.equal(base);
    // The last of the tries is tried: base and base-2 held, base-3 free (its run ended).
    expect((await claimDefaultRunFolder(base, owner(6), aliveAmong([2, 4, 6]), 3)).dir).to.equal(`${base}-3`);
    const err = await claimDefaultRunFolder(base, owner(5), aliveAmong([2, 4, 5, 6]), 3).then(() => undefined, (e: { exitCode: number; message: string }) => e);
    expect(err?.exitCode).to.equal(ExitCode.busy);
    expect(err?.message).to.equal(`${base} and ${base}-2 … ${base}-3 are the --out folders of live runs; give this one --out`);
  });

  it('without --out, a folder that cannot be made is that error, not a busy one', async () => {
    await fs.writeFile(path.join(dir, 'reports'), 'a file');
    const err = await claimDefaultRunFolder(path.join(dir, 'reports'), owner(1), aliveAmong([1])).then(() => undefined, (e: NodeJS.ErrnoException) => e);
    expect(err?.code).to.equal('EEXIST');
  });

  it('`initc run` without --out in a folder whose reports/ a live run holds writes to reports-2 and says so', async () => {
    const me: FolderOwner = { host: os.hostname(), pid: process.pid, startTime: (await processStartTime(process.pid))!, command: 'mocha' };
    await fs.mkdir(path.join(dir, 'reports'));
    await fs.writeFile(path.join(dir, 'reports', markerOf(me)), JSON.stringify(me));
    const r = await initc(['run', '--kubeconfig', '/nonexistent/initc-test-kubeconfig', '--suite', 'order'], { cwd: dir });
    expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.kubeconfig);
    expect(String(r.stderr)).to.include(`${path.join(dir, 'reports')} is the --out folder of a live run (pid ${process.pid}: mocha): this run writes to ${path.join(dir, 'reports-2')}`);
    expect((await fs.readdir(path.join(dir, 'reports'))), 'the live run\'s folder untouched').to.deep.equal([markerOf(me)]);
    expect((await fs.readdir(path.join(dir, 'reports-2'))).filter((n) => !n.startsWith('.initc-owner-')).sort()).to.deep.equal(['allure-results', 'plan.json']);
  });
});
