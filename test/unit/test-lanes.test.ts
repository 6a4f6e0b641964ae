import { spawn } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { markDockerUser, otherDockerUsers } from '../../lib/cluster/kind/docker.js';
import { takeDirLock } from '../../lib/util/dir-lock.js';
import { projectRoot } from '../../lib/util/paths.js';
import type { GroupOutcome, TestGroup } from '../support/lanes.js';
import { defaultLanes, formatOutcomes, HOLD_FOR_BUILD_MS, judgeGroups, laterVersionsOf, longestFirst, nextReady, parseTally, planProblems, TEST_GROUPS } from '../support/lanes.js';

const integrationFiles = readdirSync(path.join(projectRoot(), 'test', 'integration'))
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => `test/integration/${f}`);

const group = (name: string, files: string[], seconds = 10): TestGroup => ({ name, files, seconds });
const outcome = (name: string, exitCode: number | null, tally?: [number, number, number], extra: Partial<GroupOutcome> = {}): GroupOutcome => ({
  name,
  exitCode,
  tally: tally && { passed: tally[0], failed: tally[1], skipped: tally[2] },
  seconds: 12.4,
  ...extra,
});

describe('npm test in groups side by side (test/support/lanes.ts)', () => {
  describe('the plan', () => {
    it('runs one group more than the cores at once by default, from 2 to at most 8', () => {
      expect([0, 1, 2, 4, 7, 8, 64].map(defaultLanes)).to.deep.equal([2, 2, 3, 5, 8, 8, 8]);
    });

    it('puts every integration test file in exactly one group, and the unit tests in one', () => {
      expect(integrationFiles.length).to.be.at.least(15);
      expect(planProblems(TEST_GROUPS, integrationFiles)).to.deep.equal([]);
      expect(TEST_GROUPS.filter((g) => g.files.includes('test/unit/**/*.test.ts')).map((g) => g.name)).to.deep.equal(['unit']);
    });

    it('keeps together the files that share the default cluster; the one that makes dead runs\' clusters runs alone', () => {
      const owner = (file: string) => TEST_GROUPS.find((g) => g.files.includes(`test/integration/${file}.test.ts`))!;
      expect(owner('local-cluster').name).to.equal(owner('results-ownership').name);
      expect(owner('local-cluster').files.indexOf('test/integration/local-cluster.test.ts')).to.equal(0);
      for (const f of ['kind', 'kind-multinode', 'kind-node-access', 'check']) expect(owner(f).docker, f).to.equal(true);
      expect(TEST_GROUPS.filter((g) => g.docker).map((g) => g.name)).to.deep.equal(['kind', 'orphans']);
      // One kind cluster at a time: the three that share one (kind's last test deletes it), then the two-node one.
      expect(owner('kind').files, 'one kind cluster at a time').to.deep.equal(['kind-node-access', 'check', 'kind', 'kind-multinode'].map((f) => `test/integration/${f}.test.ts`));
      expect(TEST_GROUPS.filter((g) => g.alone).map((g) => g.files)).to.deep.equal([['test/integration/orphans.test.ts']]);
    });

    it('names a file in no group, a file in two, a name that is no test file, an empty group and a name used twice', () => {
      const files = ['test/integration/a.test.ts', 'test/integration/b.test.ts', 'test/integration/c.test.ts'];
      const plan = [
        group('one', ['test/integration/a.test.ts', 'test/integration/gone.test.ts']),
        group('two', ['test/integration/a.test.ts']),
        group('two', []),
        group('unit', ['test/unit/**/*.test.ts', 'test/integration/b.test.ts']),
      ];
      expect(planProblems(plan, files)).to.deep.equal([
        'group two has no file',
        'two groups are named two',
        'test/integration/c.test.ts is in no group: it would not run',
        'test/integration/a.test.ts is in groups one and two',
        'test/integration/gone.test.ts (group one) is no test file',
      ]);
      expect(planProblems([group('all', [...files])], files)).to.deep.equal([]);
    });

    it('starts the longest group first, ties in the plan\'s order, and those that run alone after all others', () => {
      const alone = (g: TestGroup) => ({ ...g, alone: true });
      const order = longestFirst([alone(group('z', ['x'], 99)), group('a', ['x'], 5), group('b', ['x'], 30), alone(group('y', ['x'], 1)), group('c', ['x'], 5), group('d', ['x'], 31)]).map((g) => g.name);
      expect(order).to.deep.equal(['d', 'b', 'a', 'c', 'z', 'y']);
      expect(longestFirst(TEST_GROUPS).slice(0, 2).map((g) => g.name)).to.deep.equal(['kind', 'default-cluster']);
    });

    it('a group that needs a later version waits for its build; the next group that needs nothing more runs meanwhile', () => {
      const later = (g: TestGroup, versions: string[]) => ({ ...g, laterVersions: versions });
      const pending = [later(group('side', ['x'], 90), ['1.36']), later(group('both', ['x'], 80), ['1.36', '1.35']), group('plain', ['x'], 70)];
      expect(nextReady(pending, new Set())?.name).to.equal('plain');
      expect(nextReady(pending, new Set(['1.35']))?.name).to.equal('plain');
      expect(nextReady(pending, new Set(['1.36']))?.name).to.equal('side');
      expect(nextReady(pending.slice(1), new Set(['1.36']))?.name).to.equal('plain');
      expect(nextReady(pending.slice(1), new Set(['1.36', '1.35']))?.name).to.equal('both');
      expect(nextReady(pending.slice(0, 2), new Set(['1.35']))).to.equal(undefined);
      expect(nextReady([], new Set(['1.36']))).to.equal(undefined);
      expect(laterVersionsOf(pending)).to.deep.equal(['1.36', '1.35']);
      expect(laterVersionsOf([group('plain', ['x'])])).to.deep.equal([]);
    });

    it('in the lanes\' first seconds a free lane holds for the longest group\'s build rather than start a shorter group', () => {
      const side = { ...group('side', ['x'], 90), laterVersions: ['1.36'] };
      const pending = [side, group('plain', ['x'], 70), group('short', ['x'], 5)];
      expect(nextReady(pending, new Set(), true)).to.equal(undefined);
      expect(nextReady(pending, new Set(['1.36']), true)?.name).to.equal('side');
      expect(nextReady(pending.slice(1), new Set(), true)?.name, 'the first needs no build').to.equal('plain');
      expect(nextReady(pending, new Set(), false)?.name).to.equal('plain');
      expect(nextReady([], new Set(), true)).to.equal(undefined);
      expect(HOLD_FOR_BUILD_MS).to.be.within(10_000, 60_000);
    });

    it('builds 1.36 in the background for the group that brings it up (local-cluster\'s side-by-side and compare tests), and only for it', () => {
      expect(TEST_GROUPS.filter((g) => g.laterVersions).map((g) => [g.name, g.laterVersions])).to.deep.equal([['default-cluster', ['1.36']]]);
      expect(laterVersionsOf(TEST_GROUPS)).to.deep.equal(['1.36']);
    });
  });

  describe('parseTally', () => {
    it('reads the last "N passed, N failed, N skipped" line of a group\'s output', () => {
      const out = 'setup\n3 passed, 1 failed, 0 skipped\nmore\n  17 passed, 0 failed, 2 skipped\n120 passed, 14 failed, 25 skipped\ntrailing\n';
      expect(parseTally(out)).to.deep.equal({ passed: 120, failed: 14, skipped: 25 });
      expect(parseTally('1 passed, 0 failed, 0 skipped')).to.deep.equal({ passed: 1, failed: 0, skipped: 0 });
    });

    it('is none when the line is missing or only part of a line', () => {
      expect(parseTally('  12 passing (3s)\n')).to.equal(undefined);
      expect(parseTally('x 3 passed, 0 failed, 0 skipped\n')).to.equal(undefined);
      expect(parseTally('3 passed, 0 failed, 0 skipped y\n')).to.equal(undefined);
      expect(parseTally('')).to.equal(undefined);
    });
  });

  describe('judgeGroups', () => {
    it('passes when every group ended 0 with its line and none failed, adding the counts', () => {
      const v = judgeGroups([outcome('a', 0, [3, 0, 1]), outcome('b', 0, [4, 0, 0])], ['a', 'b']);
      expect(v).to.deep.equal({ ok: true, total: { passed: 7, failed: 0, skipped: 1 }, problems: [] });
    });

    it('fails on a failed test, a non-zero exit without failures, a missing line, a signal, a group with no pass, and a group that never ran', () => {
      const v = judgeGroups(
        [
          outcome('failed', 1, [5, 2, 0]),
          outcome('crashed', 3, [5, 0, 0]),
          outcome('silent', 0),
          outcome('killed', null, undefined, { signal: 'SIGKILL' }),
          outcome('empty', 0, [0, 0, 4]),
          outcome('fine', 0, [1, 0, 0]),
        ],
        ['failed', 'crashed', 'silent', 'killed', 'empty', 'fine', 'never'],
      );
      expect(v.ok).to.equal(false);
      expect(v.total).to.deep.equal({ passed: 11, failed: 2, skipped: 4 });
      expect(v.problems).to.deep.equal([
        'never: never ran',
        'failed: 2 failed (exit 1)',
        'crashed: exit 3 though none failed',
        'silent: exit 0 without its "N passed, N failed, N skipped" line',
        'killed: ended by SIGKILL without its "N passed, N failed, N skipped" line',
        'empty: no test passed',
      ]);
    });

    it('a run of no group is no pass', () => {
      expect(judgeGroups([], [])).to.deep.equal({ ok: false, total: { passed: 0, failed: 0, skipped: 0 }, problems: ['no test ran'] });
      expect(judgeGroups([outcome('a', 0, [1, 0, 0])], ['a']).ok).to.equal(true);
    });
  });

  it('formatOutcomes: a row per group, longest first, "-" where a group printed no line', () => {
    const text = formatOutcomes([outcome('unit', 0, [1700, 0, 0], { seconds: 95.6 }), outcome('default-cluster', 1, [40, 2, 1], { seconds: 402.2 }), outcome('kind', null, undefined, { seconds: 7 })]);
    expect(text.split('\n')).to.deep.equal([
      '  group             passed  failed skipped seconds',
      '  default-cluster       40       2       1     402',
      '  unit                1700       0       0      96',
      '  kind                   -       -       -       7',
    ]);
  });
});

