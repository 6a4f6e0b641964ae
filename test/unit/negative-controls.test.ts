/**
 * Negative controls: each suite's checks run on a timeline recorded from a real cluster (test/
 * fixtures/recordings, refreshed with INITC_RECORD_DIR=… initc run), first as recorded (they pass),
 * then with one behaviour altered: the check must fail, and with the message of the expectation
 * that alteration breaks (not any "expected"), so every expectation of a check is shown to bite.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as b from '../../lib/checks/behaviours.js';
import type { ApiRejection } from '../../lib/checks/behaviours.js';
import type { Recording, RecordedRow } from '../../lib/checks/recording.js';
import { attemptsOf, containerIn } from '../../lib/checks/recording.js';
import { projectRoot } from '../../lib/util/paths.js';
import type { LedgerEntry } from '../../lib/pod/ledger.js';

const load = <T = Recording>(name: string): T => JSON.parse(readFileSync(path.join(projectRoot(), 'test', 'fixtures', 'recordings', `${name}.json`), 'utf8')) as T;
const clone = <T>(x: T): T => structuredClone(x);

type Alteration<T> = [alter: (r: T) => void, failsWith: RegExp];

/**
 * Runs `check` on the recording as is (must pass) and on each `alter(copy)`: it must throw an
 * AssertionError whose message matches that alteration's `failsWith`.
 */
function control<T>(recorded: T, check: (r: T) => void, alterations: Record<string, Alteration<T>>): void {
  it('passes on the recorded behaviour', () => check(clone(recorded)));
  for (const [what, [alter, failsWith]] of Object.entries(alterations)) {
    it(`fails when ${what}`, () => {
      const altered = clone(recorded);
      alter(altered);
      let thrown: unknown;
      try {
        check(altered);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, 'the check passed on the altered behaviour').to.be.instanceOf(Error);
      expect((thrown as Error).name).to.equal('AssertionError');
      expect((thrown as Error).message).to.match(failsWith);
    });
  }
}

const rowWith = (rows: RecordedRow[], pred: (r: RecordedRow) => boolean) => {
  const r = rows.find(pred);
  if (!r) throw new Error('recording lacks the row this alteration needs');
  return r;
};
const line = (ledger: LedgerEntry[], container: string, event: string) => {
  const e = ledger.find((x) => x.container === container && x.event === event);
  if (!e) throw new Error(`recording lacks the ledger line ${container} ${event}`);
  return e;
};

