/**
 * A pod's timeline: every change the API server reports for one pod, in order, each with the time
 * it was received and its resourceVersion. It watches in the server-side Table format with the
 * object included, so every row carries both the pod and the STATUS the server itself printed for
 * exactly that object; `podColumns` computes ours, and a disagreement is kept for the tests to
 * fail on. The watch resumes from the last resourceVersion when it drops, and lists again on
 * 410 Gone, so no transition is lost.
 */
import type { KubeConfig, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { TABLE_ACCEPT, requestJson, watchStream } from '../kube/raw.js';
import { podColumns } from './status.js';
import type { PodWait } from './wait.js';
import { InfrastructureError, WaitFailed, infrastructureTrouble } from './wait.js';

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

interface TableRowJson {
  cells: unknown[];
  object: V1Pod;
}
interface TableJson {
  kind: string;
  metadata?: { resourceVersion?: string };
  columnDefinitions?: Array<{ name: string }>;
  rows?: TableRowJson[];
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
const toIso = (d: Date | string | null | undefined) => (d === undefined || d === null ? undefined : d instanceof Date ? d.toISOString() : String(d));

export function describeContainers(pod: V1Pod): ContainerSnapshot[] {
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  return [
    ...(pod.status?.initContainerStatuses ?? []).map((s) => snapshot(s, sidecars.has(s.name) ? 'sidecar' : 'init')),
    ...(pod.status?.containerStatuses ?? []).map((s) => snapshot(s, 'app')),
  ];
}

/** Something done to the pod or its node from outside (an injected fault), placed among the rows by time. */
export interface TimelineMark {
  elapsedMs: number;
  at: string;
  text: string;
}

type Listener = (row: TimelineRow) => void;

const abortableSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

export class PodTimeline {
  readonly rows: TimelineRow[] = [];
  readonly marks: TimelineMark[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly abort = new AbortController();
  private readonly started = Date.now();
  private statusColumn = 2;
  private running: Promise<void> | undefined;
  /** Errors of the watch itself (not of the pod), kept for the evidence. */
  readonly watchErrors: string[] = [];

  private constructor(
    private readonly kc: KubeConfig,
    readonly namespace: string,
    readonly podName: string,
    private readonly printerMinor: number,
  ) {}

  /** Starts recording; call before creating the pod so its ADDED event is seen. */
  static async start(kc: KubeConfig, namespace: string, podName: string, printerMinor: number): Promise<PodTimeline> {
    const t = new PodTimeline(kc, namespace, podName, printerMinor);
    const rv = await t.list();
    t.running = t.watchLoop(rv);
    return t;
  }

  private get basePath(): string {
    return `/api/v1/namespaces/${this.namespace}/pods?fieldSelector=${encodeURIComponent(`metadata.name=${this.podName}`)}&includeObject=Object`;
  }

  private async list(): Promise<string> {
    const table = await requestJson<TableJson>(this.kc, 'GET', this.basePath, { accept: TABLE_ACCEPT });
    this.learnColumns(table);
    for (const row of table.rows ?? []) this.record('LISTED', row);
    return table.metadata?.resourceVersion ?? '';
  }

  private learnColumns(table: TableJson): void {
    const i = table.columnDefinitions?.findIndex((c) => c.name === 'Status') ?? -1;
    if (i >= 0) this.statusColumn = i;
  }

  private async watchLoop(fromRv: string): Promise<void> {
    let rv = fromRv;
    let failures = 0;
    while (!this.abort.signal.aborted) {
      let gone = false;
      let progressed = false;
      try {
        await watchStream(
          this.kc,
          `${this.basePath}&watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`,
          TABLE_ACCEPT,
          (ev) => {
            if (ev.type === 'ERROR') {
              gone = ev.object?.code === 410;
              this.watchErrors.push(`${new Date().toISOString()} watch error: ${ev.object?.message ?? JSON.stringify(ev.object)}`);
              return;
            }
            const table = ev.object as TableJson;
            progressed = true;
            if (ev.type === 'BOOKMARK') {
              rv = table.metadata?.resourceVersion ?? (ev.object?.metadata?.resourceVersion as string) ?? rv;
              return;
            }
            this.learnColumns(table);
            for (const row of table.rows ?? []) {
              this.record(ev.type as TimelineRow['event'], row);
              rv = row.object.metadata?.resourceVersion ?? rv;
            }
          },
          this.abort.signal,
        );
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.watchErrors.push(`${new Date().toISOString()} watch dropped: ${(err as Error).message}`);
        gone = gone || (err as { statusCode?: number }).statusCode === 410;
        progressed = false;
      }
      if (gone && !this.abort.signal.aborted) {
        try {
          rv = await this.list();
          progressed = true;
        } catch (err) {
          this.watchErrors.push(`${new Date().toISOString()} list again after 410 failed: ${(err as Error).message}`);
          progressed = false;
        }
      }
      // A watch that delivered nothing, or a relist that failed, waits before the next try: 0.2 s doubling to 5 s.
      failures = progressed ? 0 : failures + 1;
      if (failures) await abortableSleep(Math.min(200 * 2 ** (failures - 1), 5000), this.abort.signal);
    }
  }

  private record(event: TimelineRow['event'], tableRow: TableRowJson): void {
    const pod = tableRow.object;
    const cols = podColumns(pod, this.printerMinor);
    const serverStatus = tableRow.cells?.[this.statusColumn];
    const conditions: Record<string, string> = {};
    for (const c of pod.status?.conditions ?? []) conditions[c.type] = c.reason ? `${c.status} (${c.reason})` : c.status;
    const row: TimelineRow = {
      seq: this.rows.length + 1,
      receivedAt: new Date().toISOString(),
      elapsedMs: Date.now() - this.started,
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
    this.rows.push(row);
    for (const l of this.listeners) l(row);
  }

  /** Milliseconds since the timeline started: the clock of the rows' elapsedMs. */
  elapsedMs(): number {
    return Date.now() - this.started;
  }

  /** Calls `listener` with every row from now on; returns the unsubscribe function. */
  onRow(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get latest(): TimelineRow | undefined {
    return this.rows.at(-1);
  }

  /** Resolves with the first row (already recorded or to come) meeting `wait`; rejects on a hopeless row or at the wait's timeout. */
  until(wait: PodWait): Promise<TimelineRow> {
    const where = `${wait.description} of pod ${this.namespace}/${this.podName}`;
    return new Promise((resolve, reject) => {
      const seen = this.rows.find((row) => wait.met(row.pod));
      if (seen) return resolve(seen);
      const done = (err?: Error, row?: TimelineRow) => {
        unsubscribe();
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(row!);
      };
      const check = (row: TimelineRow) => {
        if (wait.met(row.pod)) return done(undefined, row);
        const trouble = wait.imageTroubleExpected ? undefined : infrastructureTrouble(row.pod);
        if (trouble) return done(new InfrastructureError(`while waiting for ${where}: ${trouble}`));
        const why = wait.hopeless(row.pod);
        if (why) done(new WaitFailed(`expected ${where}, but it cannot happen any more: ${why}.\nObserved:\n${this.table(8)}`, row.pod));
      };
      const timer = setTimeout(() => done(new WaitFailed(`expected ${where} within ${wait.timeoutMs / 1000}s; it did not happen.\nObserved:\n${this.table(8)}`, this.latest?.pod)), wait.timeoutMs);
      const unsubscribe = this.onRow(check);
      if (this.latest) check(this.latest);
    });
  }


  async stop(): Promise<void> {
    this.abort.abort();
    await this.running?.catch(() => undefined);
  }

  /** Rows whose observable summary differs from the previous row's (managedFields-only updates dropped). */
  transitions(): TimelineRow[] {
    const out: TimelineRow[] = [];
    let prev = '';
    for (const r of this.rows) {
      const key = summaryKey(r);
      if (key !== prev) out.push(r);
      prev = key;
    }
    return out;
  }

  /** Records an outside action (a fault injected, undone) at this moment, for the evidence. */
  mark(text: string): void {
    this.marks.push({ elapsedMs: this.elapsedMs(), at: new Date().toISOString(), text });
  }

  /** The readable table of transitions, with the marks in between; `lastN` keeps only the last rows. */
  table(lastN?: number): string {
    const rows = lastN ? this.transitions().slice(-lastN) : this.transitions();
    const from = lastN && rows.length ? rows[0]!.elapsedMs : -Infinity;
    return formatTimeline(rows, this.marks.filter((m) => m.elapsedMs >= from));
  }
}

const containerCell = (c: ContainerSnapshot) =>
  `${c.name}:${c.state}${c.reason ? `(${c.reason})` : ''}${c.exitCode !== undefined ? `[exit ${c.exitCode}]` : ''}${c.restartCount ? `↻${c.restartCount}` : ''}`;

const summaryKey = (r: TimelineRow) => JSON.stringify([r.phase, r.status, r.serverStatus, r.conditions, r.containers.map(containerCell), r.event === 'DELETED']);

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
