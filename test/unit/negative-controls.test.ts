/**
 * Negative controls: each suite's checks run on a timeline recorded from a real cluster (test/
 * fixtures/recordings, refreshed with INITC_RECORD_DIR=… initc run), first as recorded (they pass),
 * then with the behaviour altered (they must fail). No assertion of a suite is vacuous.
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

/** Runs `check` on the recording as is (must pass) and on `alter(copy)` (must fail with an AssertionError). */
function control<T>(recorded: T, check: (r: T) => void, alterations: Record<string, (r: T) => void>): void {
  it('passes on the recorded behaviour', () => check(clone(recorded)));
  for (const [what, alter] of Object.entries(alterations)) {
    it(`fails when ${what}`, () => {
      const altered = clone(recorded);
      alter(altered);
      expect(() => check(altered)).to.throw(/expected/);
    });
  }
}

const rowWith = (rows: RecordedRow[], pred: (r: RecordedRow) => boolean) => {
  const r = rows.find(pred);
  if (!r) throw new Error('recording lacks the row this alteration needs');
  return r;
};
const swap = (ledger: LedgerEntry[], a: string, c: string) => {
  const i = ledger.findIndex((e) => e.container === a);
  const j = ledger.findIndex((e) => e.container === c);
  [ledger[i]!.container, ledger[j]!.container] = [ledger[j]!.container, ledger[i]!.container];
};

