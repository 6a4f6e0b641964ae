/**
 * The workload objects' timeline (lib/observe/objects.ts): the rows the workload checks judge,
 * rebuilt from what a real Deployment rollout recorded (test/fixtures/recordings), and the list
 * and watch bookkeeping against a scripted API server on loopback: resume from the last
 * resourceVersion, list again after 410 Gone, bookmarks move the resourceVersion but make no row.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ObjectJson, ObjectRow } from '../../lib/observe/objects.js';
import { ObjectTimeline, conditionsOf, formatObjectRows, objectRow } from '../../lib/observe/objects.js';
import { projectRoot } from '../../lib/util/paths.js';
import type { ScriptedServer } from '../support/scripted-server.js';
import { scriptedServer } from '../support/scripted-server.js';

const rollout = () =>
  JSON.parse(readFileSync(path.join(projectRoot(), 'test', 'fixtures', 'recordings', 'workloads-deployment-rollout.json'), 'utf8')) as { deployment: ObjectRow[]; pods: ObjectRow[] };

/** The object a recorded row was made from: its conditions back as the list the server sends ("True (Reason)" → status and reason). */
function objectOf(row: ObjectRow): ObjectJson {
  const conditions = Object.entries(row.conditions).map(([type, v]) => {
    const m = /^(\S+) \((.*)\)$/.exec(v);
    return m ? { type, status: m[1]!, reason: m[2]! } : { type, status: v };
  });
  return {
    metadata: { name: row.name, resourceVersion: row.resourceVersion, generation: row.generation, labels: row.labels },
    status: { ...row.status, ...(row.observedGeneration !== undefined ? { observedGeneration: row.observedGeneration } : {}), ...(conditions.length ? { conditions } : {}) },
  };
}
const placeOf = (r: ObjectRow) => ({ seq: r.seq, receivedAt: r.receivedAt, elapsedMs: r.elapsedMs });
const json = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

describe('workload object rows', () => {
  it('a real rollout: every recorded Deployment and pod row is what objectRow makes of its object', () => {
    const { deployment, pods } = rollout();
    const withConditions = deployment.filter((r) => Object.keys(r.conditions).length);
    expect(withConditions.length, 'the recording has conditions with reasons').to.be.greaterThan(2);
    expect(Object.values(withConditions.at(-1)!.conditions).some((v) => / \(/.test(v))).to.equal(true);
    for (const r of [...deployment, ...pods]) expect(json(objectRow(placeOf(r), r.event, objectOf(r))), `${r.name} #${r.seq}`).to.deep.equal(json(r));
  });

  it('keeps the status as reported without its conditions; an object without metadata or status has empty name and rv', () => {
    const o = { metadata: { name: 'web', resourceVersion: '7', generation: 3 }, status: { observedGeneration: 2, replicas: 1, conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }, { type: 'Progressing', status: 'True' }] } };
    const row = objectRow({ seq: 2, receivedAt: 'r', elapsedMs: 5 }, 'MODIFIED', o);
    expect(row).to.deep.equal({
      seq: 2,
      receivedAt: 'r',
      elapsedMs: 5,
      event: 'MODIFIED',
      name: 'web',
      resourceVersion: '7',
      generation: 3,
      observedGeneration: 2,
      conditions: { Available: 'False (MinimumReplicasUnavailable)', Progressing: 'True' },
      status: { observedGeneration: 2, replicas: 1 },
      labels: undefined,
    });
    expect(o.status.conditions, 'the object itself is left as it was').to.have.length(2);
    expect(objectRow({ seq: 1, receivedAt: 'r', elapsedMs: 0 }, 'DELETED', {})).to.deep.equal({ seq: 1, receivedAt: 'r', elapsedMs: 0, event: 'DELETED', name: '', resourceVersion: '', generation: undefined, observedGeneration: undefined, conditions: {}, status: {}, labels: undefined });
    expect(conditionsOf({ status: {} })).to.deep.equal({});
  });

  it('prints a row per line: time, rv, event, name, generation/observed, the status (objects as JSON, observedGeneration left out), then the conditions', () => {
    const rows: ObjectRow[] = [
      { seq: 1, receivedAt: '', elapsedMs: 652, event: 'ADDED', name: 'web', resourceVersion: '1369', conditions: {}, status: {} },
      { seq: 12, receivedAt: '', elapsedMs: 12345, event: 'MODIFIED', name: 'web', resourceVersion: '1400', generation: 2, observedGeneration: 2, conditions: { Available: 'True (MinimumReplicasAvailable)', Progressing: 'True' }, status: { observedGeneration: 2, replicas: 1, selector: { a: 'b' }, ready: true, phase: 'Complete' } },
    ];
    expect(formatObjectRows(rows)).to.equal(
      ['#1 t+0.65s rv 1369 ADDED web gen -/- ', '#12 t+12.35s rv 1400 MODIFIED web gen 2/2 replicas=1 selector={"a":"b"} ready=true phase=Complete | Available:True (MinimumReplicasAvailable) Progressing:True'].join('\n'),
    );
    expect(formatObjectRows([])).to.equal('');
  });
});

