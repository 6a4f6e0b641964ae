/** What one pod's recorded timeline shows: its STATUS sequence, restarts, back-offs and chart points. */
import { defaultBackoff, expectedBackoff, restartIntervalsOf } from '../checks/backoff.js';
import type { BackoffSchedule } from '../checks/backoff.js';
import type { TimelineMark, TimelineRow } from '../observe/timeline.js';
import type { ContainerBackoffs, PodObservation, StatusPoint } from './model.js';

export type RecordedRow = Omit<TimelineRow, 'pod'>;

/** What a timeline attachment holds: {rows, marks}, or (results of older runs) the rows alone. */
export function timelineOf(content: unknown): { rows: RecordedRow[]; marks: TimelineMark[] } | undefined {
  const value = content as { rows?: unknown; marks?: unknown } | unknown[];
  const rows = Array.isArray(value) ? value : value?.rows;
  // Rows of another shape (no containers list) would break every reading of them: none is a timeline.
  if (!Array.isArray(rows) || !rows.every((r) => Array.isArray((r as { containers?: unknown } | null)?.containers))) return undefined;
  const marks = !Array.isArray(value) && Array.isArray(value!.marks) ? (value!.marks as TimelineMark[]) : [];
  return { rows: rows as RecordedRow[], marks };
}

function roundToMs(sec: number): number {
  return Math.round(sec * 1000) / 1000;
}

/**
 * Each container seen in more than one attempt: the seconds between its attempts (as the checks
 * read them, restartIntervalsOf) against the kubelet's back-off for each restart: the schedule the run
 * recorded for it, else the default.
 */
export function backoffsOf(rows: RecordedRow[], schedule: BackoffSchedule = defaultBackoff()): ContainerBackoffs[] {
  const containers = [...new Set(rows.flatMap((r) => r.containers.map((c) => c.name)))];
  return containers.flatMap((container) => {
    const { seconds, unended } = restartIntervalsOf(rows, container);
    if (!seconds.length && !unended) return [];
    const intervals = seconds.map((intervalSec, i) => ({ restart: i + 1, intervalSec, backoffSec: expectedBackoff(i, schedule), lateSec: roundToMs(intervalSec - expectedBackoff(i, schedule)) }));
    return [{ container, intervals, unendedAttempt: unended?.attempt ?? null }];
  });
}

export function observe(pod: string, rows: RecordedRow[], marks: TimelineMark[], schedule: BackoffSchedule = defaultBackoff()): PodObservation {
  const shown = (r: RecordedRow) => r.serverStatus ?? r.status;
  const points: StatusPoint[] = [];
  for (const r of rows) if (points.at(-1)?.status !== shown(r)) points.push({ elapsedMs: r.elapsedMs, status: shown(r) });
  const last = rows.at(-1);
  // The loop above pushed the first row, so there is a last point.
  if (last && points.at(-1)!.elapsedMs !== last.elapsedMs) points.push({ elapsedMs: last.elapsedMs, status: shown(last) });
  const statusSequence: string[] = [];
  for (const p of points) if (statusSequence.at(-1) !== p.status) statusSequence.push(p.status);
  return {
    pod,
    statusSequence,
    restarts: (last?.containers ?? []).map((c) => ({ container: c.name, kind: c.kind, restartCount: c.restartCount })),
    backoffs: backoffsOf(rows, schedule),
    finalPhase: last?.phase ?? null,
    points,
    marks: marks.map((m) => ({ elapsedMs: m.elapsedMs, text: m.text })),
  };
}
