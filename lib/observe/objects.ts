/**
 * The timeline of workload objects (Deployments, StatefulSets, DaemonSets, Jobs, ReplicaSets, or
 * any namespaced kind): every change the API server reports for the objects of one kind in a
 * namespace (all, or those a label selector picks), in order, each with the time it was received,
 * its resourceVersion, generation and status. Listed first, then watched from the list's
 * resourceVersion; a dropped watch resumes from the last resourceVersion, a 410 Gone lists again.
 * Pure rows for the checks (lib/checks/workloads.ts), like PodTimeline's for pods.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { requestJson } from '../kube/raw.js';
import { resumingWatch } from './watch-loop.js';
import { WaitFailed } from './wait.js';

export interface ObjectRow {
  seq: number;
  receivedAt: string;
  elapsedMs: number;
  event: 'ADDED' | 'MODIFIED' | 'DELETED' | 'LISTED';
  name: string;
  resourceVersion: string;
  generation?: number;
  /** status.observedGeneration, when the object has one. */
  observedGeneration?: number;
  /** Condition type → "Status (Reason)" (or "Status"). */
  conditions: Record<string, string>;
  /** The object's status as the server reported it. */
  status: Record<string, unknown>;
  /** Labels, for telling a ReplicaSet's revision (pod-template-hash) apart. */
  labels?: Record<string, string>;
}

export interface ObjectJson {
  metadata?: { name?: string; resourceVersion?: string; generation?: number; labels?: Record<string, string> };
  status?: Record<string, unknown> & { observedGeneration?: number; conditions?: Array<{ type: string; status: string; reason?: string }> };
}

export function conditionsOf(o: ObjectJson): Record<string, string> {
  return Object.fromEntries((o.status?.conditions ?? []).map((c) => [c.type, c.reason ? `${c.status} (${c.reason})` : c.status]));
}

/** The row for one object the server reported: its status as reported, its conditions apart. */
export function objectRow(place: { seq: number; receivedAt: string; elapsedMs: number }, event: ObjectRow['event'], o: ObjectJson): ObjectRow {
  const { conditions: _conditions, ...status } = o.status ?? {};
  return {
    ...place,
    event,
    name: o.metadata?.name ?? '',
    resourceVersion: o.metadata?.resourceVersion ?? '',
    generation: o.metadata?.generation,
    observedGeneration: o.status?.observedGeneration,
    conditions: conditionsOf(o),
    status,
    labels: o.metadata?.labels,
  };
}

export class ObjectTimeline {
  readonly rows: ObjectRow[] = [];
  readonly watchErrors: string[] = [];
  private readonly abort = new AbortController();
  private readonly started = Date.now();
  private readonly listeners = new Set<(row: ObjectRow, obj: unknown) => void>();
  /** The watch loop, set by start() (the only way to make a timeline). */
  private running!: Promise<void>;

  private constructor(
    private readonly kc: KubeConfig,
    /** e.g. /apis/apps/v1/namespaces/ns/deployments */
    readonly collection: string,
    readonly selector?: string,
  ) {}

  /** Starts recording (list, then watch); call before creating the objects so their ADDED events are seen. */
  static async start(kc: KubeConfig, collection: string, labelSelector?: string): Promise<ObjectTimeline> {
    const t = new ObjectTimeline(kc, collection, labelSelector);
    const rv = await t.list();
    t.running = t.watchLoop(rv);
    return t;
  }

  /** The kind's plural, for evidence names: "deployments". */
  get kind(): string {
    return this.collection.split('/').at(-1)!;
  }

  private path(extra: string): string {
    const q = [this.selector ? `labelSelector=${encodeURIComponent(this.selector)}` : '', extra].filter(Boolean).join('&');
    return `${this.collection}${q ? `?${q}` : ''}`;
  }

  private async list(): Promise<string> {
    const list = await requestJson<{ metadata?: { resourceVersion?: string }; items?: ObjectJson[] }>(this.kc, 'GET', this.path(''));
    for (const o of list.items ?? []) this.record('LISTED', o);
    return list.metadata?.resourceVersion ?? '';
  }

  private watchLoop(fromRv: string): Promise<void> {
    return resumingWatch(
      {
        kc: this.kc,
        watchPath: (rv) => this.path(`watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`),
        accept: 'application/json',
        onEvent: (type, object, rv) => {
          if (type !== 'BOOKMARK') this.record(type as ObjectRow['event'], object as ObjectJson);
          return (object as ObjectJson).metadata?.resourceVersion ?? rv;
        },
        relist: () => this.list(),
        errors: this.watchErrors,
        signal: this.abort.signal,
      },
      fromRv,
    );
  }

  private record(event: ObjectRow['event'], o: ObjectJson): void {
    const row = objectRow({ seq: this.rows.length + 1, receivedAt: new Date().toISOString(), elapsedMs: Date.now() - this.started }, event, o);
    this.rows.push(row);
    for (const l of this.listeners) l(row, o);
  }

  /** Calls `listener` with every row from now on (and the object); returns the unsubscribe function. */
  onRow(listener: (row: ObjectRow, obj: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first row (recorded or to come) meeting `met`; rejects after `timeoutMs`, showing the last rows. */
  until(description: string, met: (row: ObjectRow) => boolean, timeoutMs: number): Promise<ObjectRow> {
    return new Promise((resolve, reject) => {
      const seen = this.rows.find(met);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new WaitFailed(`expected ${description} within ${timeoutMs / 1000}s; it did not happen.\nObserved ${this.kind}:\n${this.table(8)}`, undefined));
      }, timeoutMs);
      const unsubscribe = this.onRow((row) => {
        if (!met(row)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(row);
      });
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running.catch(() => undefined);
  }

  /** A readable table of the rows (the last `lastN`). */
  table(lastN?: number): string {
    return formatObjectRows(lastN ? this.rows.slice(-lastN) : this.rows);
  }
}

export function formatObjectRows(rows: ObjectRow[]): string {
  return rows
    .map((r) => {
      const status = Object.entries(r.status)
        .filter(([k]) => k !== 'observedGeneration')
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' ');
      const conds = Object.entries(r.conditions).map(([k, v]) => `${k}:${v}`).join(' ');
      return `#${r.seq} t+${(r.elapsedMs / 1000).toFixed(2)}s rv ${r.resourceVersion} ${r.event} ${r.name} gen ${r.generation ?? '-'}/${r.observedGeneration ?? '-'} ${status}${conds ? ` | ${conds}` : ''}`;
    })
    .join('\n');
}