describe('negative controls (recorded timelines, altered behaviour)', () => {
  describe('order', () => {
    const inits = ['init-a', 'init-b', 'init-c'];
    control(load('order-order'), (r) => b.checkRanInOrder(r, inits, 'app'), {
      'two init containers ran in the wrong order': [
        (r) => {
          const [a, c] = [line(r.ledger, 'init-a', 'started'), line(r.ledger, 'init-b', 'started')];
          [a.uptime, c.uptime] = [c.uptime, a.uptime];
        },
        /expected init-a to finish after it started/,
      ],
      'two init containers overlapped (init-b started before init-a finished)': [
        (r) => (line(r.ledger, 'init-b', 'started').uptime = line(r.ledger, 'init-a', 'ran').uptime - 0.5),
        /expected init-b to start only after init-a finished/,
      ],
      'an init container ran twice': [(r) => r.ledger.push({ ...line(r.ledger, 'init-b', 'ran'), uptime: 1e9 }), /expected exactly one "ran" ledger line of init-b; observed 2/],
      'an init container never ran': [(r) => (r.ledger = r.ledger.filter((e) => e.container !== 'init-c')), /expected exactly one "started" ledger line of init-c; observed 0/],
      'the app started before the last init container finished': [
        (r) => (line(r.ledger, 'app', 'started').uptime = line(r.ledger, 'init-c', 'ran').uptime - 0.01),
        /expected app to start after init-c finished/,
      ],
    });
    control(load('order-order'), (r) => b.checkStatusProgression(r, 3), {
      'the STATUS went back to Init:0/3 in the middle': [
        (r) => {
          const i = r.rows.findIndex((x) => x.status === 'Init:2/3');
          r.rows.splice(i, 0, { ...clone(r.rows[i]!), status: 'Init:0/3' });
        },
        /expected STATUS to move forward .*it went back to "Init:0\/3"/,
      ],
      'an unexpected STATUS showed': [(r) => (rowWith(r.rows, (x) => x.status === 'Init:1/3').status = 'Init:Error'), /expected only the statuses .*"Init:Error"/],
      'the pod never reached Running': [(r) => r.rows.splice(r.rows.findIndex((x) => x.status === 'Running')), /expected the STATUS to end at Running/],
      'no Init:k/N status was ever shown': [(r) => (r.rows = r.rows.filter((x) => !x.status.startsWith('Init:'))), /expected an Init:k\/N status while initializing/],
    });
    control(load('order-order'), (r) => b.checkInitializedCondition(r), {
      'Initialized went back to False': [
        (r) => r.rows.push({ ...clone(r.rows.at(-1)!), conditions: { ...r.rows.at(-1)!.conditions, Initialized: 'False (ContainersNotInitialized)' } }),
        /expected Initialized False → True, once/,
      ],
      'Initialized was never False': [
        (r) => r.rows.forEach((x) => x.conditions.Initialized !== undefined && (x.conditions.Initialized = 'True')),
        /expected condition Initialized first False with reason ContainersNotInitialized/,
      ],
      'Initialized never became True': [
        (r) => r.rows.forEach((x) => x.conditions.Initialized !== undefined && (x.conditions.Initialized = 'False (ContainersNotInitialized)')),
        /expected Initialized False → True, once/,
      ],
    });
  });

  describe('never', () => {
    control(load('never-never'), (r) => b.checkFailedWithoutRestart(r, 'init-b', 3, ['init-c', 'app']), {
      'the pod did not fail': [(r) => (r.rows.at(-1)!.phase = 'Pending'), /expected phase Failed/],
      'the STATUS was not Init:Error': [(r) => (r.rows.at(-1)!.status = 'Error'), /expected STATUS Init:Error or Init:ExitCode:3/],
      'the init container exited with another code': [(r) => (containerIn(r.rows.at(-1)!, 'init-b')!.exitCode = 1), /expected init-b terminated with exit code 3/],
      'the failed init container was restarted': [(r) => (containerIn(r.rows.at(-1)!, 'init-b')!.restartCount = 1), /expected init-b never restarted/],
      'a later init container ran': [(r) => (containerIn(r.rows.at(-1)!, 'init-c')!.state = 'terminated'), /expected init-c never to run; observed it ran/],
      'a later init container wrote to the ledger': [(r) => r.ledger.push({ ...r.ledger[0]!, container: 'app', event: 'started' }), /expected no ledger line of app/],
    });
  });

  for (const policy of ['onfailure', 'always']) {
    describe(`${policy} (CrashLoopBackOff)`, () => {
      const rec = load(`${policy}-crashloop-${policy}`);
      control(rec, (r) => b.checkOnlyFailedRestarts(r, ['init-a'], 'init-b', ['init-c', 'app'], 4), {
        'it restarted fewer times than required': [(r) => r.rows.forEach((x) => containerIn(x, 'init-b') && (containerIn(x, 'init-b')!.restartCount = Math.min(3, containerIn(x, 'init-b')!.restartCount))), /expected init-b restarted at least 4 times; observed restartCount 3/],
        'CrashLoopBackOff was never shown': [(r) => r.rows.forEach((x) => (x.status = x.status.replace('CrashLoopBackOff', 'Error'))), /expected STATUS Init:CrashLoopBackOff at some point/],
        'the pod left Pending': [(r) => (r.rows.at(-1)!.phase = 'Running'), /expected phase Pending throughout/],
        'an earlier init container re-ran (ledger)': [(r) => r.ledger.push({ ...line(r.ledger, 'init-a', 'ran'), uptime: 1e9 }), /expected init-a to run exactly once; observed 2/],
        'an earlier init container re-ran (restartCount)': [(r) => (containerIn(r.rows.at(-1)!, 'init-a')!.restartCount = 1), /expected init-a never restarted; observed restartCount 1/],
        'the app started': [(r) => (containerIn(r.rows.at(-1)!, 'app')!.state = 'running'), /expected app never to run/],
      });
      control(rec, (r) => b.checkBackoffSchedule(b.backoffIntervals(r, 'init-b'), 4), {
        'the back-off did not double (every restart 11 s after the last)': [
          (r) => {
            const attempts = attemptsOf(r.rows, 'init-b');
            const first = Date.parse(attempts[0]!.startedAt);
            const at = (id: string | undefined) => new Date(first + attempts.findIndex((a) => a.containerID === id) * 11_000).toISOString().replace(/\.\d+Z$/, 'Z');
            for (const row of r.rows) {
              const c = containerIn(row, 'init-b');
              if (c?.startedAt) c.startedAt = c.finishedAt = at(c.containerID);
              if (c?.last) c.last.startedAt = c.last.finishedAt = at(c.last.containerID);
            }
          },
          /expected restart 3 after 20s of back-off/,
        ],
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
          /expected the end of attempt 2 of init-b in the timeline/,
        ],
      });
    });
  }

  describe('flaky', () => {
    control(load('flaky-flaky'), (r) => b.checkFlakyRecovered(r, 'init-flaky', 2), {
      'it restarted once more than it failed': [(r) => (containerIn(r.rows.at(-1)!, 'init-flaky')!.restartCount = 3), /expected init-flaky restartCount 2; observed 3/],
      'a failed attempt is missing from the ledger': [(r) => r.ledger.splice(r.ledger.findIndex((e) => e.event === 'attempt-1-failed'), 1), /expected ledger of init-flaky: attempt-1-failed, attempt-2-failed, attempt-3-succeeded/],
      'the pod did not reach Running': [(r) => (r.rows.at(-1)!.phase = 'Pending'), /expected phase Running/],
    });
  });

  describe('slow', () => {
    control(load('slow-slow'), (r) => b.checkSlowHoldsStatus(r, 'init-slow', 6, 2), {
      'the STATUS moved on while the slow container ran': [(r) => (rowWith(r.rows, (x) => containerIn(x, 'init-slow')?.state === 'running').status = 'Init:1/2'), /expected STATUS Init:0\/2 while init-slow runs/],
      'the slow container finished early': [(r) => (line(r.ledger, 'init-slow', 'finished').uptime -= 5), /expected init-slow to take 6s/],
      'the pod was Running before the slow container finished': [(r) => (rowWith(r.rows, (x) => containerIn(x, 'init-slow')?.state === 'running').phase = 'Running'), /expected phase Running no sooner than init-slow finished/],
      'the pod never ran': [(r) => r.rows.forEach((x) => (x.phase = 'Pending')), /expected phase Running after the slow init container/],
      'the slow container was never seen terminated': [(r) => r.rows.forEach((x) => containerIn(x, 'init-slow')?.state === 'terminated' && (containerIn(x, 'init-slow')!.state = 'running')), /expected init-slow seen running, then terminated/],
    });
  });

  describe('deadline', () => {
    control(load('deadline-deadline'), (r) => b.checkDeadlineExceeded(r, 'app'), {
      'the pod failed for another reason': [(r) => (r.rows.at(-1)!.podReason = undefined), /expected phase Failed with reason DeadlineExceeded; observed phase Failed, reason none/],
      'the pod did not fail': [(r) => (r.rows.at(-1)!.phase = 'Pending'), /expected phase Failed with reason DeadlineExceeded; observed phase Pending/],
      'the app ran': [(r) => (containerIn(r.rows.at(-1)!, 'app')!.state = 'running'), /expected app never to run/],
    });
  });

  describe('service', () => {
    const { createdMs } = load<{ createdMs: number }>('service-service-created');
    control(load('service-waiter'), (r) => b.checkWaitedForService(r, createdMs), {
      'the pod initialized before the Service existed': [
        (r) => (rowWith(r.rows, (x) => x.elapsedMs < createdMs && x.status.startsWith('Init:')).conditions.Initialized = 'True'),
        /expected the pod initializing until the Service was created/,
      ],
      'the pod showed no Init: status before the Service existed': [(r) => r.rows.forEach((x) => x.elapsedMs < createdMs && (x.status = 'Pending')), /expected STATUS Init:… before the Service existed/],
      'the pod never ran': [(r) => r.rows.forEach((x) => (x.phase = 'Pending')), /expected phase Running once the Service existed/],
    });
  });

  describe('volume', () => {
    const rec = load<{ appLog: string; content: string }>('volume-app-log');
    control(rec, (r) => b.checkAppPrintedFile(r.appLog, '/data/index.html', r.content), {
      'the app printed other content': [(r) => (r.appLog = r.appLog.replace(r.content, 'something else')), /expected \/data\/index.html to hold/],
      'the file was missing': [(r) => (r.appLog = r.appLog.replace('== /data/index.html', '')), /expected the app to print \/data\/index.html/],
    });
  });

  describe('idempotency', () => {
    const rec = load<{ goodResults: string[]; badResults: string[]; reran: number }>('idempotency-results');
    const first = 'result of init-writer attempt 1';
    control(rec, (r) => b.checkIdempotent(r.goodResults, r.reran, first), {
      'the re-run left a second result': [(r) => r.goodResults.push(r.goodResults[0]!), /expected exactly one result in the shared volume after re-runs; observed 2 results/],
      'the init container never re-ran': [(r) => (r.reran = 0), /expected the init container to have re-run at least once/],
      'a re-run overwrote the first result (the volume did not keep it)': [(r) => (r.goodResults = ['result of init-writer attempt 3']), /expected the result of the first attempt/],
    });
    it('the appending writer is judged not idempotent, the recorded idempotent one idempotent', () => {
      expect(b.idempotencyVerdict(rec.badResults)).to.equal('not idempotent');
      expect(b.idempotencyVerdict(rec.goodResults)).to.equal('idempotent');
      expect(b.idempotencyVerdict([])).to.equal('not idempotent');
    });
  });

  describe('validation', () => {
    const rec = load<{ real: ApiRejection; dry: ApiRejection }>('validation-with-all-four');
    const fields = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];
    const body = (r: ApiRejection) => r.body as Exclude<ApiRejection['body'], string>;
    control(rec, (r) => b.checkForbiddenInitFields(r.real, 1, fields), {
      'the server accepted it (201)': [(r) => (r.real.httpStatus = 201), /expected HTTP 422 Unprocessable Entity; observed HTTP 201/],
      'the Status reason was not Invalid': [(r) => (body(r.real).reason = 'BadRequest'), /expected Status reason Invalid; observed reason BadRequest/],
      'a cause points at another path': [(r) => (body(r.real).details!.causes![0]!.field = 'spec.containers[0].livenessProbe'), /expected one cause per field at/],
      'one cause is missing': [(r) => body(r.real).details!.causes!.pop(), /expected one cause per field at/],
      'a cause has another type': [(r) => (body(r.real).details!.causes![1]!.reason = 'FieldValueInvalid'), /expected every cause FieldValueForbidden/],
      'a cause has another message': [(r) => (body(r.real).details!.causes![2]!.message = 'Forbidden: nope'), /expected every cause FieldValueForbidden/],
    });
    control(rec, (r) => b.checkSameRejection(r.real, r.dry), {
      'the dry run answered differently': [(r) => body(r.dry).details!.causes!.pop(), /expected the dry run to answer as the real request/],
      'the dry run gave another status code': [(r) => (r.dry.httpStatus = 400), /expected the dry run to answer as the real request/],
    });
  });

  describe('sidecar', () => {
    control(load('sidecar-sidecars'), (r) => (b.checkSidecarStart(r, 'side-1', 'side-2', 'app', 2), b.checkSidecarStart(r, 'side-2', 'init-after', 'app', 2)), {
      'the next init container did not wait for the startup probe': [
        (r) => (line(r.ledger, 'init-after', 'started').uptime = line(r.ledger, 'side-2', 'started').uptime + 0.1),
        /expected init-after to start after side-2's startup probe passed/,
      ],
      'the app started before the last init container': [(r) => (line(r.ledger, 'app', 'started').uptime = line(r.ledger, 'init-after', 'started').uptime - 0.1), /expected app to start after init-after started/],
      'the sidecar never ran beside the app': [(r) => r.rows.forEach((x) => x.containers.forEach((c) => c.name === 'side-1' && (c.state = 'terminated'))), /expected side-1 running beside app/],
      'a sidecar never wrote its start': [(r) => (r.ledger = r.ledger.filter((e) => e.container !== 'side-1')), /expected exactly one "started" ledger line of side-1/],
    });
    const stops = load<Array<{ container: string; uptime: number }>>('sidecar-stops');
    control(stops, (s) => b.checkReverseShutdown(s, ['app', 'side-2', 'side-1']), {
      'the sidecars stopped in start order': [
        (s) => {
          const [x, y] = [s.find((e) => e.container === 'side-1')!, s.find((e) => e.container === 'side-2')!];
          [x.uptime, y.uptime] = [y.uptime, x.uptime];
        },
        /expected shutdown order app → side-2 → side-1/,
      ],
      'a sidecar stopped before the app': [(s) => (s.find((e) => e.container === 'side-2')!.uptime = -1), /expected shutdown order app → side-2 → side-1; observed side-2 → app/],
    });
  });
});
