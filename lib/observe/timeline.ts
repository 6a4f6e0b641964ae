/**
 * A pod's timeline: every change the API server reports for one pod, in order, each with the time
 * it was received and its resourceVersion. It watches in the server-side Table format with the
 * object included, so every row carries both the pod and the STATUS the server itself printed for
 * exactly that object; `podColumns` computes ours, and a disagreement is kept for the tests to
 * fail on. The watch resumes from the last resourceVersion when it drops, and lists again on
 * 410 Gone, so no transition is lost.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { TABLE_ACCEPT, requestJson, watchStream } from '../kube/raw.js';
import type { TimelineMark, TimelineRow } from './pod-rows.js';
import { podRow, timelineTable, transitions } from './pod-rows.js';
import type { PodWait } from './wait.js';
import { InfrastructureError, WaitFailed, infrastructureTrouble } from './wait.js';
import { abortableSleep } from '../util/time.js';

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
              rv = table.metadata?.resourceVersion ?? rv;
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
