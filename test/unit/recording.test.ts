/**
 * What the checks read from a recorded timeline (lib/checks/recording.ts): the failure message and
 * its "Timeline rows:" table, the STATUS sequence, and the runs of a container. Rows come from the
 * timelines recorded on a real cluster (test/fixtures/recordings).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AssertionError, expect } from 'chai';
import type { Recording, RecordedRow } from '../../lib/checks/recording.js';
import { attemptsOf, fail, formatRows, statusesOf } from '../../lib/checks/recording.js';
import { projectRoot } from '../../lib/util/paths.js';

const load = (name: string): Recording => JSON.parse(readFileSync(path.join(projectRoot(), 'test', 'fixtures', 'recordings', `${name}.json`), 'utf8')) as Recording;
const order = load('order-order');
const crashloop = load('onfailure-crashloop-onfailure');
const sidecars = load('sidecar-sidecars');
const row = (rec: Recording, seq: number): RecordedRow => structuredClone(rec.rows.find((r) => r.seq === seq)!);
/** A container's snapshot in a recorded row, looked up in the data (not with the code under test). */
const snapshotOf = (r: RecordedRow, name: string) => r.containers.find((c) => c.name === name)!;

const thrownBy = (f: () => unknown): Error => {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('nothing was thrown');
};

describe('recorded timelines (what the checks read)', () => {
  describe('fail', () => {
    it('throws an AssertionError saying what was expected and what was observed', () => {
      const err = thrownBy(() => fail('phase Running', 'phase Pending'));
      expect(err).to.be.instanceOf(AssertionError);
      expect(err.message).to.equal('expected phase Running; observed phase Pending');
    });
    it('adds no table when given no rows', () => {
      expect(thrownBy(() => fail('phase Running', 'phase Pending', [])).message).to.equal('expected phase Running; observed phase Pending');
    });
    it('quotes the rows it is given under "Timeline rows:"', () => {
      expect(thrownBy(() => fail('phase Running', 'phase Pending', [row(order, 8), row(order, 9)])).message).to.equal(
        'expected phase Running; observed phase Pending\nTimeline rows:\n' +
          '#8 t+8.79s Pending PodInitializing init-a:terminated(Completed) init-b:terminated(Completed) init-c:terminated(Completed) app:waiting(PodInitializing)\n' +
          '#9 t+9.89s Running Running init-a:terminated(Completed) init-b:terminated(Completed) init-c:terminated(Completed) app:running',
      );
    });
  });

  describe('formatRows', () => {
    it('prints one line per row: seq, seconds since the start, phase, STATUS and each container', () => {
      expect(formatRows([row(order, 1), row(order, 5)])).to.equal(
        '#1 t+0.71s Pending Pending \n' +
          '#5 t+5.75s Pending Init:1/3 init-a:terminated(Completed) init-b:running init-c:waiting(PodInitializing) app:waiting(PodInitializing)',
      );
    });
    it("marks a container's restarts with ↻", () => {
      expect(formatRows([row(crashloop, 7), row(crashloop, 8)])).to.equal(
        '#7 t+6.74s Pending Init:Error init-a:terminated(Completed) init-b:terminated(Error)↻1 init-c:waiting(PodInitializing) app:waiting(PodInitializing)\n' +
          '#8 t+7.93s Pending Init:CrashLoopBackOff init-a:terminated(Completed) init-b:waiting(CrashLoopBackOff)↻1 init-c:waiting(PodInitializing) app:waiting(PodInitializing)',
      );
    });
    it('prints nothing for no rows', () => {
      expect(formatRows([])).to.equal('');
    });
  });

  describe('statusesOf', () => {
    it('lists the STATUS values in order, each run of equal values once', () => {
      expect(statusesOf(order.rows)).to.deep.equal(['Pending', 'Init:0/3', 'Init:1/3', 'Init:2/3', 'PodInitializing', 'Running']);
    });
    it('lists a value again when it comes back after another', () => {
      expect(statusesOf(crashloop.rows.slice(-5))).to.deep.equal(['Init:Error', 'Init:CrashLoopBackOff', 'Init:Error', 'Init:CrashLoopBackOff', 'Init:Error']);
    });
    it('is empty for no rows', () => {
      expect(statusesOf([])).to.deep.equal([]);
    });
  });

  describe('attemptsOf', () => {
    /** The container ID of each run of init-b, as its terminated state showed it. */
    const ids = [6, 7, 9, 11, 13].map((seq) => snapshotOf(row(crashloop, seq), 'init-b').containerID);
    const seconds = ['22:25:05', '22:25:06', '22:25:23', '22:25:53', '22:26:42'].map((t) => `2026-11-26T${t}Z`);
    const runs = ids.map((containerID, i) => ({ containerID, startedAt: seconds[i], finishedAt: seconds[i], exitCode: 1 }));

    it('lists every run of a crash-looping container, oldest first, with its end and exit code', () => {
      expect(attemptsOf(crashloop.rows, 'init-b')).to.deep.equal(runs);
    });
    it('finds a run seen only as the last state of the next one', () => {
      const rows = crashloop.rows.filter((r) => r.seq !== 9);
      expect(rows.some((r) => r.containers.some((c) => c.name === 'init-b' && c.containerID === ids[2]))).to.equal(false);
      expect(attemptsOf(rows, 'init-b')).to.deep.equal(runs);
    });
    it('finds a run seen only while running, with no end yet', () => {
      expect(attemptsOf(sidecars.rows, 'side-1')).to.deep.equal([{ containerID: snapshotOf(sidecars.rows.at(-1)!, 'side-1').containerID, startedAt: '2026-11-26T22:25:04Z' }]);
    });
    it('merges a run seen running, then terminated, into one', () => {
      const [only, ...more] = attemptsOf(order.rows, 'init-b');
      expect(more).to.deep.equal([]);
      expect(only).to.deep.equal({ containerID: snapshotOf(row(order, 6), 'init-b').containerID, startedAt: '2026-11-26T22:25:07Z', finishedAt: '2026-11-26T22:25:08Z', exitCode: 0 });
    });
    it('lists the runs oldest first whatever the order of the rows', () => {
      expect(attemptsOf([...crashloop.rows].reverse(), 'init-b')).to.deep.equal(runs);
    });
    it('keeps runs that started in the same second in the order they were first seen', () => {
      const rows = structuredClone(crashloop.rows);
      for (const r of rows) {
        const c = r.containers.find((x) => x.name === 'init-b');
        if (c && c.containerID === ids[1]) c.startedAt = '2026-11-26T22:25:05Z';
        if (c?.last && c.last.containerID === ids[1]) c.last.startedAt = '2026-11-26T22:25:05Z';
      }
      expect(attemptsOf(rows, 'init-b').map((a) => a.containerID)).to.deep.equal(ids);
    });
    it('names a run whose container ID is not reported after its start', () => {
      const waiting = row(crashloop, 8);
      delete snapshotOf(waiting, 'init-b').last!.containerID;
      expect(attemptsOf([waiting], 'init-b')).to.deep.equal([{ containerID: 'last@2026-11-26T22:25:06Z', startedAt: '2026-11-26T22:25:06Z', finishedAt: '2026-11-26T22:25:06Z', exitCode: 1 }]);
      const running = row(order, 5);
      delete snapshotOf(running, 'init-b').containerID;
      expect(attemptsOf([running], 'init-b')).to.deep.equal([{ containerID: 'current@2026-11-26T22:25:07Z', startedAt: '2026-11-26T22:25:07Z' }]);
    });
    it('counts no run for a container that terminated without ever starting', () => {
      const neverStarted = row(crashloop, 6);
      delete snapshotOf(neverStarted, 'init-b').startedAt;
      expect(attemptsOf([neverStarted], 'init-b')).to.deep.equal([]);
    });
    it('finds no run of a container the rows do not show', () => {
      expect(attemptsOf(crashloop.rows, 'init-z')).to.deep.equal([]);
    });
  });
});
