import { expect } from 'chai';
import { bucketGrowth, intervalLoad, parseRequestMetrics, quantileOfBuckets, slowdown } from '../../lib/kube/apiserver-metrics.js';

const LABELS = 'component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",version="v1"';
/** A /metrics page as the API server writes it: GET, POST and WATCH series, with _sum and _count beside the buckets. */
function page(o: { get: number[]; post: number[]; watch: number[]; totals: [number, number, number] }): string {
  const bounds = ['0.005', '0.025', '0.1', '1', '+Inf'];
  const series = (verb: string, counts: number[]) => [
    ...bounds.map((le, i) => `apiserver_request_duration_seconds_bucket{${LABELS},verb="${verb}",le="${le}"} ${counts[i]}`),
    `apiserver_request_duration_seconds_sum{${LABELS},verb="${verb}"} 12.5`,
    `apiserver_request_duration_seconds_count{${LABELS},verb="${verb}"} ${counts[4]}`,
  ];
  return [
    '# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
    '# TYPE apiserver_request_total counter',
    `apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="GET",version="v1"} ${o.totals[0]}`,
    `apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="POST",version="v1"} ${o.totals[1]}`,
    `apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="resource",subresource="",verb="WATCH",version="v1"} ${o.totals[2]}`,
    'apiserver_request_total_other_metric 1000',
    '# TYPE apiserver_request_duration_seconds histogram',
    ...series('GET', o.get),
    ...series('POST', o.post),
    ...series('WATCH', o.watch),
    '',
  ].join('\n');
}

const BEFORE = page({ get: [60, 90, 99, 100, 100], post: [0, 10, 18, 20, 20], watch: [0, 0, 0, 0, 5], totals: [100, 20, 5] });
const AFTER = page({ get: [160, 290, 394, 400, 400], post: [0, 60, 113, 120, 121], watch: [0, 0, 0, 0, 50], totals: [400, 121, 50] });

