/**
 * What the cluster must do after an injected fault, as pure checks over a Recording (timeline
 * rows + ledger). Upstream (pkg/kubelet/kuberuntime/kuberuntime_manager.go, computePodActions):
 * a failed or killed init container restarts alone (the ones before it stay done); a pod whose
 * sandbox changed (lost, killed, node rebooted) runs every init container again from the first.
 */
import type { LedgerEntry } from '../pod/ledger.js';
import type { RecordedRow, Recording } from './recording.js';
import { attemptsOf, containerIn, fail, killedExitMismatch, ledgerOf } from './recording.js';

function describeLedger(entries: LedgerEntry[]) {
  return entries.map((e) => `${e.container} ${e.event}`).join(', ') || 'nothing';
}

/** The "started" and "ran" ledger lines of these containers, in the node's time order. */
function ledgerFor(rec: Recording, names: string[]) {
  return rec.ledger.filter((e) => names.includes(e.container) && (e.event === 'started' || e.event === 'ran')).sort((a, b) => a.uptime - b.uptime);
}

/** One complete pass: each init container started and ran, in spec order, then the app started. */
function completePass(inits: string[], app: string) {
  return [...inits.flatMap((n) => [`${n} started`, `${n} ran`]), `${app} started`];
}

/**
 * A killed init container re-ran alone: its first attempt ended with `exitCode` (137 for SIGKILL,
 * 143 for SIGTERM; shown by the API, else by the runtime at the kill: killedExitMismatch), it ran once more and finished, the init containers before it ran exactly once
 * and never restarted, and the rest (`later`, then the app) ran once, after it.
 */
export function checkOnlyKilledReran(rec: Recording, earlier: string[], killed: string, later: string[], app: string, exitCode: number, runtimeExitCode?: number): void {
  const attempts = attemptsOf(rec.rows, killed);
  if (attempts.length < 2) fail(`${killed} to run again after the kill`, `${attempts.length} attempt(s) in the timeline`, rec.rows.slice(-5));
  const wrongExit = killedExitMismatch(attempts[0]!.exitCode, runtimeExitCode, exitCode);
  if (wrongExit) fail(`${killed}'s killed attempt to end with exit code ${exitCode}`, wrongExit, rec.rows);
  const end = rec.rows.at(-1)!;
  const restarts = containerIn(end, killed)?.restartCount;
  if (restarts !== 1) fail(`${killed} restarted exactly once`, `restartCount ${restarts}`, rec.rows.slice(-3));
  for (const name of earlier) {
    const ran = ledgerOf(rec.ledger, name).filter((e) => e.event === 'ran').length;
    if (ran !== 1) fail(`${name}, before the killed one, to have run exactly once`, `${ran} "ran" ledger lines: ${describeLedger(ledgerOf(rec.ledger, name))}`);
    const rc = Math.max(...rec.rows.map((r) => containerIn(r, name)?.restartCount ?? 0));
    if (rc !== 0) fail(`${name}, before the killed one, never restarted`, `restartCount ${rc}`, rec.rows);
  }
  const seq = ledgerFor(rec, [killed, ...later, app]).map((e) => `${e.container} ${e.event}`);
  const want = [`${killed} started`, ...completePass([killed, ...later], app)];
  if (JSON.stringify(seq) !== JSON.stringify(want)) fail(`the ledger from the kill on: ${want.join(', ')}`, seq.join(', ') || 'nothing');
  if (end.phase !== 'Running') fail('phase Running in the end', `phase ${end.phase}`, rec.rows.slice(-3));
}

