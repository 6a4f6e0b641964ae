/**
 * The assertions of the conformance suites, as pure functions of a Recording. Each throws an
 * AssertionError that says what was expected and what the timeline or ledger showed.
 */
import type { LedgerEntry } from '../pod/ledger.js';
import type { Recording, RecordedRow } from './recording.js';
import { containerIn, everRan, fail, ledgerOf, statusesOf } from './recording.js';

function last(rec: Recording) {
  return rec.rows.at(-1);
}

/** The one ledger line of `event` that `container` wrote; fails when there is none or more than one. */
function onlyLine(rec: Recording, container: string, event: string): LedgerEntry {
  const lines = ledgerOf(rec.ledger, container).filter((e) => e.event === event);
  if (lines.length !== 1) fail(`exactly one "${event}" ledger line of ${container}`, `${lines.length}: ${ledgerOf(rec.ledger, container).map((e) => `${e.event}@${e.uptime}`).join(', ') || 'none'}`);
  return lines[0]!;
}

/**
 * One at a time, in spec order: each init container (which writes "started" when it begins and
 * "ran" when it ends) ran exactly once, finished before the next one started, and the app
 * started after the last one finished. Times are the node's uptime, one clock for all.
 */
export function checkRanInOrder(rec: Recording, inits: string[], app: string): void {
  let previous: { name: string; end: LedgerEntry } | undefined;
  for (const name of inits) {
    const start = onlyLine(rec, name, 'started');
    const end = onlyLine(rec, name, 'ran');
    if (end.uptime < start.uptime) fail(`${name} to finish after it started`, `started at uptime ${start.uptime}, finished at ${end.uptime}`);
    if (previous && start.uptime < previous.end.uptime) {
      fail(`${name} to start only after ${previous.name} finished (one at a time, in spec order)`, `${name} started at uptime ${start.uptime}, ${previous.name} finished at ${previous.end.uptime}`);
    }
    previous = { name, end };
  }
  const appStart = onlyLine(rec, app, 'started');
  if (previous && appStart.uptime < previous.end.uptime) fail(`${app} to start after ${previous.name} finished`, `${app} started at uptime ${appStart.uptime}, ${previous.name} finished at ${previous.end.uptime}`);
}

/**
 * The STATUS a user sees only moves forward through Init:0/N … Init:N-1/N, PodInitializing, Running
 * (a fast kubelet may skip steps), and ends at Running.
 */
export function checkStatusProgression(rec: Recording, initCount: number): void {
  const order = ['Pending', ...Array.from({ length: initCount }, (_, i) => `Init:${i}/${initCount}`), 'PodInitializing', 'Running'];
  const seen = statusesOf(rec.rows);
  let at = 0;
  for (const s of seen) {
    const i = order.indexOf(s);
    if (i < 0) fail(`only the statuses ${order.join(', ')}`, `"${s}" in ${seen.join(' → ')}`, rec.rows);
    if (i < at) fail(`STATUS to move forward through ${order.join(' → ')}`, `it went back to "${s}" in ${seen.join(' → ')}`, rec.rows);
    at = i;
  }
  if (seen.at(-1) !== 'Running') fail('the STATUS to end at Running', seen.join(' → '), rec.rows);
  if (!seen.some((s) => s.startsWith('Init:'))) fail('an Init:k/N status while initializing', seen.join(' → '), rec.rows);
}

/** Initialized goes False (ContainersNotInitialized) → True and never back. */
export function checkInitializedCondition(rec: Recording): void {
  const values = rec.rows.map((r) => r.conditions.Initialized).filter((v): v is string => v !== undefined);
  const distinct = values.filter((v, i) => v !== values[i - 1]);
  if (distinct[0] !== 'False (ContainersNotInitialized)') fail('condition Initialized first False with reason ContainersNotInitialized', distinct.join(' → ') || 'no Initialized condition', rec.rows);
  if (distinct.length !== 2 || distinct[1] !== 'True') fail('Initialized False → True, once', distinct.join(' → '), rec.rows);
}

