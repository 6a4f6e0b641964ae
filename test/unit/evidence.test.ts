/**
 * Evidence that cannot be collected is reported, never dropped: against a scripted API server on
 * loopback that fails some requests, collectEvidence names each gap and PodRun's ledger refuses a
 * log it cannot read (which would otherwise read as "never ran").
 */
import { expect } from 'chai';
import type { KubeConfig } from '@kubernetes/client-node';
import { collectEvidence, DELETED_GONE, PREVIOUS_GONE } from '../../lib/evidence/collect.js';
import { PodTimeline } from '../../lib/observe/timeline.js';
import { PodRun } from '../../lib/scenario/pod-run.js';
import type { ScriptedServer } from '../support/scripted-server.js';
import { scriptedServer } from '../support/scripted-server.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', resourceVersion: '10' },
  spec: { initContainers: [{ name: 'init-a' }], containers: [{ name: 'app' }] },
  status: {
    phase: 'Running',
    initContainerStatuses: [{ name: 'init-a', ready: true, restartCount: 1, image: 'x', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: { terminated: { exitCode: 1 } } }],
    containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'x', imageID: '', state: { running: {} } }],
  },
};
const table = { kind: 'Table', metadata: { resourceVersion: '10' }, columnDefinitions: [{ name: 'Name' }, { name: 'Ready' }, { name: 'Status' }], rows: [{ cells: ['p', '1/1', 'Running'], object: pod }] };

describe('evidence collection and ledger reads against a failing server', () => {
  let server: ScriptedServer;
  let kc: KubeConfig;
  /** Answers per request path; the default serves the pod, its Table and a log line. */
  let failLog: (container: string, previous: boolean) => number | undefined;
  let failEvents: boolean;
  let deleting: boolean;

  beforeEach(async () => {
    failLog = () => undefined;
    failEvents = false;
    deleting = false;
    server = await scriptedServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      res.setHeader('Content-Type', 'application/json');
      const send = (code: number, body: unknown) => {
        res.statusCode = code;
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (url.pathname.endsWith('/log')) {
        const code = failLog(url.searchParams.get('container')!, url.searchParams.get('previous') === 'true');
        if (code) return send(code, { kind: 'Status', code, message: 'no log here' });
        res.setHeader('Content-Type', 'text/plain');
        return send(200, '2026-01-01T00:00:00Z 1.00 x started\n');
      }
      if (url.pathname.endsWith('/events')) return failEvents ? send(500, { kind: 'Status', code: 500, message: 'etcd is down' }) : send(200, { items: [] });
      if (url.searchParams.get('watch') === '1') return; // the timeline's watch: stays open
      if ((req.headers.accept ?? '').includes('as=Table')) return send(200, table);
      return send(200, deleting ? { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:05Z' } } : pod);
    });
    kc = server.kc;
  });

  afterEach(() => server.close());

  it('names every gap: the events that could not be listed and a current log that could not be read', async () => {
    failEvents = true;
    failLog = (c, previous) => (c === 'app' && !previous ? 500 : undefined);
    const t = await PodTimeline.start(kc, 'ns', 'p', 34);
    await t.stop();
    const { files, problems } = await collectEvidence(kc, [t]);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/^log of p\/app \(current attempt\): /);
    expect(problems[1]).to.match(/^events of ns: /);
    expect(files.map((f) => f.name)).to.include.members(['timeline p', 'timeline p (JSON)', 'pod p spec', 'pod p status', 'log p/init-a (current attempt)', 'log p/init-a (previous attempt)', 'log p/app (current attempt)']);
    expect(files.map((f) => f.name)).not.to.include('events ns');
  });

  it('says in the attachment, without calling it a problem, that a previous attempt\'s container is gone (HTTP 400)', async () => {
    failLog = (_c, previous) => (previous ? 400 : undefined);
    const t = await PodTimeline.start(kc, 'ns', 'p', 34);
    await t.stop();
    const { files, problems } = await collectEvidence(kc, [t]);
    expect(problems).to.deep.equal([]);
    expect(files.find((f) => f.name === 'log p/init-a (previous attempt)')?.content).to.equal(PREVIOUS_GONE);
  });

  it('a pod the test is deleting: a current log gone with its container (HTTP 404) is said in the attachment, not a problem; any other failure still is', async () => {
    deleting = true;
    failLog = (c, previous) => (c === 'app' && !previous ? 404 : c === 'init-a' && !previous ? 500 : undefined);
    const t = await PodTimeline.start(kc, 'ns', 'p', 34);
    await t.stop();
    const { files, problems } = await collectEvidence(kc, [t]);
    expect(files.find((f) => f.name === 'log p/app (current attempt)')?.content).to.equal(DELETED_GONE);
    expect(problems.length).to.equal(1);
    expect(problems[0]).to.match(/^log of p\/init-a \(current attempt\): /);
  });

  it('a pod nobody is deleting: a current log that is not found (HTTP 404) is a problem', async () => {
    failLog = (c, previous) => (c === 'app' && !previous ? 404 : undefined);
    const t = await PodTimeline.start(kc, 'ns', 'p', 34);
    await t.stop();
    const { problems } = await collectEvidence(kc, [t]);
    expect(problems.length).to.equal(1);
    expect(problems[0]).to.match(/^log of p\/app \(current attempt\): /);
  });

  it('the ledger refuses a log it cannot read (it would read as "never ran"), but not a previous attempt that is gone', async () => {
    const t = await PodTimeline.start(kc, 'ns', 'p', 34);
    try {
      const run = new PodRun(kc, 'ns', 'p', t);
      failLog = (_c, previous) => (previous ? 400 : undefined);
      expect((await run.ledgerFromLogs()).map((e) => e.container)).to.deep.equal(['x']);
      failLog = (c) => (c === 'app' ? 500 : undefined);
      const err = await run.ledgerFromLogs().then(() => undefined, (e: Error) => e);
      expect(err?.name).to.equal('InfrastructureError');
      expect(err?.message).to.match(/^cannot read the current log of ns\/p\/app for the ledger: /);
    } finally {
      await t.stop();
    }
  });
});
