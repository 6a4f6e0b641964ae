/**
 * How PodTimeline (lib/observe/timeline.ts) and ObjectTimeline (objects.ts) use the watch loop they
 * share (its own behaviour: watch-loop.test.ts), against a scripted API server on loopback: lists
 * and events without rows, the resourceVersion read from a Table's rows or from the object, a
 * bookmark without metadata, the list again after 410 recorded as LISTED rows, the watch errors
 * kept, and stop() ending a wait at once with no error of its own.
 */
import type http from 'node:http';
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import { ObjectTimeline } from '../../lib/observe/objects.js';
import { PodTimeline } from '../../lib/observe/timeline.js';
import { phase } from '../../lib/observe/wait.js';
import type { ScriptedServer } from '../support/scripted-server.js';
import { untilTrue } from '../support/poll.js';
import { scriptedServer } from '../support/scripted-server.js';

const COLLECTION = '/apis/apps/v1/namespaces/ns/deployments';
const podAt = (rv: string, phaseName: string): V1Pod => ({ metadata: { name: 'p', namespace: 'ns', resourceVersion: rv }, spec: { containers: [{ name: 'app' }] }, status: { phase: phaseName } });
const podTable = (rv: string, rows: Array<[string, string]> | null) => ({ kind: 'Table', metadata: { resourceVersion: rv }, columnDefinitions: [{ name: 'Name' }, { name: 'Status' }], ...(rows ? { rows: rows.map(([r, p]) => ({ cells: ['p', p], object: podAt(r, p) })) } : {}) });
const deployment = (rv: string, replicas: number) => ({ metadata: { name: 'web', resourceVersion: rv }, status: { replicas } });

interface Seen {
  kind: 'list' | 'watch';
  rv: string | null;
  at: number;
  /** The client closed the connection, or the server ended the response. */
  closed: boolean;
}
type Reply = (res: http.ServerResponse, send: (type: string, object: unknown) => void) => void;

/** A server whose n-th list and n-th watch (from 1) are answered by `list(n)` and `watch(n, rv)`. */
async function server(list: (n: number) => Reply, watch: (n: number, rv: string | null) => Reply): Promise<ScriptedServer & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const s = await scriptedServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const watching = url.searchParams.get('watch') === '1';
    const entry: Seen = { kind: watching ? 'watch' : 'list', rv: url.searchParams.get('resourceVersion'), at: Date.now(), closed: false };
    seen.push(entry);
    res.on('close', () => (entry.closed = true));
    res.setHeader('Content-Type', 'application/json');
    const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const n = seen.filter((x) => x.kind === (watching ? 'watch' : 'list')).length;
    (watching ? watch(n, url.searchParams.get('rv') ?? url.searchParams.get('resourceVersion')) : list(n))(res, send);
  });
  return Object.assign(s, { seen });
}
const json = (body: unknown, status = 200): Reply => (res) => {
  res.statusCode = status;
  res.end(JSON.stringify(body));
};
const stayOpen: Reply = () => undefined;
const watches = (s: { seen: Seen[] }) => s.seen.filter((x) => x.kind === 'watch');
const lists = (s: { seen: Seen[] }) => s.seen.filter((x) => x.kind === 'list').length;

