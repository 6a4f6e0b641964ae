/**
 * restart-all's verdicts: a restart rule with action RestartAllContainers on an app container's
 * exit restarts every container of the pod in place (KEP-5532; k8s.io/kubernetes v1.36.5
 * pkg/kubelet/kuberuntime/kuberuntime_manager.go computePodActions/getContainersToReset,
 * pkg/kubelet/status/generate.go GenerateAllContainersRestartingCondition, pkg/kubelet/kubelet_pods.go
 * convertToAPIContainerStatuses). Pure: the suite records, this decides.
 */
import { fail } from './recording.js';
import type { RecordedRow, Recording } from './recording.js';
import { attemptsOf, containerIn } from './recording.js';
import type { LedgerEntry } from '../pod/ledger.js';

export interface PodIdentity {
  seq: number;
  uid?: string;
  podIP?: string;
}

export interface RestartAllRecording extends Recording {
  /** The pod's UID and IP in each timeline row. */
  identities: PodIdentity[];
  /** The data volume's files as the trigger's re-run printed them: path → lines. */
  files: Record<string, string[]>;
}

export interface RestartAllLayout {
  inits: string[];
  sidecars: string[];
  apps: string[];
  /** The app container whose exit (its ledger line `exits-<code>`) triggers the restart. */
  trigger: string;
  exitCode: number;
}

/** `== <path>` then its lines, per file, up to the `== end` line (printsLedger's printout). */
export function filesFromPrintout(text: string): Record<string, string[]> {
  const files: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const header = /^== (\/\S+)$/.exec(line);
    if (header) files[header[1]!] = current = [];
    else if (line === '== end') current = undefined;
    else if (current && line !== '') current.push(line);
  }
  return files;
}

function lines(ledger: LedgerEntry[], container: string, event: string) {
  return ledger.filter((e) => e.container === container && e.event === event);
}
function at(e: LedgerEntry) {
  return `uptime ${e.uptime}`;
}

/** The container's `event` lines, which must be exactly `count`. */
function exactly(ledger: LedgerEntry[], container: string, event: string, count: number): LedgerEntry[] {
  const found = lines(ledger, container, event);
  if (found.length !== count) fail(`${count} "${event}" ledger line${count === 1 ? '' : 's'} of ${container}`, `${found.length}${found.length ? `: ${found.map(at).join(', ')}` : ''}`);
  return found;
}

/**
 * Every container ran twice; the re-runs came after the trigger's exit, the init containers
 * again from the first, each after the previous one finished, then the sidecars, then the apps.
 */
export function checkRestartedAll(rec: Recording, layout: RestartAllLayout): void {
  const exit = exactly(rec.ledger, layout.trigger, `exits-${layout.exitCode}`, 1)[0]!;
  const rerun = (c: string) => exactly(rec.ledger, c, 'started', 2)[1]!;
  const reran = (c: string) => exactly(rec.ledger, c, 'ran', 2)[1]!;
  for (const c of [...layout.inits, ...layout.sidecars, ...layout.apps]) {
    const again = rerun(c);
    if (again.uptime < exit.uptime) fail(`${c} to start again after ${layout.trigger} exited (${at(exit)})`, `its second start at ${at(again)}`);
  }
  layout.inits.forEach((c, i) => {
    if (i === 0) return;
    const prev = reran(layout.inits[i - 1]!);
    const again = rerun(c);
    if (again.uptime < prev.uptime) fail(`${c} to start again only after ${layout.inits[i - 1]} finished its re-run (${at(prev)})`, `${c} started again at ${at(again)}`);
  });
  const lastInit = layout.inits.length ? reran(layout.inits[layout.inits.length - 1]!) : exit;
  for (const s of layout.sidecars) {
    const again = rerun(s);
    if (again.uptime < lastInit.uptime) fail(`sidecar ${s} to start again after the init containers' re-runs (${at(lastInit)})`, `it started again at ${at(again)}`);
  }
  for (const a of layout.apps) {
    const again = rerun(a);
    for (const s of layout.sidecars) {
      const side = rerun(s);
      if (again.uptime < side.uptime) fail(`${a} to start again after sidecar ${s} did (${at(side)})`, `${a} started again at ${at(again)}`);
    }
  }
}

/** One pod UID and one pod IP in every row: restarted in place, not replaced. */
export function checkSamePod(identities: PodIdentity[], rows: RecordedRow[]): void {
  const uids = [...new Set(identities.map((i) => i.uid ?? 'none'))];
  if (uids.length !== 1) fail('one pod UID throughout', `${uids.join(', ') || 'no row'}`, rows);
  const ips = [...new Set(identities.map((i) => i.podIP).filter((ip): ip is string => Boolean(ip)))];
  if (ips.length !== 1) fail('one pod IP throughout', `${ips.join(', ') || 'none'}`, rows);
  if (!identities[identities.length - 1]!.podIP) fail(`the pod IP ${ips[0]} in the last row`, 'none', rows);
}