/** restartPolicy Never: the failed init container fails the pod; nothing after it ever runs. */
export function checkFailedWithoutRestart(rec: Recording, failing: string, exitCode: number, later: string[]): void {
  const end = last(rec)!;
  if (end.phase !== 'Failed') fail('phase Failed', `phase ${end.phase}`, rec.rows.slice(-5));
  const okStatuses = ['Init:Error', `Init:ExitCode:${exitCode}`];
  if (!okStatuses.includes(end.status)) fail(`STATUS ${okStatuses.join(' or ')}`, `"${end.status}"`, rec.rows.slice(-5));
  const c = containerIn(end, failing);
  if (c?.state !== 'terminated' || c.exitCode !== exitCode) fail(`${failing} terminated with exit code ${exitCode}`, JSON.stringify(c), rec.rows.slice(-5));
  if (c.restartCount !== 0) fail(`${failing} never restarted`, `restartCount ${c.restartCount}`, rec.rows.slice(-5));
  for (const name of later) {
    if (everRan(rec.rows, name)) fail(`${name} never to run`, `it ran`, rec.rows);
    if (ledgerOf(rec.ledger, name).length) fail(`no ledger line of ${name}`, `${ledgerOf(rec.ledger, name).length}`);
  }
}

/**
 * restartPolicy OnFailure/Always: only the failed init container restarts (with back-off); the
 * earlier ones ran exactly once, the later ones and the app never ran, and the pod stays Pending.
 */
export function checkOnlyFailedRestarts(rec: Recording, earlier: string[], failing: string, later: string[], minRestarts: number): void {
  const end = last(rec)!;
  const restarts = containerIn(end, failing)?.restartCount ?? 0;
  if (restarts < minRestarts) fail(`${failing} restarted at least ${minRestarts} times`, `restartCount ${restarts}`, rec.rows.slice(-5));
  const seen = statusesOf(rec.rows);
  if (!seen.includes('Init:CrashLoopBackOff')) fail('STATUS Init:CrashLoopBackOff at some point', seen.join(' → '), rec.rows);
  const notPending = rec.rows.find((r) => r.phase !== 'Pending');
  if (notPending) fail('phase Pending throughout', `phase ${notPending.phase} at row #${notPending.seq}`, [notPending]);
  for (const name of earlier) {
    const lines = ledgerOf(rec.ledger, name).filter((e) => e.event === 'ran').length;
    if (lines !== 1) fail(`${name} to run exactly once`, `${lines} "ran" ledger lines`);
    const rc = Math.max(...rec.rows.map((r) => containerIn(r, name)?.restartCount ?? 0));
    if (rc !== 0) fail(`${name} never restarted`, `restartCount ${rc}`, rec.rows);
  }
  for (const name of later) if (everRan(rec.rows, name) || ledgerOf(rec.ledger, name).length) fail(`${name} never to run`, 'it ran', rec.rows);
}

/** A flaky init container that fails k times, then succeeds: the pod runs, restartCount = k. */
export function checkFlakyRecovered(rec: Recording, name: string, failures: number): void {
  const end = last(rec)!;
  if (end.phase !== 'Running') fail('phase Running', `phase ${end.phase}`, rec.rows.slice(-5));
  const rc = containerIn(end, name)?.restartCount;
  if (rc !== failures) fail(`${name} restartCount ${failures}`, `${rc}`, rec.rows.slice(-5));
  const events = ledgerOf(rec.ledger, name).map((e) => e.event);
  const want = [...Array.from({ length: failures }, (_, i) => `attempt-${i + 1}-failed`), `attempt-${failures + 1}-succeeded`];
  if (JSON.stringify(events) !== JSON.stringify(want)) fail(`ledger of ${name}: ${want.join(', ')}`, events.join(', ') || 'nothing');
}

/**
 * The slow first init container: while it runs the STATUS stays Init:0/N; it took its `seconds`
 * (ledger); the pod reaches phase Running, and no sooner than the row where it finished.
 */