describe('lib/util/dir-lock.ts and the Docker engine\'s users (on temporary folders)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-lanes-unit-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('takeDirLock: a second taker waits, saying for whom, until the first releases', async () => {
    const lock = path.join(dir, 'x.lock');
    const release = await takeDirLock(lock, () => expect.fail('the free lock waited'), { pollMs: 10 });
    expect(await fs.readFile(path.join(lock, 'pid'), 'utf8')).to.equal(String(process.pid));
    const waitedFor: number[] = [];
    let taken = false;
    const second = takeDirLock(lock, (owner) => waitedFor.push(owner), { pollMs: 10 }).then((r) => ((taken = true), r));
    await new Promise((r) => setTimeout(r, 60));
    expect([taken, waitedFor]).to.deep.equal([false, [process.pid]]);
    await release();
    await (await second)();
    expect(taken).to.equal(true);
    await fs.access(lock).then(() => expect.fail('the lock is left'), () => undefined);
  });

  it('takeDirLock: a lock whose owner died is taken over at once', async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.once('exit', r));
    const lock = path.join(dir, 'y.lock');
    await fs.mkdir(lock);
    await fs.writeFile(path.join(lock, 'pid'), String(dead.pid));
    const release = await takeDirLock(lock, () => expect.fail('waited for a dead owner'), { pollMs: 10 });
    expect(await fs.readFile(path.join(lock, 'pid'), 'utf8')).to.equal(String(process.pid));
    await release();
  });

  it('takeDirLock: a lock being taken (its folder made, its pid not yet written) is waited for, not taken over', async () => {
    const lock = path.join(dir, 'half.lock');
    await fs.mkdir(lock);
    let taken = false;
    const second = takeDirLock(lock, () => undefined, { pollMs: 10 }).then((r) => ((taken = true), r));
    await new Promise((r) => setTimeout(r, 150));
    expect(taken, 'took a lock whose taker had not yet written its pid').to.equal(false);
    await fs.writeFile(path.join(lock, 'pid'), String(process.pid));
    await fs.rm(lock, { recursive: true });
    await (await second)();
    expect(taken).to.equal(true);
  });

  it('takeDirLock: a folder left without a pid for long (its taker died between mkdir and write) is taken over', async () => {
    const lock = path.join(dir, 'old.lock');
    await fs.mkdir(lock);
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(lock, old, old);
    const release = await takeDirLock(lock, () => expect.fail('waited for nobody'), { pollMs: 10 });
    expect(await fs.readFile(path.join(lock, 'pid'), 'utf8')).to.equal(String(process.pid));
    await release();
  });

  it('takeDirLock: with a timeout, a live owner held past it is reported by busy(owner)', async () => {
    const lock = path.join(dir, 'busy.lock');
    const release = await takeDirLock(lock, () => undefined, { pollMs: 10 });
    const err = await takeDirLock(lock, () => undefined, { pollMs: 10, timeoutMs: 50, busy: (owner) => new Error(`held by ${owner}`) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal(`held by ${process.pid}`);
    await release();
  });

  it('otherDockerUsers: the live processes but this one; the files of dead or unreadable users are removed', async () => {
    await markDockerUser(dir);
    expect(await fs.readdir(dir)).to.deep.equal([String(process.pid)]);
    const sleeper = spawn('sleep', ['30']);
    try {
      const startTime = (await fs.readFile(`/proc/${sleeper.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')[19]!;
      await fs.writeFile(path.join(dir, String(sleeper.pid)), startTime);
      await fs.writeFile(path.join(dir, '999999999'), '1');
      await fs.writeFile(path.join(dir, 'junk'), '1');
      await fs.writeFile(path.join(dir, String(process.ppid)), 'not-its-start');
      expect(await otherDockerUsers(dir)).to.deep.equal([sleeper.pid]);
      expect((await fs.readdir(dir)).sort()).to.deep.equal([String(process.pid), String(sleeper.pid)].sort());
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
    }
    expect(await otherDockerUsers(dir)).to.deep.equal([]);
    expect(await fs.readdir(dir)).to.deep.equal([String(process.pid)]);
  });
});
