/**
 * PodTimeline against a scripted API server on loopback, beyond the resume logic of
 * timeline.test.ts: the server's STATUS column found wherever the Table puts it, a bookmark's
 * resourceVersion resumed from, the pod's name as a field selector, and how `until` ends: met by a
 * row already recorded or to come, broken by image trouble unless that is what it waits for,
 * failed on a hopeless row or at its timeout, each message quoting the timeline with its marks.
 */
import { expect } from 'chai';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { PodTimeline } from '../../lib/observe/timeline.js';
import { phase, podMatches } from '../../lib/observe/wait.js';
import type { ScriptedServer } from '../support/scripted-server.js';
import { scriptedServer } from '../support/scripted-server.js';

const podAt = (rv: string, phaseName: string, waitingReason?: string): V1Pod => ({
  metadata: { name: 'my pod', namespace: 'ns', resourceVersion: rv },
  spec: { containers: [{ name: 'app' }] },
  status: { phase: phaseName, ...(waitingReason ? { containerStatuses: [{ name: 'app', image: 'img:1', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: waitingReason, message: 'pull denied' } } }] } : {}) },
});
// The server's Table here puts STATUS second, not third as kubectl's does.
const row = (pod: V1Pod, printed: string) => ({ cells: ['my pod', printed, '0/1', '0'], object: pod });
const table = (rv: string, rows: unknown[]) => ({ kind: 'Table', metadata: { resourceVersion: rv }, columnDefinitions: [{ name: 'Name' }, { name: 'Status' }, { name: 'Ready' }, { name: 'Restarts' }], rows });