export function checkSlowHoldsStatus(rec: Recording, slowName: string, seconds: number, initCount: number): void {
  const started = rec.rows.findIndex((r) => containerIn(r, slowName)?.state === 'running');
  const finished = rec.rows.findIndex((r) => containerIn(r, slowName)?.state === 'terminated');
  if (started < 0 || finished < started) fail(`${slowName} seen running, then terminated`, `running at row index ${started}, terminated at row index ${finished}`, rec.rows);
  const during = rec.rows.slice(started, finished);
  const other = during.find((r) => r.status !== `Init:0/${initCount}`);
  if (other) fail(`STATUS Init:0/${initCount} while ${slowName} runs`, `"${other.status}" at row #${other.seq}`, during);
  const running = rec.rows.findIndex((r) => r.phase === 'Running');
  if (running < 0) fail('phase Running after the slow init container', 'never Running', rec.rows.slice(-5));
  if (running < finished) fail(`phase Running no sooner than ${slowName} finished (row #${rec.rows[finished]!.seq})`, `Running at row #${rec.rows[running]!.seq}`, rec.rows.slice(running, finished + 1));
  const took = onlyLine(rec, slowName, 'finished').uptime - onlyLine(rec, slowName, 'started').uptime;
  if (took < seconds - 0.5) fail(`${slowName} to take ${seconds}s`, `${took.toFixed(2)}s`);
}

/** activeDeadlineSeconds shorter than init: phase Failed, reason DeadlineExceeded, the app never ran. */
export function checkDeadlineExceeded(rec: Recording, app: string): void {
  const end = last(rec)!;
  if (end.phase !== 'Failed' || end.podReason !== 'DeadlineExceeded') fail('phase Failed with reason DeadlineExceeded', `phase ${end.phase}, reason ${end.podReason ?? 'none'}`, rec.rows.slice(-5));
  if (everRan(rec.rows, app)) fail(`${app} never to run`, 'it ran', rec.rows);
}

/** The pod stayed initializing until the Service existed, then reached Running. */
export function checkWaitedForService(rec: Recording, serviceCreatedMs: number): void {
  const early = rec.rows.filter((r) => r.elapsedMs < serviceCreatedMs);
  const runningEarly = early.find((r) => r.phase === 'Running' || r.conditions.Initialized === 'True');
  if (runningEarly) fail(`the pod initializing until the Service was created at t+${(serviceCreatedMs / 1000).toFixed(2)}s`, `row #${runningEarly.seq}: ${runningEarly.status}`, early);
  if (!early.some((r) => r.status.startsWith('Init:'))) fail('STATUS Init:… before the Service existed', statusesOf(early).join(' → ') || 'no rows', early);
  const running = rec.rows.find((r) => r.phase === 'Running');
  if (!running) fail('phase Running once the Service existed', statusesOf(rec.rows).join(' → '), rec.rows.slice(-5));
}

export type IdempotencyVerdict = 'idempotent' | 'not idempotent' | 'nothing to judge';

/**
 * An init container that re-ran is idempotent when the shared volume holds exactly one result, and
 * not idempotent when it holds more. No result at all is no verdict: the writer never wrote (or
 * its output was never read), so neither claim is shown.
 */
export function idempotencyVerdict(results: string[]): IdempotencyVerdict {
  const n = results.filter((l) => l.trim()).length;
  return n === 0 ? 'nothing to judge' : n === 1 ? 'idempotent' : 'not idempotent';
}

/**
 * The idempotent writer (fixtures' writesResult) writes its result only when none is there yet,
 * naming the attempt that wrote it. After `reran` re-runs the volume must hold exactly the first
 * attempt's result: the re-runs saw it (the emptyDir outlived the restarts) and left it alone.
 */
export function checkIdempotent(results: string[], reran: number, firstResult: string): void {
  if (reran < 1) fail('the init container to have re-run at least once', `${reran} restarts`);
  if (idempotencyVerdict(results) !== 'idempotent') fail('exactly one result in the shared volume after re-runs', `${results.length} results: ${results.join(' | ') || 'none'}`);
  if (results[0] !== firstResult) fail(`the result of the first attempt ("${firstResult}"), kept by the re-runs`, `"${results[0]}"`);
}

/**
 * Sidecar (restartable init container): it starts first; the next init container starts only
 * after the sidecar's startup probe passed; it runs beside the app.
 */
