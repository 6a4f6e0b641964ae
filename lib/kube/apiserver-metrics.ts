/**
 * The API server's load over an interval, from two samples of its /metrics (Prometheus text):
 * requests served (apiserver_request_total, every verb) and the p99 of request latency
 * (apiserver_request_duration_seconds buckets of the non-streaming verbs), computed from the
 * buckets' growth between the samples as Prometheus' histogram_quantile does.
 */

/** Verbs whose "duration" is how long a stream stayed open, not how long a request took. */
export const STREAMING_VERBS: readonly string[] = ['WATCH', 'CONNECT'];

export interface RequestSample {
  /** apiserver_request_total summed over every series. */
  requests: number;
  /** Cumulative count of apiserver_request_duration_seconds observations ≤ each bound (+Inf included), summed over the non-streaming series. */
  buckets: ReadonlyMap<number, number>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** A series' labels, values as written (escapes kept: only verb and le are read, which have none). */
function labelsOf(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(LABEL)) labels[m[1]!] = m[2]!;
  return labels;
}

function bound(le: string | undefined, line: string): number {
  const value = le === '+Inf' ? Infinity : Number(le);
  // Number('') is 0 and Number(undefined) NaN: an empty le is refused by name.
  if (le === '' || Number.isNaN(value)) throw new Error(`a bucket without a numeric le: ${line}`);
  return value;
}

/** The request counter and the latency buckets of one /metrics page. */
export function parseRequestMetrics(text: string): RequestSample {
  let requests = 0;
  let sawRequests = false;
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const [, name, labelText, raw] = m;
    if (name !== 'apiserver_request_total' && name !== 'apiserver_request_duration_seconds_bucket') continue;
    const value = Number(raw);
    if (Number.isNaN(value)) throw new Error(`not a number: ${line}`);
    const labels = labelText === undefined ? {} : labelsOf(labelText);
    if (name === 'apiserver_request_total') {
      requests += value;
      sawRequests = true;
    } else if (!STREAMING_VERBS.includes(labels.verb!)) {
      const le = bound(labels.le, line);
      buckets.set(le, (buckets.get(le) ?? 0) + value);
    }
  }
  if (!sawRequests) throw new Error('the /metrics page has no apiserver_request_total');
  if (!buckets.has(Infinity)) throw new Error('the /metrics page has no apiserver_request_duration_seconds_bucket{le="+Inf"} of a non-streaming verb');
  return { requests, buckets };
}

/** Observations per bucket bound between two samples (after − before), in ascending bound order. */
export function bucketGrowth(before: RequestSample, after: RequestSample): Array<{ le: number; count: number }> {
  const bounds = [...new Set([...before.buckets.keys(), ...after.buckets.keys()])].sort((a, b) => a - b);
  const growth = bounds.map((le) => ({ le, count: (after.buckets.get(le) ?? 0) - (before.buckets.get(le) ?? 0) }));
  if (growth.some((b) => b.count < 0)) throw new Error('a latency bucket shrank between the samples (the API server restarted?)');
  return growth;
}

/**
 * The q-quantile of cumulative buckets (ascending bounds, the last +Inf), as Prometheus'
 * histogram_quantile: the first bucket holding the rank q × total, interpolated linearly inside
 * it (from 0 for the first bucket); a rank in the +Inf bucket gives the highest finite bound.
 * undefined when no observation was made.
 */
export function quantileOfBuckets(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number | undefined {
  if (!(q > 0 && q <= 1)) throw new Error(`a quantile is over 0 and at most 1, not ${q}`);
  const last = buckets[buckets.length - 1];
  if (!last || last.le !== Infinity) throw new Error('the buckets do not end with +Inf');
  for (let i = 1; i < buckets.length; i++) if (buckets[i]!.count < buckets[i - 1]!.count) throw new Error(`the buckets are not cumulative (le ${buckets[i]!.le} holds fewer than le ${buckets[i - 1]!.le})`);
  const total = last.count;
  if (total === 0) return undefined;
  const rank = q * total;
  const b = buckets.findIndex((x) => x.count >= rank);
  if (b === buckets.length - 1) return buckets.length > 1 ? buckets[b - 1]!.le : undefined;
  const end = buckets[b]!.le;
  // Latency bounds are above 0: the first bucket starts at 0 (Prometheus returns a first bound ≤ 0 as it is).
  if (b === 0) return (end * rank) / buckets[0]!.count;
  const start = buckets[b - 1]!.le;
  const inBucket = buckets[b]!.count - buckets[b - 1]!.count;
  return start + ((end - start) * (rank - buckets[b - 1]!.count)) / inBucket;
}

export interface IntervalLoad {
  requests: number;
  requestsPerSecond: number;
  /** Non-streaming requests whose latency was observed. */
  timed: number;
  /** p99 of their latency in seconds; undefined when none was observed. */
  p99?: number;
}

/** The API server's load between two samples taken `seconds` apart. */
export function intervalLoad(before: RequestSample, after: RequestSample, seconds: number): IntervalLoad {
  if (!(seconds > 0)) throw new Error(`an interval lasts more than 0 s, not ${seconds}`);
  const requests = after.requests - before.requests;
  if (requests < 0) throw new Error('apiserver_request_total shrank between the samples (the API server restarted?)');
  const growth = bucketGrowth(before, after);
  return { requests, requestsPerSecond: requests / seconds, timed: growth[growth.length - 1]!.count, p99: quantileOfBuckets(0.99, growth) };
}

/** Each concurrent run's wall time against one run alone: the mean and the worst ratio. */
export function slowdown(walls: readonly number[], alone: number): { mean: number; worst: number } {
  if (!walls.length) throw new Error('no run to compare');
  if (!(alone > 0)) throw new Error(`one run alone took ${alone} s: nothing to compare with`);
  return { mean: walls.reduce((s, w) => s + w, 0) / walls.length / alone, worst: Math.max(...walls) / alone };
}
