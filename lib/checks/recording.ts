/**
 * What a check reads: a pod's recorded timeline (without the full pod objects) and its ledger.
 * Suites build one from a live run; the negative-control tests load recorded ones from disk, alter
 * the behaviour, and expect the same check to fail.
 */
import { AssertionError } from 'chai';
import type { LedgerEntry } from '../pod/ledger.js';
import type { ContainerSnapshot, TimelineRow } from '../observe/timeline.js';

export type RecordedRow = Omit<TimelineRow, 'pod'>;

export interface Recording {
  rows: RecordedRow[];
  ledger: LedgerEntry[];
}

export function recordRows(rows: TimelineRow[]): RecordedRow[] {
  return rows.map(({ pod: _pod, ...rest }) => rest);
}

/** Throws an AssertionError saying what was expected and what was observed. */
export function fail(expected: string, observed: string, rows?: RecordedRow[]): never {
  const table = rows?.length ? `\nTimeline rows:\n${formatRows(rows)}` : '';
  throw new AssertionError(`expected ${expected}; observed ${observed}${table}`);
}

export function formatRows(rows: RecordedRow[]): string {
  return rows
    .map((r) => `#${r.seq} t+${(r.elapsedMs / 1000).toFixed(2)}s ${r.phase} ${r.status} ${r.containers.map((c) => `${c.name}:${c.state}${c.reason ? `(${c.reason})` : ''}${c.restartCount ? `↻${c.restartCount}` : ''}`).join(' ')}`)
    .join('\n');
}

/** Consecutive distinct STATUS values. */
export function statusesOf(rows: RecordedRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) if (out.at(-1) !== r.status) out.push(r.status);
  return out;
}

export function containerIn(row: RecordedRow, name: string): ContainerSnapshot | undefined {
  return row.containers.find((c) => c.name === name);
}

/** Whether the container ever ran (running or terminated, now or in its last state) in any row. */
export function everRan(rows: RecordedRow[], name: string): boolean {
  return rows.some((r) => {
    const c = containerIn(r, name);
    return Boolean(c && (c.state === 'running' || c.state === 'terminated' || c.last));
  });
}

export interface Attempt {
  containerID: string;
  startedAt: string;
  finishedAt?: string;
  exitCode?: number;
}

/**
 * Every distinct run of a container seen in the timeline, oldest first, from its current and last
 * states. Runs are told apart by container ID: an immediate restart can start in the same second
 * (the timestamps' resolution) as the run before it finished.
 */
export function attemptsOf(rows: RecordedRow[], name: string): Attempt[] {
  const byId = new Map<string, Attempt>();
  const merge = (a: Attempt) => {
    const prev = byId.get(a.containerID);
    byId.set(a.containerID, { ...prev, ...Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) } as Attempt);
  };
  for (const r of rows) {
    const c = containerIn(r, name);
    if (!c) continue;
    if (c.last?.startedAt) merge({ containerID: c.last.containerID ?? `last@${c.last.startedAt}`, startedAt: c.last.startedAt, finishedAt: c.last.finishedAt, exitCode: c.last.exitCode });
    // A snapshot carries startedAt only when it is running or terminated (snapshot in observe/timeline.ts).
    if (c.startedAt) {
      merge({ containerID: c.containerID ?? `current@${c.startedAt}`, startedAt: c.startedAt, finishedAt: c.finishedAt, exitCode: c.exitCode });
    }
  }
  // Array.prototype.sort is stable: ties at one-second resolution keep the order in which the runs were first seen.
  return [...byId.values()].sort((x, y) => Date.parse(x.startedAt) - Date.parse(y.startedAt));
}

/**
 * Why a killed attempt's exit code is not `want`, or undefined when it is. The API's code decides;
 * without one, the code the runtime reported at the kill (the kill's proof) stands in: on a loaded
 * node the kubelet may publish no status between the kill and the re-run, and remove the killed
 * container before it does (it keeps only the latest exited attempt of an init container,
 * pruneInitContainersBeforeStart), so no status ever shows that attempt's end.
 */
export function killedExitMismatch(api: number | undefined, runtime: number | undefined, want: number): string | undefined {
  if (api !== undefined) return api === want ? undefined : `exit code ${api}`;
  if (runtime === want) return undefined;
  return `no exit code in any status, and ${runtime === undefined ? 'none' : `exit code ${runtime}`} from the runtime at the kill`;
}

export { ledgerOf } from '../pod/ledger.js';