/**
 * After the pod's sandbox was lost, every init container ran again from the first: the ledger
 * ends with one complete pass (each init container started and ran, in spec order, then the app),
 * after a first pass that was complete (`firstPass` 'complete': the loss came after init) or cut
 * short (the loss came during init); the API shows every init container that had finished before
 * the loss as a new container (another containerID); the pod is Running again.
 *
 * Not asserted: restart counts. The kubelet numbers a new container from the runtime's status of
 * the previous one, or, when the runtime no longer has it (the sandbox was removed), from the
 * highest N.log in the container's log folder (`startContainer` in
 * pkg/kubelet/kuberuntime/kuberuntime_container.go): on the embedded 1.34 cluster every re-run init
 * container showed restartCount 1 after `crictl rmp`, on kind 1.34 (same kubelet and containerd)
 * only the first did, the others showed 0, and after SIGKILL to the pause process the one the loss
 * cut short showed 0 on both.
 *
 * Not asserted: that the STATUS goes back to Init:0/N. The kubelet reports the new sandbox's
 * containers in its next status update, and a first init container that re-runs within that
 * second is never seen running: on the embedded 1.34 cluster the STATUS went
 * Init:1/3 → Init:2/3 with init-a "Completed ↻1", never back to Init:0/3.
 */
export function checkRanAgainFromFirst(rec: Recording, inits: string[], app: string, firstPass: 'complete' | 'interrupted'): void {
  const seq = ledgerFor(rec, [...inits, app]).map((e) => `${e.container} ${e.event}`);
  const first = `${inits[0]} started`;
  const starts = seq.flatMap((s, i) => (s === first ? [i] : []));
  if (starts.length !== 2) fail(`${inits[0]} to start exactly twice (once per sandbox)`, `${starts.length} times; ledger: ${seq.join(', ')}`);
  const [pass1, pass2] = [seq.slice(0, starts[1]), seq.slice(starts[1])];
  const pass = completePass(inits, app);
  if (JSON.stringify(pass2) !== JSON.stringify(pass)) fail(`a complete second pass from the first init container: ${pass.join(', ')}`, pass2.join(', '));
  if (firstPass === 'complete' && JSON.stringify(pass1) !== JSON.stringify(pass)) fail(`a complete first pass before the loss: ${pass.join(', ')}`, pass1.join(', '));
  if (firstPass === 'interrupted') {
    // A prefix of the pass without the app's start is a proper one; pass1 is never empty (it holds the first start).
    if (pass1.includes(`${app} started`) || JSON.stringify(pass1) !== JSON.stringify(pass.slice(0, pass1.length))) fail(`a first pass cut short during init (a prefix of ${pass.join(', ')} without the app)`, pass1.join(', '));
  }
  const end = rec.rows.at(-1)!;
  for (const name of inits.filter((n) => pass1.includes(`${n} ran`))) {
    const first = rec.rows.map((r) => containerIn(r, name)?.containerID).find(Boolean);
    const last = containerIn(end, name)?.containerID;
    if (!last || last === first) fail(`${name}, which had finished before the loss, to be a new container in the end (a containerID other than ${first ?? 'its first'})`, last ? `the same ${last}` : 'no containerID', rec.rows.slice(-3));
  }
  if (rec.rows.at(-1)!.phase !== 'Running') fail('phase Running in the end', `phase ${rec.rows.at(-1)!.phase}`, rec.rows.slice(-3));
}

/**
 * A restart of the kubelet or of the container runtime is not a sandbox change: the pod's
 * containers keep running (or finish) as they were, no init container runs twice, and the pod
 * reaches Running with one complete pass in the ledger.
 */
export function checkNothingReran(rec: Recording, inits: string[], app: string): void {
  const seq = ledgerFor(rec, [...inits, app]).map((e) => `${e.container} ${e.event}`);
  const pass = completePass(inits, app);
  if (JSON.stringify(seq) !== JSON.stringify(pass)) fail(`exactly one pass: ${pass.join(', ')}`, seq.join(', ') || 'nothing');
  for (const name of inits) {
    const rc = Math.max(...rec.rows.map((r) => containerIn(r, name)?.restartCount ?? 0));
    if (rc !== 0) fail(`${name} never restarted`, `restartCount ${rc}`, rec.rows);
  }
  if (rec.rows.at(-1)!.phase !== 'Running') fail('phase Running in the end', `phase ${rec.rows.at(-1)!.phase}`, rec.rows.slice(-3));
}

