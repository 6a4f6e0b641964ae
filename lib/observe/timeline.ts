/**
 * A pod's timeline: every change the API server reports for one pod, in order, each with the time
 * it was received and its resourceVersion. It watches in the server-side Table format with the
 * object included, so every row carries both the pod and the STATUS the server itself printed for
 * exactly that object; `podColumns` computes ours, and a disagreement is kept for the tests to
 * fail on. The watch resumes from the last resourceVersion when it drops, and lists again on
 * 410 Gone, so no transition is lost.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { TABLE_ACCEPT, requestJson } from '../kube/raw.js';
import { resumingWatch } from './watch-loop.js';
import type { TimelineMark, TimelineRow } from './pod-rows.js';
import { podRow, timelineTable, transitions } from './pod-rows.js';
import type { PodWait } from './wait.js';
import { InfrastructureError, WaitFailed, infrastructureTrouble } from './wait.js';

export type { ContainerSnapshot, TimelineMark, TimelineRow } from './pod-rows.js';
export { describeContainers, formatTimeline } from './pod-rows.js';

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

type Listener = (row: TimelineRow) => void;

export class PodTimeline {
  readonly rows: TimelineRow[] = [];
  readonly marks: TimelineMark[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly abort = new AbortController();
  private readonly started = Date.now();
  private statusColumn = 2;
  /** The watch loop, set by start() (the only way to make a timeline). */
  private running!: Promise<void>;
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

  private watchLoop(fromRv: string): Promise<void> {
    return resumingWatch(
      {
        kc: this.kc,
        watchPath: (rv) => `${this.basePath}&watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`,
        accept: TABLE_ACCEPT,
        onEvent: (type, object, rv) => {
          const table = object as TableJson;
          if (type === 'BOOKMARK') return table.metadata?.resourceVersion ?? rv;
          this.learnColumns(table);
          let last = rv;
          for (const row of table.rows ?? []) {
            this.record(type as TimelineRow['event'], row);
            last = row.object.metadata?.resourceVersion ?? last;
          }
          return last;
        },
        relist: () => this.list(),
        errors: this.watchErrors,
        signal: this.abort.signal,
      },
      fromRv,
    );
  }

  private record(event: TimelineRow['event'], tableRow: TableRowJson): void {
    const place = { seq: this.rows.length + 1, receivedAt: new Date().toISOString(), elapsedMs: Date.now() - this.started };
    const row = podRow(place, event, tableRow.object, tableRow.cells?.[this.statusColumn], this.printerMinor);
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
    await this.running.catch(() => undefined);
  }

  /** Rows whose observable summary differs from the previous row's (managedFields-only updates dropped). */
  transitions(): TimelineRow[] {
    return transitions(this.rows);
  }

  /** Records an outside action (a fault injected, undone) at this moment, for the evidence. */
  mark(text: string): void {
    this.marks.push({ elapsedMs: this.elapsedMs(), at: new Date().toISOString(), text });
  }

  /** The readable table of transitions, with the marks in between; `lastN` keeps only the last rows. */
  table(lastN?: number): string {
    return timelineTable(this.rows, this.marks, lastN);
  }
}