describe('the API server\'s load from two /metrics samples', () => {
  it('parses the request counter (every verb) and sums the latency buckets of the non-streaming verbs by bound', () => {
    const s = parseRequestMetrics(BEFORE);
    expect(s.requests).to.equal(125);
    expect([...s.buckets]).to.deep.equal([
      [0.005, 60],
      [0.025, 100],
      [0.1, 117],
      [1, 120],
      [Infinity, 120],
    ]);
  });

  it('p99 over the interval comes from the buckets\' growth, WATCH left out: exactly 0.1 + 0.9 × 6.99 / 10 s', () => {
    const load = intervalLoad(parseRequestMetrics(BEFORE), parseRequestMetrics(AFTER), 10);
    expect(load.requests).to.equal(446);
    expect(load.requestsPerSecond).to.equal(44.6);
    expect(load.timed).to.equal(401);
    // Growth: ≤0.005 100, ≤0.025 250, ≤0.1 390, ≤1 400, all 401; rank 0.99 × 401 = 396.99 falls in (0.1, 1].
    expect(load.p99).to.be.closeTo(0.7291, 1e-12);
  });

  it('controls: p99 of the second sample alone (not the growth) differs, and with WATCH counted the rank falls in +Inf', () => {
    const after = parseRequestMetrics(AFTER);
    const absolute = [...after.buckets].map(([le, count]) => ({ le, count }));
    // ≤1 holds 520 of 521: rank 515.79 → 0.1 + 0.9 × (515.79 − 507) / 13.
    expect(quantileOfBuckets(0.99, absolute)).to.be.closeTo(0.1 + (0.9 * 8.79) / 13, 1e-12);
    const withWatch = bucketGrowth(parseRequestMetrics(BEFORE), after).map((b) => (b.le === Infinity ? { ...b, count: b.count + 45 } : b));
    expect(quantileOfBuckets(0.99, withWatch)).to.equal(1);
  });

  it('the quantile of cumulative buckets, as histogram_quantile computes it', () => {
    const b = (...pairs: Array<[number, number]>) => pairs.map(([le, count]) => ({ le, count }));
    expect(quantileOfBuckets(0.25, b([0.1, 50], [Infinity, 100])), 'in the first bucket, from 0').to.equal(0.05);
    expect(quantileOfBuckets(0.5, b([0.1, 50], [0.2, 100], [Infinity, 100])), 'a rank equal to a bucket\'s count is in that bucket').to.equal(0.1);
    expect(quantileOfBuckets(0.75, b([0.1, 50], [0.3, 100], [Infinity, 100]))).to.be.closeTo(0.2, 1e-12);
    expect(quantileOfBuckets(1, b([0.1, 50], [0.3, 100], [Infinity, 100]))).to.be.closeTo(0.3, 1e-12);
    expect(quantileOfBuckets(0.99, b([0.1, 10], [Infinity, 100])), 'in +Inf: the highest finite bound').to.equal(0.1);
    expect(quantileOfBuckets(0.99, b([0.1, 0], [Infinity, 0])), 'no observation').to.equal(undefined);
    expect(quantileOfBuckets(0.5, b([Infinity, 10])), 'only +Inf').to.equal(undefined);
    expect(quantileOfBuckets(0.2, b([0, 5], [Infinity, 10])), 'a first bound of 0').to.equal(0);
    expect(() => quantileOfBuckets(0.5, b([0.1, 5], [0.2, 4], [Infinity, 10]))).to.throw('the buckets are not cumulative (le 0.2 holds fewer than le 0.1)');
    expect(() => quantileOfBuckets(0.5, b([0.1, 5], [0.2, 10]))).to.throw('the buckets do not end with +Inf');
    expect(() => quantileOfBuckets(0.5, [])).to.throw('the buckets do not end with +Inf');
    expect(() => quantileOfBuckets(0, b([Infinity, 1]))).to.throw('a quantile is over 0 and at most 1, not 0');
    expect(() => quantileOfBuckets(1.01, b([Infinity, 1]))).to.throw('a quantile is over 0 and at most 1, not 1.01');
  });

  it('bucket growth: a bound only in the second sample counts from 0; a shrinking bucket or counter is refused (the API server restarted)', () => {
    const s = (requests: number, pairs: Array<[number, number]>) => ({ requests, buckets: new Map(pairs) });
    expect(bucketGrowth(s(1, [[Infinity, 3]]), s(2, [[0.5, 2], [Infinity, 7]]))).to.deep.equal([
      { le: 0.5, count: 2 },
      { le: Infinity, count: 4 },
    ]);
    expect(() => bucketGrowth(s(1, [[Infinity, 3]]), s(2, [[Infinity, 2]]))).to.throw('a latency bucket shrank between the samples (the API server restarted?)');
    expect(() => bucketGrowth(s(1, [[0.5, 3], [Infinity, 3]]), s(2, [[0.5, 2], [Infinity, 9]])), 'one bucket of several').to.throw('a latency bucket shrank between the samples');
    expect(() => intervalLoad(s(5, [[Infinity, 3]]), s(4, [[Infinity, 3]]), 1)).to.throw('apiserver_request_total shrank between the samples (the API server restarted?)');
    expect(() => intervalLoad(s(5, [[Infinity, 3]]), s(6, [[Infinity, 3]]), 0)).to.throw('an interval lasts more than 0 s, not 0');
    expect(intervalLoad(s(5, [[Infinity, 3]]), s(5, [[Infinity, 3]]), 2)).to.deep.equal({ requests: 0, requestsPerSecond: 0, timed: 0, p99: undefined });
  });

  it('parsing: timestamps, escaped label values and comments are read; a page without the metrics, or a bucket without a bound, is refused', () => {
    const s = parseRequestMetrics(
      [
        '# a comment',
        'apiserver_request_total{verb="GET",resource="a\\"b"} 7 1700000000000\r',
        '  apiserver_request_total 2',
        'apiserver_request_duration_seconds_bucket{verb="LIST",note="x\\\\y",le="0.5"} 2 1700000000000',
        'apiserver_request_duration_seconds_bucket{verb="CONNECT",le="+Inf"} 40',
        'apiserver_request_duration_seconds_bucket{verb="LIST",le="+Inf"} 3',
      ].join('\n'),
    );
    expect(s.requests, 'CRLF and indented lines read too; a series without labels counted').to.equal(9);
    expect([...s.buckets]).to.deep.equal([
      [0.5, 2],
      [Infinity, 3],
    ]);
    expect(() => parseRequestMetrics('apiserver_request_duration_seconds_bucket{verb="GET",le="+Inf"} 3')).to.throw('the /metrics page has no apiserver_request_total');
    expect(() => parseRequestMetrics('apiserver_request_total{verb="GET"} 3\napiserver_request_duration_seconds_bucket{verb="WATCH",le="+Inf"} 3')).to.throw(
      'the /metrics page has no apiserver_request_duration_seconds_bucket{le="+Inf"} of a non-streaming verb',
    );
    expect(() => parseRequestMetrics('apiserver_request_total 1\napiserver_request_duration_seconds_bucket{verb="GET"} 3')).to.throw('a bucket without a numeric le: apiserver_request_duration_seconds_bucket{verb="GET"} 3');
    expect(() => parseRequestMetrics('apiserver_request_total 1\napiserver_request_duration_seconds_bucket{verb="GET",le="x"} 3')).to.throw('a bucket without a numeric le');
    expect(() => parseRequestMetrics('apiserver_request_total 1\napiserver_request_duration_seconds_bucket{verb="GET",le=""} 3')).to.throw('a bucket without a numeric le: apiserver_request_duration_seconds_bucket{verb="GET",le=""} 3');
    expect(() => parseRequestMetrics('apiserver_request_total{verb="GET"} x')).to.throw('not a number: apiserver_request_total{verb="GET"} x');
  });

  it('slowdown: each run\'s wall time against one run alone, mean and worst', () => {
    expect(slowdown([50, 60, 70], 40)).to.deep.equal({ mean: 1.5, worst: 1.75 });
    expect(slowdown([40], 40)).to.deep.equal({ mean: 1, worst: 1 });
    expect(() => slowdown([], 40)).to.throw('no run to compare');
    expect(() => slowdown([1], 0)).to.throw('one run alone took 0 s: nothing to compare with');
  });
});