function conditionOf(r: RecordedRow, type: string) {
  return r.conditions[type] ?? 'absent';
}

/** The condition AllContainersRestarting went True, then False, and ended False. */
export function checkRestartingCondition(rows: RecordedRow[]): void {
  const type = 'AllContainersRestarting';
  const values = rows.map((r) => conditionOf(r, type));
  const seen = [...new Set(values)].join(' → ');
  const t = values.findIndex((v) => v.startsWith('True'));
  if (t < 0) fail(`${type} True in some row`, seen, rows);
  if (!values.slice(t + 1).some((v) => v.startsWith('False'))) fail(`${type} False after it was True`, seen, rows);
  if (!values[values.length - 1]!.startsWith('False')) fail(`${type} to end False`, `it ended ${values[values.length - 1]}`, rows);
}

/** Each container's restartCount ended at `count`. */
export function checkRestartCounts(rows: RecordedRow[], containers: string[], count: number): void {
  const last = rows[rows.length - 1]!;
  const got = containers.map((c) => `${c}=${containerIn(last, c)?.restartCount ?? 'absent'}`);
  if (got.some((g) => !g.endsWith(`=${count}`))) fail(`every restartCount ${count} (${containers.join(', ')})`, got.join(', '), rows);
}

/**
 * The data volume kept the first run's files, so the two init containers, both run twice, are
 * told apart: the idempotent one's file holds one line, the appending one's one per run.
 */
export function checkRunsKept(rec: RestartAllRecording, idempotent: { container: string; file: string }, appending: { container: string; file: string }): void {
  for (const { container, file, want } of [
    { ...idempotent, want: 1 },
    { ...appending, want: 2 },
  ]) {
    exactly(rec.ledger, container, 'ran', 2);
    const got = rec.files[file];
    if (!got) fail(`${file} (written by ${container}) in the data volume after the restart`, `no such file; printed: ${Object.keys(rec.files).join(', ') || 'none'}`);
    if (got.length !== want) fail(`${file} to hold ${want} line${want === 1 ? '' : 's'} after ${container} ran twice`, `${got.length}: ${got.join(' | ')}`);
  }
}

/**
 * Under a Never pod, an init container that fails in its re-run fails the pod
 * (pkg/kubelet/kubelet_pods.go getPhase: a failed init container that should not restart; only
 * the RestartingAllContainers reason counts as restartable): its last run exited non-zero after a
 * first run that succeeded, the pod ended Failed, and no app ran again after the restart.
 */
export function checkFailedAfterRestart(rec: Recording, init: string, apps: string[]): void {
  const runs = attemptsOf(rec.rows, init).map((a) => a.exitCode);
  if (runs.length !== 2 || runs[0] !== 0 || !runs[1]) fail(`${init} to succeed, then fail in its re-run`, `runs exiting ${runs.map((c) => c ?? 'no exit').join(', ') || 'none'}`, rec.rows);
  const last = rec.rows[rec.rows.length - 1]!;
  if (last.phase !== 'Failed') fail('the pod to fail', `its phase ended at ${last.phase}`, rec.rows);
  const again = apps.filter((a) => {
    const c = containerIn(last, a);
    return c !== undefined && c.restartCount > 0 && c.state !== 'waiting';
  });
  if (again.length) fail(`no app to run again after ${init} failed`, `${again.join(', ')} ran again`, rec.rows);
}

function distinctRuns(values: string[]): string {
  const runs: string[] = [];
  for (const v of values) if (runs.at(-1) !== v) runs.push(v);
  return runs.join(' → ');
}

/**
 * What the pod showed from the restart (AllContainersRestarting True) to the end: its phases, its
 * Initialized condition and its STATUS, each as consecutive distinct values. Evidence, not a
 * verdict: where kubectl's view of a re-initializing pod differs from a first start, this says how.
 */
export function describeReinitialization(rows: RecordedRow[]): string {
  const from = rows.findIndex((r) => conditionOf(r, 'AllContainersRestarting').startsWith('True'));
  if (from < 0) return 'AllContainersRestarting never went True';
  const during = rows.slice(from);
  return [
    `from row #${during[0]!.seq} to #${during[during.length - 1]!.seq}`,
    `phase: ${distinctRuns(during.map((r) => r.phase))}`,
    `Initialized: ${distinctRuns(during.map((r) => conditionOf(r, 'Initialized')))}`,
    `STATUS: ${distinctRuns(during.map((r) => r.status))}`,
  ].join('\n');
}