describe('pod timeline: columns, bookmarks and waits', () => {
  let server: ScriptedServer;
  let requests: string[];
  let kc: KubeConfig;
  /** What the watch from rv 12 sends (the test decides). */
  let later: Array<{ type: string; object: unknown }>;

  beforeEach(async () => {
    requests = [];
    later = [];
    server = await scriptedServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const rv = url.searchParams.get('resourceVersion');
      const watching = url.searchParams.get('watch') === '1';
      requests.push(`${req.method} ${watching ? `watch@${rv}` : 'list'} ${url.searchParams.get('fieldSelector')}`);
      res.setHeader('Content-Type', 'application/json');
      if (!watching) return res.end(JSON.stringify(table('10', [row(podAt('10', 'Pending'), 'Pending')])));
      const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
      if (rv === '10') {
        send('MODIFIED', table('11', [row(podAt('11', 'Pending'), 'Init:0/1')]));
        // A bookmark of a Table watch carries the resourceVersion in the Table's metadata.
        send('BOOKMARK', { kind: 'Table', metadata: { resourceVersion: '12' } });
        return res.end();
      }
      if (rv === '12') {
        for (const e of later) send(e.type, e.object);
        return; // stays open
      }
      res.statusCode = 500;
      res.end();
    });
    kc = server.kc;
  });

  afterEach(() => server.close());

  it('reads the server\'s STATUS from the column the Table names Status; resumes from a bookmark; selects the pod by name', async () => {
    // Later Tables without column definitions: the column learned from the list still holds. A row without cells has no server STATUS.
    later = [
      { type: 'MODIFIED', object: { kind: 'Table', metadata: { resourceVersion: '13' }, rows: [row(podAt('13', 'Running'), 'Running')] } },
      { type: 'MODIFIED', object: { kind: 'Table', metadata: { resourceVersion: '14' }, rows: [{ object: podAt('14', 'Running') }] } },
    ];
    const t = await PodTimeline.start(kc, 'ns', 'my pod', 34);
    try {
      await t.until(podMatches('rv 14', (p) => p.metadata?.resourceVersion === '14', 2000));
      expect(requests).to.deep.equal(['GET list metadata.name=my pod', 'GET watch@10 metadata.name=my pod', 'GET watch@12 metadata.name=my pod']);
      expect(t.rows.map((r) => [r.seq, r.event, r.resourceVersion, r.status, r.serverStatus])).to.deep.equal([
        [1, 'LISTED', '10', 'Pending', 'Pending'],
        [2, 'MODIFIED', '11', 'Pending', 'Init:0/1'],
        [3, 'MODIFIED', '13', 'Running', 'Running'],
        [4, 'MODIFIED', '14', 'Running', undefined],
      ]);
      expect(t.latest?.seq).to.equal(4);
      expect(t.transitions().map((r) => r.seq)).to.deep.equal([1, 2, 3, 4]);
      expect(t.rows.every((r) => r.elapsedMs >= 0 && r.elapsedMs <= t.elapsedMs() && t.elapsedMs() < 60_000)).to.equal(true);
      expect(t.watchErrors).to.deep.equal([]);
    } finally {
      await t.stop();
    }
  });

  it('a bookmark of a plain object (no Table metadata) moves the resourceVersion too', async () => {
    server.close();
    const seen: string[] = [];
    server = await scriptedServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const rv = url.searchParams.get('resourceVersion');
      seen.push(url.searchParams.get('watch') === '1' ? `watch@${rv}` : 'list');
      res.setHeader('Content-Type', 'application/json');
      // A list without metadata (watch from the start), whose Table puts Status first.
      if (url.searchParams.get('watch') !== '1') return res.end(JSON.stringify({ kind: 'Table', columnDefinitions: [{ name: 'Status' }, { name: 'Name' }], rows: [] }));
      if (rv === '') {
        res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '20' } } })}\n`);
        return res.end();
      }
      if (rv === '20') res.write(`${JSON.stringify({ type: 'ADDED', object: { kind: 'Table', metadata: { resourceVersion: '21' }, rows: [{ cells: ['Running', 'my pod'], object: podAt('21', 'Running') }] } })}\n`);
    });
    const t = await PodTimeline.start(server.kc, 'ns', 'my pod', 34);
    try {
      await t.until(phase('Running', 2000));
      expect(seen).to.deep.equal(['list', 'watch@', 'watch@20']);
      expect(t.rows.map((r) => [r.event, r.resourceVersion, r.serverStatus])).to.deep.equal([['ADDED', '21', 'Running']]);
    } finally {
      await t.stop();
    }
  });

  it('until: a recorded row meets it at once, a row to come when it comes; onRow stops calling after unsubscribing', async () => {
    later = [{ type: 'MODIFIED', object: table('13', [row(podAt('13', 'Running'), 'Running')]) }];
    const t = await PodTimeline.start(kc, 'ns', 'my pod', 34);
    try {
      const calls: number[] = [];
      const unsubscribe = t.onRow((r) => calls.push(r.seq));
      const unheard: number[] = [];
      t.onRow((r) => unheard.push(r.seq))();
      expect((await t.until(phase('Pending', 1))).seq).to.equal(1);
      expect((await t.until(phase('Running', 2000))).seq).to.equal(3);
      expect((await t.until(phase('Pending', 50))).seq, 'the first recorded row that meets it, not the latest').to.equal(1);
      unsubscribe();
      expect(calls).to.deep.equal([2, 3]);
      expect(unheard, 'a listener unsubscribed at once').to.deep.equal([]);
    } finally {
      await t.stop();
    }
  });

  it('image trouble breaks a wait (InfrastructureError), unless image trouble is what it waits for', async () => {
    later = [{ type: 'MODIFIED', object: table('13', [row(podAt('13', 'Pending', 'ErrImagePull'), 'ErrImagePull')]) }];
    const t = await PodTimeline.start(kc, 'ns', 'my pod', 34);
    try {
      const err = await t.until(phase('Running', 2000)).then(() => undefined, (e: Error) => e);
      expect(err?.name).to.equal('InfrastructureError');
      expect(err?.message).to.equal('while waiting for phase Running of pod ns/my pod: container app cannot get its image img:1 (ErrImagePull: pull denied); is the fixture image loaded on the node?');
      const pulled = await t.until({ ...podMatches('the pull failing', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull', 2000), imageTroubleExpected: true });
      expect(pulled.seq).to.equal(3);
      // Expected image trouble is no reason to stop waiting for something else either: only the timeout ends it.
      const late = await t.until({ ...phase('Succeeded', 300), hopeless: () => undefined, imageTroubleExpected: true }).then(() => undefined, (e: Error) => e);
      expect(late?.name).to.equal('AssertionError');
    } finally {
      await t.stop();
    }
  });

  it('a wait that is not met in time fails with its timeout and the last rows, marks among them', async () => {
    const t = await PodTimeline.start(kc, 'ns', 'my pod', 34);
    try {
      await t.until(podMatches('rv 11', (p) => p.metadata?.resourceVersion === '11', 2000));
      t.mark('INJECT a fault');
      expect(t.marks).to.have.length(1);
      expect(t.marks[0]!.text).to.equal('INJECT a fault');
      expect(t.marks[0]!.elapsedMs).to.be.within(0, t.elapsedMs());
      expect(Date.parse(t.marks[0]!.at)).to.be.within(Date.now() - 5000, Date.now());
      const err = await t.until(phase('Running', 250)).then(() => undefined, (e: Error) => e);
      expect(err?.name).to.equal('AssertionError');
      expect(err?.message).to.equal(`expected phase Running of pod ns/my pod within 0.25s; it did not happen.\nObserved:\n${t.table(8)}`);
      expect(err?.message).to.include('>>  ').and.include('INJECT a fault').and.include('Init:0/1');
      expect((err as { lastSeen?: V1Pod }).lastSeen?.metadata?.resourceVersion).to.equal('11');
    } finally {
      await t.stop();
    }
  });

  it('a hopeless row already recorded fails the wait at once (the latest row is checked when the wait begins)', async () => {
    const t = await PodTimeline.start(kc, 'ns', 'my pod', 34);
    try {
      await t.until(podMatches('rv 11', (p) => p.metadata?.resourceVersion === '11', 2000));
      const started = Date.now();
      const err = await t.until({ description: 'phase Succeeded', timeoutMs: 2000, met: () => false, hopeless: (p) => (p.metadata?.resourceVersion === '11' ? 'it went Init:0/1' : undefined) }).then(() => undefined, (e: Error) => e);
      expect(Date.now() - started).to.be.below(1500);
      expect(err?.message).to.equal(`expected phase Succeeded of pod ns/my pod, but it cannot happen any more: it went Init:0/1.\nObserved:\n${t.table(8)}`);
    } finally {
      await t.stop();
    }
  });
});