/**
 * A dependency's outage while an init container waits for it: the init container saw it go
 * ("dependency-lost" after "dependency-up"), kept waiting instead of failing (it never restarted),
 * the pod stayed initializing until the dependency was back (no row with Initialized True or the
 * app running before `backAtMs`, on the timeline's clock), then finished ("ran") and the pod runs.
 */
export function checkWaitedThroughOutage(rec: Recording, waiter: string, app: string, backAtMs: number): void {
  const events = ledgerOf(rec.ledger, waiter).map((e) => e.event);
  const up = events.indexOf('dependency-up');
  const lost = events.indexOf('dependency-lost', up);
  if (up < 0 || lost < 0) fail(`${waiter} to see the dependency up, then lose it`, events.join(', ') || 'nothing');
  if (events.at(-1) !== 'ran') fail(`${waiter} to finish once the dependency was back`, events.join(', '));
  const rc = Math.max(...rec.rows.map((r) => containerIn(r, waiter)?.restartCount ?? 0));
  if (rc !== 0) fail(`${waiter} to wait through the outage, not fail`, `restartCount ${rc}`, rec.rows);
  const early = rec.rows.find((r) => r.elapsedMs < backAtMs && (r.conditions.Initialized === 'True' || containerIn(r, app)?.state === 'running'));
  if (early) fail(`the pod initializing until the dependency was back at t+${(backAtMs / 1000).toFixed(2)}s`, `row #${early.seq} at t+${(early.elapsedMs / 1000).toFixed(2)}s: ${early.status}`, [early]);
  const end = rec.rows.at(-1)!;
  if (end.phase !== 'Running') fail('phase Running in the end', `phase ${end.phase}`, rec.rows.slice(-3));
}

/**
 * A flaky init container under random kills converged: its attempts ended exactly as planned (137
 * for each kill, 1 for each scripted failure, in that order), its restartCount is kills plus
 * scripted failures, it finished once, and the pod runs.
 */
export function checkConvergedUnderKills(rec: Recording, name: string, plannedExits: number[]): void {
  const ended = attemptsOf(rec.rows, name).map((a) => a.exitCode);
  const want = [...plannedExits, 0];
  if (JSON.stringify(ended) !== JSON.stringify(want)) fail(`the attempts of ${name} to end with exit codes ${want.join(', ')} (kills 137, scripted failures 1, then success)`, ended.join(', '), rec.rows);
  const end = rec.rows.at(-1)!;
  const rc = containerIn(end, name)?.restartCount;
  if (rc !== plannedExits.length) fail(`${name} restartCount ${plannedExits.length} (kills plus scripted failures)`, `restartCount ${rc}`, rec.rows.slice(-3));
  const ran = ledgerOf(rec.ledger, name).filter((e) => e.event === 'ran').length;
  if (ran !== 1) fail(`${name} to finish exactly once`, `${ran} "ran" ledger lines`);
  if (end.phase !== 'Running') fail('phase Running in the end', `phase ${end.phase}`, rec.rows.slice(-3));
}

/**
 * The timeline recorder kept every transition through a disturbance (an API server restart): the
 * resourceVersions and STATUS it recorded, each object once (a row, then the same object listed
 * after 410 Gone, count once), are exactly those a second, independent watch saw.
 */
export function checkSameTransitions(recorded: RecordedRow[], independent: Array<{ rv: string; status: string }>): void {
  const mine = recorded.filter((r, i) => r.resourceVersion !== recorded[i - 1]?.resourceVersion).map((r) => `${r.resourceVersion} ${r.status}`);
  const theirs = independent.map((s) => `${s.rv} ${s.status}`);
  const missing = theirs.filter((t) => !mine.includes(t));
  const extra = mine.filter((m) => !theirs.includes(m));
  if (mine.join('\n') !== theirs.join('\n')) {
    fail('the recorder\'s transitions to be exactly those of the independent watch, in order', `missing from the recorder: ${missing.join('; ') || 'none'}; only in the recorder: ${extra.join('; ') || 'none'}; recorder: ${mine.join(', ')}; independent: ${theirs.join(', ')}`);
  }
}