for (const kind of ['pod', 'objects'] as const) {
  const start = (s: ScriptedServer) => (kind === 'pod' ? PodTimeline.start(s.kc, 'ns', 'p', 34) : ObjectTimeline.start(s.kc, COLLECTION));
  const emptyList = (rv: string) => (kind === 'pod' ? { kind: 'Table', metadata: { resourceVersion: rv } } : { metadata: { resourceVersion: rv } });
  const oneRow = (rv: string) => (kind === 'pod' ? podTable(rv, [[rv, 'Running']]) : deployment(rv, Number(rv)));
  const listOf = (rv: string) => (kind === 'pod' ? podTable(rv, [[rv, 'Pending']]) : { metadata: { resourceVersion: rv }, items: [deployment(rv, 0)] });

  describe(`watch loop of the ${kind === 'pod' ? 'pod timeline' : 'object timeline'}`, function () {
    this.timeout(10_000);
    let s: (ScriptedServer & { seen: Seen[] }) | undefined;
    let t: PodTimeline | ObjectTimeline | undefined;
    afterEach(async () => {
      await t?.stop();
      s?.close();
      t = undefined;
      s = undefined;
    });

    it('a list and events without rows record nothing; ERROR events are kept word for word, only 410 lists again', async () => {
      s = await server(
        (n) => json(n === 1 ? emptyList('5') : listOf('9')),
        (n) => (res, send) => {
          if (n === 1) {
            send('MODIFIED', kind === 'pod' ? podTable('6', null) : { metadata: { resourceVersion: '6' } });
            send('ERROR', { code: 500, message: 'internal' });
            send('ERROR', undefined);
            send('ERROR', { code: 500 });
            return res.end();
          }
          if (n === 2) {
            send('ERROR', { code: 410, message: 'too old' });
            return res.end();
          }
          stayOpen(res, send);
        },
      );
      t = await start(s);
      await untilTrue('the third watch', () => watches(s!).length === 3);
      expect(t.watchErrors.map((e) => e.replace(/^\S+ /, ''))).to.deep.equal(['watch error: internal', 'watch error: undefined', 'watch error: {"code":500}', 'watch error: too old']);
      expect(t.watchErrors.every((e) => /^\d{4}-\d\d-\d\dT[\d:.]+Z watch error: /.test(e))).to.equal(true);
      expect(lists(s), 'listed again only after the 410').to.equal(2);
      // A pod Table's resourceVersion is read from its rows' pods, a plain object's from the object.
      expect(watches(s).map((w) => w.rv)).to.deep.equal(kind === 'pod' ? ['5', '5', '9'] : ['5', '6', '9']);
      expect(t.rows.map((r) => [r.event, r.resourceVersion])).to.deep.equal(kind === 'pod' ? [['LISTED', '9']] : [['MODIFIED', '6'], ['LISTED', '9']]);
    });

    it('a bookmark without metadata keeps the resourceVersion and is no error', async () => {
      s = await server(
        () => json(emptyList('5')),
        (n) => (res, send) => {
          if (n === 1) {
            send('BOOKMARK', kind === 'pod' ? { kind: 'Table' } : {});
            send('MODIFIED', oneRow('7'));
            // A pod without metadata: a row, and the resourceVersion stays.
            if (kind === 'pod') send('MODIFIED', { kind: 'Table', rows: [{ cells: ['p', 'Running'], object: { spec: { containers: [{ name: 'app' }] }, status: { phase: 'Running' } } }] });
            return res.end();
          }
          stayOpen(res, send);
        },
      );
      t = await start(s);
      await untilTrue('the second watch', () => watches(s!).length === 2);
      expect(t.watchErrors).to.deep.equal([]);
      expect(watches(s).map((w) => w.rv)).to.deep.equal(['5', '7']);
      expect(t.rows).to.have.length(kind === 'pod' ? 2 : 1);
      // Stopped while its watch is open: the watch ends, and that is no error.
      expect(watches(s)[1]!.closed).to.equal(false);
      await t.stop();
      await untilTrue('the open watch closed', () => watches(s!)[1]!.closed);
      expect(t.watchErrors).to.deep.equal([]);
    });

    it('a refused watch is kept as dropped; a stop ends the wait that follows at once, with no error of its own', async () => {
      s = await server(
        () => json(emptyList('5')),
        () => json({ kind: 'Status', code: 500 }, 500),
      );
      t = await start(s);
      await untilTrue('the first watch', () => watches(s!).length === 1 && t!.watchErrors.length === 1);
      expect(t.watchErrors[0]).to.match(/^\S+Z watch dropped: GET .*: HTTP 500: /);
      const before = Date.now();
      await t.stop();
      expect(Date.now() - before).to.be.below(150);
      expect(t.watchErrors).to.have.length(1);
      expect(watches(s), 'no try after stop()').to.have.length(1);
    });
  });
}

describe('pod timeline: a wait with nothing recorded', () => {
  it('times out with its message and no pod', async () => {
    const s = await server(() => json({ kind: 'Table', metadata: { resourceVersion: '1' }, rows: [] }), () => stayOpen);
    const t = await PodTimeline.start(s.kc, 'ns', 'p', 34);
    try {
      const err = await t.until(phase('Running', 100)).then(() => expect.fail('met'), (e: Error & { pod?: unknown }) => e);
      expect(err.message).to.equal(`expected phase Running of pod ns/p within 0.1s; it did not happen.\nObserved:\n${t.table(8)}`);
      expect(err.pod).to.equal(undefined);
    } finally {
      await t.stop();
      s.close();
    }
  });
});
