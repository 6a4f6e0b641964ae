/**
 * Negative controls: each suite's checks run on a timeline recorded from a real cluster (test/
 * fixtures/recordings, refreshed with INITC_RECORD_DIR=… initc run), first as recorded (they pass),
 * then with one behaviour altered: the check must fail, and with the message of the expectation
 * that alteration breaks (not any "expected"), so every expectation of a check is shown to bite.
 * Where a check has a limit, a copy altered to sit exactly at the limit must still pass.
 */
import { expect } from 'chai';
import * as b from '../../lib/checks/behaviours.js';
import * as bo from '../../lib/checks/backoff.js';
import type { ApiRejection } from '../../lib/checks/behaviours.js';
import type { Recording, RecordedRow } from '../../lib/checks/recording.js';
import { attemptsOf, containerIn } from '../../lib/checks/recording.js';
import { clone, control, load, passes, seqs } from '../support/controls.js';
import type { LedgerEntry } from '../../lib/pod/ledger.js';

const rowWith = (rows: RecordedRow[], pred: (r: RecordedRow) => boolean) => {
  const r = rows.find(pred);
  if (!r) throw new Error('recording lacks the row this alteration needs');
  return r;
};
const row = (rows: RecordedRow[], seq: number) => rowWith(rows, (r) => r.seq === seq);
const line = (ledger: LedgerEntry[], container: string, event: string) => {
  const e = ledger.find((x) => x.container === container && x.event === event);
  if (!e) throw new Error(`recording lacks the ledger line ${container} ${event}`);
  return e;
};
/** Drops `name` from a row's containers (the row carries no status of it). */
const withoutContainer = (r: RecordedRow, name: string) => (r.containers = r.containers.filter((c) => c.name !== name));
/** A RegExp matching `text` literally, and only at the message's end when `atEnd`. */
const literally = (text: string, atEnd = false) => new RegExp(`${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${atEnd ? '$' : ''}`);