export function checkSidecarStart(rec: Recording, sidecar: string, init: string, app: string, startupDelaySec: number): void {
  const sStart = onlyLine(rec, sidecar, 'started');
  const iStart = onlyLine(rec, init, 'started');
  const aStart = onlyLine(rec, app, 'started');
  if (iStart.uptime < sStart.uptime + startupDelaySec - 0.5) {
    fail(`${init} to start after ${sidecar}'s startup probe passed (≥ ${startupDelaySec}s after it started)`, `${(iStart.uptime - sStart.uptime).toFixed(2)}s after`);
  }
  if (aStart.uptime < iStart.uptime) fail(`${app} to start after ${init} started`, `${app} at uptime ${aStart.uptime}, ${init} at ${iStart.uptime}`);
  const beside = rec.rows.some((r: RecordedRow) => containerIn(r, sidecar)?.state === 'running' && containerIn(r, app)?.state === 'running');
  if (!beside) fail(`${sidecar} running beside ${app}`, 'never both running', rec.rows);
}

/** Shutdown: the app stops first, sidecars after it, in reverse order of their start. */
export function checkReverseShutdown(stopping: Array<{ container: string; uptime: number }>, order: string[]): void {
  const seen = [...stopping].sort((a, b) => a.uptime - b.uptime).map((e) => e.container);
  if (JSON.stringify(seen) !== JSON.stringify(order)) fail(`shutdown order ${order.join(' → ')}`, seen.join(' → ') || 'no stop lines');
}

export interface StatusCause {
  reason?: string;
  field?: string;
  message?: string;
}

export interface ApiRejection {
  httpStatus: number;
  body: { kind?: string; reason?: string; code?: number; details?: { causes?: StatusCause[] } } | string;
}

export const FORBIDDEN_MESSAGE = 'may not be set for init containers without restartPolicy=Always';

/**
 * The API server refused the pod with HTTP 422, reason Invalid, and exactly one FieldValueForbidden
 * cause per forbidden field, at spec.initContainers[index].<field> (pkg/apis/core/validation).
 */
export function checkForbiddenInitFields(rejection: ApiRejection, index: number, fields: string[]): void {
  const body = typeof rejection.body === 'string' ? {} : rejection.body;
  if (rejection.httpStatus !== 422) fail('HTTP 422 Unprocessable Entity', `HTTP ${rejection.httpStatus}: ${JSON.stringify(rejection.body).slice(0, 300)}`);
  if (body.reason !== 'Invalid') fail('Status reason Invalid', `reason ${body.reason}`);
  const causes = body.details?.causes ?? [];
  const expected = fields.map((f) => `spec.initContainers[${index}].${f}`).sort();
  const got = causes.map((c) => c.field ?? '').sort();
  if (JSON.stringify(got) !== JSON.stringify(expected)) fail(`one cause per field at ${expected.join(', ')}`, `causes at ${got.join(', ') || 'none'}`);
  const wrong = causes.find((c) => c.reason !== 'FieldValueForbidden' || !c.message?.includes(FORBIDDEN_MESSAGE));
  if (wrong) fail(`every cause FieldValueForbidden, "${FORBIDDEN_MESSAGE}"`, JSON.stringify(wrong));
}

/** A server-side dry run answers exactly as the real request does (status, reason, causes). */
export function checkSameRejection(real: ApiRejection, dryRun: ApiRejection): void {
  const key = (r: ApiRejection) => {
    const b = typeof r.body === 'string' ? {} : r.body;
    return JSON.stringify([r.httpStatus, b.reason, (b.details?.causes ?? []).map((c) => [c.reason, c.field, c.message]).sort()]);
  };
  if (key(real) !== key(dryRun)) fail(`the dry run to answer as the real request: ${key(real)}`, key(dryRun));
}

/** The app printed `file` (as printsLedger does: a "== <file>" line) followed by exactly `content`. */
export function checkAppPrintedFile(appLog: string, file: string, content: string): void {
  const lines = appLog.split('\n');
  const at = lines.indexOf(`== ${file}`);
  if (at < 0) fail(`the app to print ${file}`, `its log:\n${appLog}`);
  if (lines[at + 1] !== content) fail(`${file} to hold "${content}"`, `"${lines[at + 1]}"`);
}
