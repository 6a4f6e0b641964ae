/**
 * A pod's timeline rows, pure: what one pod object the API server reported becomes (its
 * containers, its conditions, the STATUS podColumns computes beside the one the server printed),
 * which rows are transitions, and the readable table of them with the marks in between.
 * PodTimeline (timeline.ts) feeds it from its watch.
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { podColumns } from './status.js';

export interface ContainerSnapshot {
  name: string;
  kind: 'init' | 'sidecar' | 'app';
  state: 'waiting' | 'running' | 'terminated' | 'none';
  reason?: string;
  exitCode?: number;
  restartCount: number;
  started?: boolean;
  ready: boolean;
  startedAt?: string;
  finishedAt?: string;
  /** The runtime's id of this attempt (one per start). */
  containerID?: string;
  last?: { exitCode: number; reason?: string; startedAt?: string; finishedAt?: string; containerID?: string };
}

export interface TimelineRow {
  seq: number;
  /** When this initc process received the event (ISO). */
  receivedAt: string;
  /** Milliseconds since the timeline started. */
  elapsedMs: number;
  resourceVersion: string;
  event: 'ADDED' | 'MODIFIED' | 'DELETED' | 'LISTED';
  phase: string;
  podReason?: string;
  /** STATUS computed by podColumns from this object. */
  status: string;
  /** STATUS the API server printed for this same object (its Table); undefined when not served. */
  serverStatus?: string;
  ready: string;
  restarts: number;
  conditions: Record<string, string>;
  containers: ContainerSnapshot[];
  pod: V1Pod;
}

/** Something done to the pod or its node from outside (an injected fault), placed among the rows by time. */
export interface TimelineMark {
  elapsedMs: number;
  at: string;
  text: string;
}


function snapshot(s: V1ContainerStatus, kind: ContainerSnapshot['kind']): ContainerSnapshot {
  const st = s.state ?? {};
  const state: ContainerSnapshot['state'] = st.running ? 'running' : st.terminated ? 'terminated' : st.waiting ? 'waiting' : 'none';
  const last = s.lastState?.terminated;
  return {
    name: s.name,
    kind,
    state,
    reason: st.waiting?.reason ?? st.terminated?.reason,
    exitCode: st.terminated?.exitCode,
    restartCount: s.restartCount ?? 0,
    started: s.started,
    ready: s.ready,
    startedAt: toIso(st.running?.startedAt ?? st.terminated?.startedAt),
    finishedAt: toIso(st.terminated?.finishedAt),
    containerID: st.terminated?.containerID ?? (st.running ? s.containerID : undefined),
    last: last ? { exitCode: last.exitCode, reason: last.reason, startedAt: toIso(last.startedAt), finishedAt: toIso(last.finishedAt), containerID: last.containerID } : undefined,
  };
}

// The kubelet reports a lost sandbox's containers (ContainerStatusUnknown) with null timestamps.
function toIso(d: Date | string | null | undefined): string | undefined {
  return d === undefined || d === null ? undefined : d instanceof Date ? d.toISOString() : String(d);
}

export function describeContainers(pod: V1Pod): ContainerSnapshot[] {
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  return [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => snapshot(s, sidecars.has(s.name) ? 'sidecar' : 'init')),
    ...(pod.status?.containerStatuses ?? []).map((s) => snapshot(s, 'app')),
  ];
}

/** Where a row stands in its timeline: its number and when it was received. */
export interface RowPlace {
  seq: number;
  receivedAt: string;
  elapsedMs: number;
}

/** The row for one pod object the server reported, with the STATUS cell it printed for it (a string, or undefined when not served). */
export function podRow(place: RowPlace, event: TimelineRow['event'], pod: V1Pod, serverStatus: unknown, printerMinor: number): TimelineRow {
  const cols = podColumns(pod, printerMinor);
  const conditions: Record<string, string> = {};
  for (const c of pod.status?.conditions ?? []) conditions[c.type] = c.reason ? `${c.status} (${c.reason})` : c.status;
  return {
    ...place,
    resourceVersion: pod.metadata?.resourceVersion ?? '',
    event,
    phase: pod.status?.phase ?? '',
    podReason: pod.status?.reason,
    status: cols.status,
    serverStatus: typeof serverStatus === 'string' ? serverStatus : undefined,
    ready: cols.ready,
    restarts: cols.restarts,
    conditions,
    containers: describeContainers(pod),
    pod,
  };
}

/** Rows whose observable summary differs from the previous row's (managedFields-only updates dropped). */
export function transitions(rows: TimelineRow[]): TimelineRow[] {
  const out: TimelineRow[] = [];
  let prev = '';
  for (const r of rows) {
    const key = summaryKey(r);
    if (key !== prev) out.push(r);
    prev = key;
  }
  return out;
}

/** The readable table of transitions, with the marks in between; `lastN` keeps only the last rows (and the marks from the first of them on). */
export function timelineTable(rows: TimelineRow[], marks: TimelineMark[], lastN?: number): string {
  const shown = lastN ? transitions(rows).slice(-lastN) : transitions(rows);
  const from = lastN && shown.length ? shown[0]!.elapsedMs : -Infinity;
  return formatTimeline(shown, marks.filter((m) => m.elapsedMs >= from));
}

function containerCell(c: ContainerSnapshot): string {
  return `${c.name}:${c.state}${c.reason ? `(${c.reason})` : ''}${c.exitCode !== undefined ? `[exit ${c.exitCode}]` : ''}${c.restartCount ? `↻${c.restartCount}` : ''}`;
}

function summaryKey(r: TimelineRow): string {
  return JSON.stringify([r.phase, r.status, r.serverStatus, r.conditions, r.containers.map(containerCell), r.event === 'DELETED']);
}

export function formatTimeline(rows: TimelineRow[], marks: TimelineMark[] = []): string {
  const header = ['#', 't+s', 'rv', 'event', 'phase', 'STATUS', 'server STATUS', 'Initialized', 'containers'];
  const lines = rows.map((r) => [
    String(r.seq),
    (r.elapsedMs / 1000).toFixed(2),
    r.resourceVersion,
    r.event,
    r.phase,
    r.status,
    r.serverStatus ?? '-',
    r.conditions.Initialized ?? '-',
    r.containers.map(containerCell).join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = lines.map((l, i) => ({ elapsedMs: rows[i]!.elapsedMs, text: fmt(l) }));
  for (const m of marks) out.push({ elapsedMs: m.elapsedMs, text: `>>  ${(m.elapsedMs / 1000).toFixed(2)}  ${m.text}` });
  // Stable: a mark at the same millisecond as a row comes after it.
  out.sort((a, b) => a.elapsedMs - b.elapsedMs);
  return [fmt(header), ...out.map((o) => o.text)].join('\n');
}