const deploymentAt = (rv: string, replicas: number) => ({ metadata: { name: 'web', resourceVersion: rv, generation: 1 }, status: { replicas } });

describe('workload object timeline watch', () => {
  let server: ScriptedServer;
  let requests: string[];
  /** Method, Accept header and URL as sent. */
  let raw: string[];
  let kc: KubeConfig;
  const COLLECTION = '/apis/apps/v1/namespaces/ns/deployments';

  beforeEach(async () => {
    requests = [];
    raw = [];
    let lists = 0;
    server = await scriptedServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      expect(url.pathname).to.equal(COLLECTION);
      const rv = url.searchParams.get('resourceVersion');
      const watching = url.searchParams.get('watch') === '1';
      requests.push(`${watching ? `watch@${rv}` : 'list'} ${url.searchParams.get('labelSelector') ?? '-'}${watching ? ` bookmarks=${url.searchParams.get('allowWatchBookmarks')}` : ''}`);
      raw.push(`${req.method} ${req.headers.accept} ${req.url}`);
      res.setHeader('Content-Type', 'application/json');
      if (!watching) {
        lists++;
        return res.end(JSON.stringify(lists === 1 ? { metadata: { resourceVersion: '10' }, items: [deploymentAt('10', 0)] } : { metadata: { resourceVersion: '13' }, items: [deploymentAt('13', 2)] }));
      }
      const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
      if (rv === '10') {
        send('MODIFIED', deploymentAt('11', 1));
        send('BOOKMARK', { metadata: { resourceVersion: '12' } });
        return res.end(); // the server closes the watch: resume from the bookmark's 12
      }
      if (rv === '12') {
        send('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 12' });
        return res.end(); // 410: list again
      }
      if (rv === '13') {
        send('MODIFIED', deploymentAt('14', 3));
        return; // stays open
      }
      res.statusCode = 500;
      res.end();
    });
    kc = server.kc;
  });

  afterEach(() => server.close());

  it('lists, resumes from the last resourceVersion (a bookmark\'s too), lists again after 410 Gone, and keeps every row in order', async () => {
    const t = await ObjectTimeline.start(kc, COLLECTION, 'app=web');
    try {
      expect(t.kind).to.equal('deployments');
      const row = await t.until('3 replicas', (r) => r.status.replicas === 3, 2000);
      expect(row.resourceVersion).to.equal('14');
      expect(requests).to.deep.equal(['list app=web', 'watch@10 app=web bookmarks=true', 'watch@12 app=web bookmarks=true', 'list app=web', 'watch@13 app=web bookmarks=true']);
      expect(t.rows.map((r) => [r.seq, r.event, r.resourceVersion, r.status.replicas])).to.deep.equal([
        [1, 'LISTED', '10', 0],
        [2, 'MODIFIED', '11', 1],
        [3, 'LISTED', '13', 2],
        [4, 'MODIFIED', '14', 3],
      ]);
      expect(t.watchErrors).to.have.length(1);
      expect(t.watchErrors[0]).to.match(/^\d{4}-\d\d-\d\dT.*Z watch error: too old resource version: 12$/);
      expect(t.rows.every((r, i) => (i === 0 || r.elapsedMs >= t.rows[i - 1]!.elapsedMs) && r.elapsedMs >= 0 && r.elapsedMs < 60_000)).to.equal(true);
      expect(raw[0]).to.equal(`GET application/json ${COLLECTION}?labelSelector=app%3Dweb`);
      expect(raw[1]).to.equal(`GET application/json ${COLLECTION}?labelSelector=app%3Dweb&watch=1&allowWatchBookmarks=true&resourceVersion=10`);
    } finally {
      await t.stop();
    }
  });

  it('until: a row already recorded resolves at once; a row to come resolves when it comes; none within the time rejects, quoting the rows', async () => {
    const t = await ObjectTimeline.start(kc, COLLECTION);
    try {
      expect(requests[0]).to.equal('list -');
      expect(raw[0], 'no selector: no query at all').to.equal(`GET application/json ${COLLECTION}`);
      const seen: string[] = [];
      const unsubscribe = t.onRow((r, obj) => seen.push(`${r.resourceVersion}:${(obj as { metadata: { resourceVersion: string } }).metadata.resourceVersion}`));
      const unheard: number[] = [];
      t.onRow((r) => unheard.push(r.seq))();
      expect((await t.until('the first', (r) => r.resourceVersion === '10', 1)).seq).to.equal(1);
      expect((await t.until('3 replicas', (r) => r.status.replicas === 3, 2000)).seq).to.equal(4);
      unsubscribe();
      expect(seen).to.deep.equal(['11:11', '13:13', '14:14']);
      expect(unheard, 'a listener unsubscribed at once').to.deep.equal([]);
      const err = await t.until('9 replicas', (r) => r.status.replicas === 9, 200).then(() => undefined, (e: Error) => e);
      expect(err?.name).to.equal('AssertionError');
      expect(err?.message).to.equal(`expected 9 replicas within 0.2s; it did not happen.\nObserved deployments:\n${t.table(8)}`);
      expect(t.table(1)).to.equal(formatObjectRows(t.rows.slice(-1)));
      expect(t.table(1)).to.not.equal(formatObjectRows(t.rows.slice(1)));
      expect(t.table()).to.equal(formatObjectRows(t.rows));
    } finally {
      await t.stop();
    }
  });

  it('a list without metadata watches from the start; an ERROR that is not 410 Gone is kept but lists nothing again', async () => {
    const seen: string[] = [];
    const other = await scriptedServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const watching = url.searchParams.get('watch') === '1';
      seen.push(watching ? `watch@${url.searchParams.get('resourceVersion')}` : 'list');
      res.setHeader('Content-Type', 'application/json');
      if (!watching) return res.end(JSON.stringify({ items: [deploymentAt('3', 1)] }));
      if (seen.length === 2) {
        res.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 500, message: 'internal' } })}\n`);
        return res.end();
      }
      res.write(`${JSON.stringify({ type: 'MODIFIED', object: deploymentAt('4', 2) })}\n`);
    });
    const t = await ObjectTimeline.start(other.kc, COLLECTION);
    try {
      await t.until('2 replicas', (r) => r.status.replicas === 2, 2000);
      expect(seen).to.deep.equal(['list', 'watch@', 'watch@']);
      expect(t.watchErrors).to.have.length(1);
      expect(t.watchErrors[0]).to.match(/ watch error: internal$/);
    } finally {
      await t.stop();
      other.close();
    }
  });
});