describe('negative controls (recorded timelines, altered behaviour)', () => {
  describe('order', () => {
    const inits = ['init-a', 'init-b', 'init-c'];
    control(load('order-order'), (r) => (b.checkRanInOrder(r, inits, 'app'), b.checkStatusProgression(r, 3), b.checkInitializedCondition(r)), {
      'two init containers ran in the wrong order': (r) => swap(r.ledger, 'init-a', 'init-b'),
      'an init container ran twice': (r) => r.ledger.splice(1, 0, { ...r.ledger[0]! }),
      'the app started before the last init container': (r) => swap(r.ledger, 'init-c', 'app'),
      'the STATUS went back to Init:0/3': (r) => r.rows.push({ ...clone(r.rows.at(-1)!), status: 'Init:0/3' }),
      'the pod never reached Running': (r) => r.rows.splice(r.rows.findIndex((x) => x.status === 'Running')),
      'Initialized went back to False': (r) => r.rows.push({ ...clone(r.rows.at(-1)!), conditions: { ...r.rows.at(-1)!.conditions, Initialized: 'False (ContainersNotInitialized)' } }),
    });
  });

  describe('never', () => {
    control(load('never-never'), (r) => b.checkFailedWithoutRestart(r, 'init-b', 3, ['init-c', 'app']), {
      'the pod did not fail': (r) => (r.rows.at(-1)!.phase = 'Pending'),
      'the failed init container was restarted': (r) => (containerIn(r.rows.at(-1)!, 'init-b')!.restartCount = 1),
      'a later init container ran': (r) => (containerIn(r.rows.at(-1)!, 'init-c')!.state = 'terminated'),
      'the STATUS was not Init:Error': (r) => (r.rows.at(-1)!.status = 'Error'),
    });
  });

  for (const policy of ['onfailure', 'always']) {
    describe(`${policy} (CrashLoopBackOff)`, () => {
      const check = (r: Recording) => {
        b.checkOnlyFailedRestarts(r, ['init-a'], 'init-b', ['init-c', 'app'], 4);
        b.checkBackoffSchedule(b.backoffIntervals(r, 'init-b'), 4);
      };
      control(load(`${policy}-crashloop-${policy}`), check, {
        'an earlier init container re-ran': (r) => r.ledger.push({ ...r.ledger.find((e) => e.container === 'init-a')!, uptime: 1e9 }),
        'the app started': (r) => (containerIn(r.rows.at(-1)!, 'app')!.state = 'running'),
        'CrashLoopBackOff was never shown': (r) => r.rows.forEach((x) => (x.status = x.status.replace('CrashLoopBackOff', 'Error'))),
        'the back-off did not double (every restart 11 s after the last)': (r) => {
          const attempts = attemptsOf(r.rows, 'init-b');
          const first = Date.parse(attempts[0]!.startedAt);
          const at = (id: string | undefined) => new Date(first + attempts.findIndex((a) => a.containerID === id) * 11_000).toISOString().replace(/\.\d+Z$/, 'Z');
          for (const row of r.rows) {
            const c = containerIn(row, 'init-b');
            if (c?.startedAt) c.startedAt = c.finishedAt = at(c.containerID);
            if (c?.last) c.last.startedAt = c.last.finishedAt = at(c.last.containerID);
          }
        },
        'the pod left Pending': (r) => (r.rows.at(-1)!.phase = 'Running'),
      });
    });
  }

  describe('flaky', () => {
    control(load('flaky-flaky'), (r) => b.checkFlakyRecovered(r, 'init-flaky', 2), {
      'it restarted once more than it failed': (r) => (containerIn(r.rows.at(-1)!, 'init-flaky')!.restartCount = 3),
      'a failed attempt is missing from the ledger': (r) => r.ledger.splice(r.ledger.findIndex((e) => e.event === 'attempt-1-failed'), 1),
      'the pod did not reach Running': (r) => (r.rows.at(-1)!.phase = 'Pending'),
    });
  });

  describe('slow', () => {
    control(load('slow-slow'), (r) => b.checkSlowHoldsStatus(r, 'init-slow', 6, 2), {
      'the STATUS moved on while the slow container ran': (r) => (rowWith(r.rows, (x) => containerIn(x, 'init-slow')?.state === 'running').status = 'Init:1/2'),
      'the slow container finished early': (r) => (r.ledger.find((e) => e.container === 'init-slow' && e.event === 'finished')!.uptime -= 5),
    });
  });

  describe('deadline', () => {
    control(load('deadline-deadline'), (r) => b.checkDeadlineExceeded(r, 'app'), {
      'the pod failed for another reason': (r) => (r.rows.at(-1)!.podReason = undefined),
      'the app ran': (r) => (containerIn(r.rows.at(-1)!, 'app')!.state = 'running'),
    });
  });

  describe('service', () => {
    const { createdMs } = load<{ createdMs: number }>('service-service-created');
    control(load('service-waiter'), (r) => b.checkWaitedForService(r, createdMs), {
      'the pod initialized before the Service existed': (r) => (rowWith(r.rows, (x) => x.elapsedMs < createdMs && x.status.startsWith('Init:')).conditions.Initialized = 'True'),
      'the pod never ran': (r) => r.rows.forEach((x) => (x.phase = 'Pending')),
    });
  });

  describe('volume', () => {
    const rec = load<{ appLog: string; content: string }>('volume-app-log');
    control(rec, (r) => b.checkAppPrintedFile(r.appLog, '/data/index.html', r.content), {
      'the app printed other content': (r) => (r.appLog = r.appLog.replace(r.content, 'something else')),
      'the file was missing': (r) => (r.appLog = r.appLog.replace('== /data/index.html', '')),
    });
  });

  describe('idempotency', () => {
    const rec = load<{ goodResults: string[]; badResults: string[]; reran: number }>('idempotency-results');
    control(rec, (r) => (b.checkIdempotent(r.goodResults, r.reran), expect(b.idempotencyVerdict(r.badResults), 'expected not idempotent').to.equal('not idempotent')), {
      'the re-run left a second result': (r) => r.goodResults.push(r.goodResults[0]!),
      'the init container never re-ran': (r) => (r.reran = 0),
      'the non-idempotent control left one result': (r) => (r.badResults = r.badResults.slice(0, 1)),
    });
  });

  describe('validation', () => {
    const rec = load<{ real: ApiRejection; dry: ApiRejection }>('validation-with-all-four');
    const fields = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];
    const body = (r: ApiRejection) => r.body as Exclude<ApiRejection['body'], string>;
    control(rec, (r) => (b.checkForbiddenInitFields(r.real, 1, fields), b.checkSameRejection(r.real, r.dry)), {
      'the server accepted it (201)': (r) => (r.real.httpStatus = 201),
      'a cause points at another path': (r) => (body(r.real).details!.causes![0]!.field = 'spec.containers[0].livenessProbe'),
      'one cause is missing': (r) => body(r.real).details!.causes!.pop(),
      'a cause has another type': (r) => (body(r.real).details!.causes![1]!.reason = 'FieldValueInvalid'),
      'the dry run answered differently': (r) => body(r.dry).details!.causes!.pop(),
    });
  });

  describe('sidecar', () => {
    control(load('sidecar-sidecars'), (r) => (b.checkSidecarStart(r, 'side-1', 'side-2', 'app', 2), b.checkSidecarStart(r, 'side-2', 'init-after', 'app', 2)), {
      'the next init container did not wait for the startup probe': (r) => (r.ledger.find((e) => e.container === 'init-after')!.uptime = r.ledger.find((e) => e.container === 'side-2')!.uptime + 0.1),
      'the sidecar never ran beside the app': (r) => r.rows.forEach((x) => x.containers.forEach((c) => c.name === 'side-1' && (c.state = 'terminated'))),
    });
    const stops = load<Array<{ container: string; uptime: number }>>('sidecar-stops');
    control(stops, (s) => b.checkReverseShutdown(s, ['app', 'side-2', 'side-1']), {
      'the sidecars stopped in start order': (s) => {
        const [x, y] = [s.find((e) => e.container === 'side-1')!, s.find((e) => e.container === 'side-2')!];
        [x.uptime, y.uptime] = [y.uptime, x.uptime];
      },
      'a sidecar stopped before the app': (s) => (s.find((e) => e.container === 'side-2')!.uptime = -1),
    });
  });
});