describe('negative controls (recorded timelines, altered behaviour)', () => {
  describe('order', () => {
    const inits = ['init-a', 'init-b', 'init-c'];
    const inOrder = (r: Recording) => b.checkRanInOrder(r, inits, 'app');
    control(load('order-order'), inOrder, {
      'two init containers ran in the wrong order': [
        (r) => {
          const [a, c] = [line(r.ledger, 'init-a', 'started'), line(r.ledger, 'init-b', 'started')];
          [a.uptime, c.uptime] = [c.uptime, a.uptime];
        },
        /expected init-a to finish after it started; observed started at uptime 997\.46, finished at 996\.76$/,
      ],
      'two init containers overlapped (init-b started before init-a finished)': [
        (r) => (line(r.ledger, 'init-b', 'started').uptime = line(r.ledger, 'init-a', 'ran').uptime - 0.5),
        /expected init-b to start only after init-a finished \(one at a time, in spec order\); observed init-b started at uptime 996\.26, init-a finished at 996\.76$/,
      ],
      'an init container ran twice': [
        (r) => r.ledger.push({ ...line(r.ledger, 'init-b', 'ran'), uptime: 1e9 }),
        /expected exactly one "ran" ledger line of init-b; observed 2: started@997\.46, ran@998\.46, ran@1000000000$/,
      ],
      'an init container never ran': [(r) => (r.ledger = r.ledger.filter((e) => e.container !== 'init-c')), /expected exactly one "started" ledger line of init-c; observed 0: none$/],
      'the app started before the last init container finished': [
        (r) => (line(r.ledger, 'app', 'started').uptime = line(r.ledger, 'init-c', 'ran').uptime - 0.01),
        /expected app to start after init-c finished; observed app started at uptime 1000\.53, init-c finished at 1000\.54$/,
      ],
    });
    // The ledger's uptime has centisecond resolution: the slow recording shows init-b's "started"
    // and "ran" in the same centisecond, so equal times are one at a time, in order.
    passes(load('order-order'), inOrder, {
      'an init container finished in the centisecond it started': (r) => (line(r.ledger, 'init-b', 'ran').uptime = line(r.ledger, 'init-b', 'started').uptime),
      'the next init container started in the centisecond the previous one finished': (r) => (line(r.ledger, 'init-b', 'started').uptime = line(r.ledger, 'init-a', 'ran').uptime),
      'the app started in the centisecond the last init container finished': (r) => (line(r.ledger, 'app', 'started').uptime = line(r.ledger, 'init-c', 'ran').uptime),
    });
    const order3 = 'Pending, Init:0/3, Init:1/3, Init:2/3, PodInitializing, Running';
    control(load('order-order'), (r) => b.checkStatusProgression(r, 3), {
      'the STATUS went back to Init:0/3 in the middle': [
        (r) => {
          const i = r.rows.findIndex((x) => x.status === 'Init:2/3');
          r.rows.splice(i, 0, { ...clone(r.rows[i]!), status: 'Init:0/3' });
        },
        literally(`expected STATUS to move forward through ${order3.replaceAll(', ', ' → ')}; observed it went back to "Init:0/3" in Pending → Init:0/3 → Init:1/3 → Init:0/3 → Init:2/3 → PodInitializing → Running\nTimeline rows:\n`),
      ],
      'an unexpected STATUS showed': [
        (r) => (rowWith(r.rows, (x) => x.status === 'Init:1/3').status = 'Init:Error'),
        literally(`expected only the statuses ${order3}; observed "Init:Error" in Pending → Init:0/3 → Init:Error → Init:1/3 → Init:2/3 → PodInitializing → Running\nTimeline rows:\n`),
      ],
      'the pod never reached Running': [
        (r) => r.rows.splice(r.rows.findIndex((x) => x.status === 'Running')),
        literally('expected the STATUS to end at Running; observed Pending → Init:0/3 → Init:1/3 → Init:2/3 → PodInitializing\nTimeline rows:\n'),
      ],
      'no Init:k/N status was ever shown': [
        (r) => (r.rows = r.rows.filter((x) => !x.status.startsWith('Init:'))),
        literally('expected an Init:k/N status while initializing; observed Pending → PodInitializing → Running\nTimeline rows:\n'),
      ],
    });
    const notInitialized = 'False (ContainersNotInitialized)';
    control(load('order-order'), (r) => b.checkInitializedCondition(r), {
      'Initialized went back to False': [
        (r) => r.rows.push({ ...clone(r.rows.at(-1)!), conditions: { ...r.rows.at(-1)!.conditions, Initialized: notInitialized } }),
        literally(`expected Initialized False → True, once; observed ${notInitialized} → True → ${notInitialized}\nTimeline rows:\n`),
      ],
      'Initialized went back to False and then True again': [
        (r) => r.rows.splice(r.rows.length - 1, 0, { ...clone(r.rows.at(-2)!), conditions: { ...r.rows.at(-2)!.conditions, Initialized: notInitialized } }),
        literally(`expected Initialized False → True, once; observed ${notInitialized} → True → ${notInitialized} → True\nTimeline rows:\n`),
      ],
      'Initialized was never False': [
        (r) => r.rows.forEach((x) => x.conditions.Initialized !== undefined && (x.conditions.Initialized = 'True')),
        /expected condition Initialized first False with reason ContainersNotInitialized; observed True\nTimeline rows:\n/,
      ],
      'Initialized was True before it was False': [
        (r) => (rowWith(r.rows, (x) => x.conditions.Initialized !== undefined).conditions.Initialized = 'True'),
        literally(`expected condition Initialized first False with reason ContainersNotInitialized; observed True → ${notInitialized} → True\nTimeline rows:\n`),
      ],
      'no row carried the Initialized condition': [
        (r) => r.rows.forEach((x) => delete x.conditions.Initialized),
        /expected condition Initialized first False with reason ContainersNotInitialized; observed no Initialized condition\nTimeline rows:\n/,
      ],
      'Initialized never became True': [
        (r) => r.rows.forEach((x) => x.conditions.Initialized !== undefined && (x.conditions.Initialized = notInitialized)),
        literally(`expected Initialized False → True, once; observed ${notInitialized}\nTimeline rows:\n`),
      ],
      'Initialized went to False for another reason (PodCompleted) instead of True': [
        (r) => r.rows.forEach((x) => x.conditions.Initialized === 'True' && (x.conditions.Initialized = 'False (PodCompleted)')),
        literally(`expected Initialized False → True, once; observed ${notInitialized} → False (PodCompleted)\nTimeline rows:\n`),
      ],
    });
    passes(load('order-order'), (r) => b.checkInitializedCondition(r), {
      'a row in the middle carries no Initialized condition (as the first rows do)': (r) => delete row(r.rows, 5).conditions.Initialized,
    });
  });

  describe('never', () => {
    const last5 = seqs(2, 6);
    control(load('never-never'), (r) => b.checkFailedWithoutRestart(r, 'init-b', 3, ['init-c', 'app']), {
      'the pod did not fail': [(r) => (r.rows.at(-1)!.phase = 'Pending'), /expected phase Failed; observed phase Pending\n/, last5],
      'the STATUS was not Init:Error': [(r) => (r.rows.at(-1)!.status = 'Error'), /expected STATUS Init:Error or Init:ExitCode:3; observed "Error"\n/, last5],
      'the init container exited with another code': [(r) => (containerIn(r.rows.at(-1)!, 'init-b')!.exitCode = 1), /expected init-b terminated with exit code 3; observed \{"name":"init-b","kind":"init","state":"terminated","reason":"Error","exitCode":1,/, last5],
      'the failed init container was still running': [(r) => (containerIn(r.rows.at(-1)!, 'init-b')!.state = 'running'), /expected init-b terminated with exit code 3; observed \{"name":"init-b","kind":"init","state":"running",/, last5],
      'the last row carries no status of the failed init container': [(r) => withoutContainer(r.rows.at(-1)!, 'init-b'), /expected init-b terminated with exit code 3; observed undefined\n/, last5],
      'the failed init container was restarted': [(r) => (containerIn(r.rows.at(-1)!, 'init-b')!.restartCount = 1), /expected init-b never restarted; observed restartCount 1\n/, last5],
      'a later init container ran': [(r) => (containerIn(r.rows.at(-1)!, 'init-c')!.state = 'terminated'), /expected init-c never to run; observed it ran\n/],
      'a later init container wrote to the ledger': [(r) => r.ledger.push({ ...r.ledger[0]!, container: 'app', event: 'started' }), /expected no ledger line of app; observed 1$/],
    });
  });

  for (const policy of ['onfailure', 'always']) {
    describe(`${policy} (CrashLoopBackOff)`, () => {
      const rec = load(`${policy}-crashloop-${policy}`);
      /** init-b's second run, as the row where it had just terminated recorded it. */
      const secondRun = rec.rows.find((x) => x.seq === 7)!.containers.find((c) => c.name === 'init-b')!;
      control(rec, (r) => b.checkOnlyFailedRestarts(r, ['init-a'], 'init-b', ['init-c', 'app'], 4), {
        'it restarted fewer times than required': [
          (r) => r.rows.forEach((x) => containerIn(x, 'init-b') && (containerIn(x, 'init-b')!.restartCount = Math.min(3, containerIn(x, 'init-b')!.restartCount))),
          /expected init-b restarted at least 4 times; observed restartCount 3\n/,
          seqs(9, 13),
        ],
        'the last row carries no status of the failing init container': [(r) => withoutContainer(r.rows.at(-1)!, 'init-b'), /expected init-b restarted at least 4 times; observed restartCount 0\n/, seqs(9, 13)],
        'CrashLoopBackOff was never shown': [
          (r) => r.rows.forEach((x) => (x.status = x.status.replace('CrashLoopBackOff', 'Error'))),
          /expected STATUS Init:CrashLoopBackOff at some point; observed Pending → Init:0\/3 → Init:1\/3 → Init:Error\n/,
        ],
        'the pod left Pending': [(r) => (r.rows.at(-1)!.phase = 'Running'), /expected phase Pending throughout; observed phase Running at row #13\n/, [13]],
        'an earlier init container re-ran (ledger)': [(r) => r.ledger.push({ ...line(r.ledger, 'init-a', 'ran'), uptime: 1e9 }), /expected init-a to run exactly once; observed 2 "ran" ledger lines$/],
        'an earlier init container re-ran (restartCount)': [(r) => (containerIn(r.rows.at(-1)!, 'init-a')!.restartCount = 1), /expected init-a never restarted; observed restartCount 1\n/],
        'the app started': [(r) => (containerIn(r.rows.at(-1)!, 'app')!.state = 'running'), /expected app never to run; observed it ran\n/],
      });
      /** init-b's attempts re-timed: attempt i starts (and ends) `offsets[i]` seconds after the first. */
      const retime = (offsets: number[]) => (r: Recording) => {
        const attempts = attemptsOf(r.rows, 'init-b');
        const first = Date.parse(attempts[0]!.startedAt);
        const at = (id: string | undefined) => new Date(first + offsets[attempts.findIndex((a) => a.containerID === id)]! * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        for (const row of r.rows) {
          const c = containerIn(row, 'init-b');
          if (c?.startedAt) c.startedAt = c.finishedAt = at(c.containerID);
          if (c?.last) c.last.startedAt = c.last.finishedAt = at(c.last.containerID);
        }
      };
      control(rec, (r) => bo.checkBackoffSchedule(bo.backoffIntervals(r, 'init-b'), 4, bo.kubeletBackoff(34)), {
        'every restart 11 s after the last (the first backed off, no doubling)': [retime([0, 11, 22, 33, 44]), /^expected restart 1 at once, without back-off \(accepted 0–5s\); observed 11s; all intervals: 11s, 11s, 11s, 11s$/],
        'the first restart at once, then every restart 11 s after the last (no doubling)': [retime([0, 1, 12, 23, 34]), /^expected restart 3 after 20s of back-off \(accepted 19–36s\); observed 11s/],
        'the first restart after 10 s of back-off, the rest on schedule (10, 10, 20, 40 s)': [retime([0, 10, 20, 40, 80]), /^expected restart 1 at once, without back-off \(accepted 0–5s\); observed 10s; all intervals: 10s, 10s, 20s, 40s$/],
        'every restart 10 s late (16, 26, 36, 56 s)': [retime([0, 16, 42, 78, 134]), /^expected restart 1 at once, without back-off \(accepted 0–5s\); observed 16s; all intervals: 16s, 26s, 36s, 56s$/],
        'too few restarts were seen': [(r) => (r.rows = r.rows.filter((x) => (containerIn(x, 'init-b')?.restartCount ?? 0) < 3)), /expected at least 4 restart intervals/],
        'the end of an attempt was never seen': [
          (r) => {
            const second = attemptsOf(r.rows, 'init-b')[1]!.containerID;
            for (const row of r.rows) {
              const c = containerIn(row, 'init-b');
              if (c?.containerID === second) c.finishedAt = undefined;
              if (c?.last?.containerID === second) c.last.finishedAt = undefined;
            }
          },
          new RegExp(
            `expected the end of attempt 2 of init-b in the timeline \\(it was followed by attempt 3\\); observed attempt 2 \\(${secondRun.containerID}\\) started at ${secondRun.startedAt} with no finishedAt\\n`,
          ),
        ],
      });
    });
  }

  describe('flaky', () => {
    control(load('flaky-flaky'), (r) => b.checkFlakyRecovered(r, 'init-flaky', 2), {
      'it restarted once more than it failed': [(r) => (containerIn(r.rows.at(-1)!, 'init-flaky')!.restartCount = 3), /expected init-flaky restartCount 2; observed 3\n/, seqs(4, 8)],
      'the last row carries no status of it': [(r) => withoutContainer(r.rows.at(-1)!, 'init-flaky'), /expected init-flaky restartCount 2; observed undefined\n/, seqs(4, 8)],
      'a failed attempt is missing from the ledger': [
        (r) => r.ledger.splice(r.ledger.findIndex((e) => e.event === 'attempt-1-failed'), 1),
        /expected ledger of init-flaky: attempt-1-failed, attempt-2-failed, attempt-3-succeeded; observed attempt-2-failed, attempt-3-succeeded$/,
      ],
      'it wrote nothing to the ledger': [(r) => (r.ledger = r.ledger.filter((e) => e.container !== 'init-flaky')), /expected ledger of init-flaky: attempt-1-failed, attempt-2-failed, attempt-3-succeeded; observed nothing$/],
      'the pod did not reach Running': [(r) => (r.rows.at(-1)!.phase = 'Pending'), /expected phase Running; observed phase Pending\n/, seqs(4, 8)],
    });
  });

  describe('slow', () => {
    const holds = (r: Recording) => b.checkSlowHoldsStatus(r, 'init-slow', 6, 2);
    control(load('slow-slow'), holds, {
      'the STATUS moved on while the slow container ran': [
        (r) => (rowWith(r.rows, (x) => containerIn(x, 'init-slow')?.state === 'running').status = 'Init:1/2'),
        /expected STATUS Init:0\/2 while init-slow runs; observed "Init:1\/2" at row #4\n/,
        [4],
      ],
      'the slow container finished early': [(r) => (line(r.ledger, 'init-slow', 'finished').uptime -= 5), /expected init-slow to take 6s; observed 1\.03s$/],
      'the pod was Running before the slow container finished': [
        (r) => (rowWith(r.rows, (x) => containerIn(x, 'init-slow')?.state === 'running').phase = 'Running'),
        /expected phase Running no sooner than init-slow finished \(row #5\); observed Running at row #4\n/,
        [4, 5],
      ],
      'the pod was Running from the first row': [(r) => (r.rows[0]!.phase = 'Running'), /expected phase Running no sooner than init-slow finished \(row #5\); observed Running at row #1\n/, seqs(1, 5)],
      'the pod never ran': [(r) => r.rows.forEach((x) => (x.phase = 'Pending')), /expected phase Running after the slow init container; observed never Running\n/, seqs(3, 7)],
      'the slow container was never seen terminated': [
        (r) => r.rows.forEach((x) => containerIn(x, 'init-slow')?.state === 'terminated' && (containerIn(x, 'init-slow')!.state = 'running')),
        /expected init-slow seen running, then terminated; observed running at row index 3, terminated at row index -1\n/,
      ],
      'the slow container was never seen running': [
        (r) => (containerIn(rowWith(r.rows, (x) => containerIn(x, 'init-slow')?.state === 'running'), 'init-slow')!.state = 'waiting'),
        /expected init-slow seen running, then terminated; observed running at row index -1, terminated at row index 4\n/,
      ],
    });
    passes(load('slow-slow'), holds, {
      'the timeline starts with the slow container already running': (r) => (r.rows = r.rows.slice(r.rows.findIndex((x) => containerIn(x, 'init-slow')?.state === 'running'))),
      'the pod is Running in the row where the slow container is first seen terminated': (r) => (rowWith(r.rows, (x) => containerIn(x, 'init-slow')?.state === 'terminated').phase = 'Running'),
      'the slow container took its 6 s less the 0.5 s allowed': (r) => {
        line(r.ledger, 'init-slow', 'started').uptime = 994;
        line(r.ledger, 'init-slow', 'finished').uptime = 999.5;
      },
    });
  });

  describe('deadline', () => {
    control(load('deadline-deadline'), (r) => b.checkDeadlineExceeded(r, 'app'), {
      'the pod failed for another reason': [(r) => (r.rows.at(-1)!.podReason = undefined), /expected phase Failed with reason DeadlineExceeded; observed phase Failed, reason none\n/, seqs(2, 6)],
      'the pod did not fail': [(r) => (r.rows.at(-1)!.phase = 'Pending'), /expected phase Failed with reason DeadlineExceeded; observed phase Pending, reason DeadlineExceeded\n/, seqs(2, 6)],
      'the app ran': [(r) => (containerIn(r.rows.at(-1)!, 'app')!.state = 'running'), /expected app never to run; observed it ran\n/],
    });
  });

  describe('service', () => {
    const { createdMs } = load<{ createdMs: number }>('service-service-created');
    const waited = (r: Recording) => b.checkWaitedForService(r, createdMs);
    control(load('service-waiter'), waited, {
      'the pod initialized before the Service existed': [
        (r) => (rowWith(r.rows, (x) => x.elapsedMs < createdMs && x.status.startsWith('Init:')).conditions.Initialized = 'True'),
        /expected the pod initializing until the Service was created at t\+8\.77s; observed row #3: Init:0\/1\n/,
        seqs(1, 4),
      ],
      'the pod was Running before the Service existed': [
        (r) => (rowWith(r.rows, (x) => x.elapsedMs < createdMs && containerIn(x, 'wait-for-backend')?.state === 'running').phase = 'Running'),
        /expected the pod initializing until the Service was created at t\+8\.77s; observed row #4: Init:0\/1\n/,
      ],
      'the pod showed no Init: status before the Service existed': [(r) => r.rows.forEach((x) => x.elapsedMs < createdMs && (x.status = 'Pending')), /expected STATUS Init:… before the Service existed; observed Pending\n/],
      'the pod showed PodInitializing instead of Init: before the Service existed': [
        (r) => r.rows.forEach((x) => x.elapsedMs < createdMs && (x.status = x.status.replace('Init:0/1', 'PodInitializing'))),
        /expected STATUS Init:… before the Service existed; observed Pending → PodInitializing\n/,
      ],
      'no row was seen before the Service existed': [(r) => (r.rows = r.rows.filter((x) => x.elapsedMs >= createdMs)), /expected STATUS Init:… before the Service existed; observed no rows$/],
      'the pod never ran': [(r) => r.rows.forEach((x) => (x.phase = 'Pending')), /expected phase Running once the Service existed; observed Pending → Init:0\/1 → PodInitializing → Running\n/, seqs(2, 6)],
    });
    passes(load('service-waiter'), waited, {
      'the pod initialized in the very millisecond the Service was created': (r) => (rowWith(r.rows, (x) => x.conditions.Initialized === 'True').elapsedMs = createdMs),
    });
  });

  describe('volume', () => {
    const rec = load<{ appLog: string; content: string }>('volume-app-log');
    const printed = (r: typeof rec) => b.checkAppPrintedFile(r.appLog, '/data/index.html', r.content);
    control(rec, printed, {
      'the app printed other content': [(r) => (r.appLog = r.appLog.replace(r.content, 'something else')), literally(`expected /data/index.html to hold "${rec.content}"; observed "something else"`, true)],
      'the file was missing': [(r) => (r.appLog = r.appLog.replace('== /data/index.html', '')), literally(`expected the app to print /data/index.html; observed its log:\n${rec.appLog.replace('== /data/index.html', '')}`, true)],
    });
    passes(rec, printed, {
      "the log starts with the file's header": (r) => (r.appLog = r.appLog.slice(r.appLog.indexOf('== /data/index.html'))),
    });
  });

  describe('idempotency', () => {
    const rec = load<{ goodResults: string[]; badResults: string[]; reran: number }>('idempotency-results');
    const first = 'result of init-writer attempt 1';
    const idempotent = (r: typeof rec) => b.checkIdempotent(r.goodResults, r.reran, first);
    control(rec, idempotent, {
      'the re-run left a second result': [
        (r) => r.goodResults.push(r.goodResults[0]!),
        /expected exactly one result in the shared volume after re-runs; observed 2 results: result of init-writer attempt 1 \| result of init-writer attempt 1$/,
      ],
      'no result was left': [(r) => (r.goodResults = []), /expected exactly one result in the shared volume after re-runs; observed 0 results: none$/],
      'the init container never re-ran': [(r) => (r.reran = 0), /expected the init container to have re-run at least once; observed 0 restarts$/],
      'a re-run overwrote the first result (the volume did not keep it)': [
        (r) => (r.goodResults = ['result of init-writer attempt 3']),
        /expected the result of the first attempt \("result of init-writer attempt 1"\), kept by the re-runs; observed "result of init-writer attempt 3"$/,
      ],
    });
    passes(rec, idempotent, { 'the init container re-ran exactly once': (r) => (r.reran = 1) });
    it('the appending writer is judged not idempotent, the recorded idempotent one idempotent', () => {
      expect(b.idempotencyVerdict(rec.badResults)).to.equal('not idempotent');
      expect(b.idempotencyVerdict(rec.goodResults)).to.equal('idempotent');
    });
    it('no result at all is nothing to judge, neither idempotent nor not (a writer that never wrote proves nothing)', () => {
      expect(b.idempotencyVerdict([])).to.equal('nothing to judge');
      expect(b.idempotencyVerdict(['', ' \t'])).to.equal('nothing to judge');
      expect(b.idempotencyVerdict(rec.badResults.slice(0, 2))).to.equal('not idempotent');
    });
    it('blank lines are no results', () => {
      expect(b.idempotencyVerdict([...rec.goodResults, ''])).to.equal('idempotent');
      expect(b.idempotencyVerdict(['  ', ...rec.goodResults, '\t'])).to.equal('idempotent');
      expect(b.idempotencyVerdict(['', ...rec.badResults, ' '])).to.equal('not idempotent');
    });
  });

  describe('validation', () => {
    const rec = load<{ real: ApiRejection; dry: ApiRejection }>('validation-with-all-four');
    const fields = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];
    const body = (r: ApiRejection) => r.body as Exclude<ApiRejection['body'], string>;
    const at = (f: string) => `spec.initContainers[1].${f}`;
    const expectedCauses = `expected one cause per field at ${[at('lifecycle'), at('livenessProbe'), at('readinessProbe'), at('startupProbe')].join(', ')}`;
    const forbidden = (r: typeof rec) => b.checkForbiddenInitFields(r.real, 1, fields);
    control(rec, forbidden, {
      'the server accepted it (201)': [(r) => (r.real.httpStatus = 201), /^expected HTTP 422 Unprocessable Entity; observed HTTP 201: \{"kind":"Status","apiVersion":"v1",.{265}$/],
      'the Status reason was not Invalid': [(r) => (body(r.real).reason = 'BadRequest'), /expected Status reason Invalid; observed reason BadRequest$/],
      'a cause points at another path': [
        (r) => (body(r.real).details!.causes![1]!.field = 'spec.containers[0].livenessProbe'),
        literally(`${expectedCauses}; observed causes at spec.containers[0].livenessProbe, ${at('lifecycle')}, ${at('readinessProbe')}, ${at('startupProbe')}`, true),
      ],
      'one cause is missing': [(r) => body(r.real).details!.causes!.pop(), literally(`${expectedCauses}; observed causes at ${at('lifecycle')}, ${at('livenessProbe')}, ${at('readinessProbe')}`, true)],
      'a cause names no field': [
        (r) => delete body(r.real).details!.causes![0]!.field,
        literally(`${expectedCauses}; observed causes at , ${at('livenessProbe')}, ${at('readinessProbe')}, ${at('startupProbe')}`, true),
      ],
      'the Status carried no details': [(r) => delete body(r.real).details, literally(`${expectedCauses}; observed causes at none`, true)],
      'a cause has another type': [
        (r) => (body(r.real).details!.causes![1]!.reason = 'FieldValueInvalid'),
        literally(`expected every cause FieldValueForbidden, "${b.FORBIDDEN_MESSAGE}"; observed {"reason":"FieldValueInvalid","message":"Forbidden: ${b.FORBIDDEN_MESSAGE}","field":"${at('livenessProbe')}"}`, true),
      ],
      'a cause has another message': [(r) => (body(r.real).details!.causes![2]!.message = 'Forbidden: nope'), /expected every cause FieldValueForbidden, .*; observed \{"reason":"FieldValueForbidden","message":"Forbidden: nope",/],
      'a cause has no message': [
        (r) => delete body(r.real).details!.causes![3]!.message,
        literally(`expected every cause FieldValueForbidden, "${b.FORBIDDEN_MESSAGE}"; observed {"reason":"FieldValueForbidden","field":"${at('startupProbe')}"}`, true),
      ],
    });
    passes(rec, forbidden, {
      'the server lists the causes in another order': (r) => body(r.real).details!.causes!.reverse(),
    });
    it('with no forbidden field, a refusal that lists no causes has the causes expected', () => {
      const r = clone(rec);
      delete body(r.real).details;
      b.checkForbiddenInitFields(r.real, 1, []);
    });
    const same = (r: typeof rec) => b.checkSameRejection(r.real, r.dry);
    const realKey = JSON.stringify([422, 'Invalid', body(rec.real).details!.causes!.map((c) => [c.reason, c.field, c.message])]);
    control(rec, same, {
      'the dry run answered differently': [(r) => body(r.dry).details!.causes!.pop(), literally(`expected the dry run to answer as the real request: ${realKey}; observed ${JSON.stringify([422, 'Invalid', body(rec.real).details!.causes!.slice(0, 3).map((c) => [c.reason, c.field, c.message])])}`, true)],
      'a cause of the dry run had another message': [(r) => (body(r.dry).details!.causes![0]!.message = 'Forbidden: nope'), literally(`observed [422,"Invalid",[["FieldValueForbidden","${at('lifecycle')}","Forbidden: nope"],`)],
      "the dry run's Status carried no details": [(r) => delete body(r.dry).details, literally(`expected the dry run to answer as the real request: ${realKey}; observed [422,"Invalid",[]]`, true)],
      'the dry run gave another status code': [(r) => (r.dry.httpStatus = 400), literally('; observed [400,"Invalid",[[')],
    });
    passes(rec, same, {
      'the dry run lists the causes in another order': (r) => body(r.dry).details!.causes!.reverse(),
    });
  });

  describe('sidecar', () => {
    const starts = (r: Recording) => (b.checkSidecarStart(r, 'side-1', 'side-2', 'app', 2), b.checkSidecarStart(r, 'side-2', 'init-after', 'app', 2));
    control(load('sidecar-sidecars'), starts, {
      'the next init container did not wait for the startup probe': [
        (r) => (line(r.ledger, 'init-after', 'started').uptime = line(r.ledger, 'side-2', 'started').uptime + 0.1),
        /expected init-after to start after side-2's startup probe passed \(≥ 2s after it started\); observed 0\.10s after$/,
      ],
      'the app started before the last init container': [
        (r) => (line(r.ledger, 'app', 'started').uptime = line(r.ledger, 'init-after', 'started').uptime - 0.1),
        /expected app to start after init-after started; observed app at uptime 1001\.47, init-after at 1001\.57$/,
      ],
      'the sidecar never ran beside the app': [(r) => r.rows.forEach((x) => x.containers.forEach((c) => c.name === 'side-1' && (c.state = 'terminated'))), /expected side-1 running beside app; observed never both running\n/],
      'the app never ran beside the sidecars': [(r) => r.rows.forEach((x) => x.containers.forEach((c) => c.name === 'app' && (c.state = 'waiting'))), /expected side-1 running beside app; observed never both running\n/],
      'a sidecar never wrote its start': [(r) => (r.ledger = r.ledger.filter((e) => e.container !== 'side-1')), /expected exactly one "started" ledger line of side-1; observed 0: none$/],
    });
    passes(load('sidecar-sidecars'), starts, {
      "the next init container started its sidecar's 2 s probe delay less the 0.5 s allowed after it": (r) => {
        line(r.ledger, 'side-2', 'started').uptime = 1000;
        line(r.ledger, 'init-after', 'started').uptime = 1001.5;
      },
      'the app started in the centisecond the last init container started': (r) => (line(r.ledger, 'app', 'started').uptime = line(r.ledger, 'init-after', 'started').uptime),
      'a row carries no status of the app yet': (r) => withoutContainer(rowWith(r.rows, (x) => containerIn(x, 'side-1')?.state === 'running'), 'app'),
    });
    const stops = load<Array<{ container: string; uptime: number }>>('sidecar-stops');
    control(stops, (s) => b.checkReverseShutdown(s, ['app', 'side-2', 'side-1']), {
      'the sidecars stopped in start order': [
        (s) => {
          const [x, y] = [s.find((e) => e.container === 'side-1')!, s.find((e) => e.container === 'side-2')!];
          [x.uptime, y.uptime] = [y.uptime, x.uptime];
        },
        /expected shutdown order app → side-2 → side-1; observed app → side-1 → side-2$/,
      ],
      'a sidecar stopped before the app': [(s) => (s.find((e) => e.container === 'side-2')!.uptime = -1), /expected shutdown order app → side-2 → side-1; observed side-2 → app → side-1$/],
      'no stop line was read': [(s) => s.splice(0), /expected shutdown order app → side-2 → side-1; observed no stop lines$/],
    });
  });
});
