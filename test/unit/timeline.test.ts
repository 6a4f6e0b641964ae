/**
 * The timeline's watch bookkeeping against a scripted API server on loopback: it must resume from
 * the last resourceVersion when a watch ends, list again after 410 Gone, and keep every row in
 * order. (What a real cluster reports is the suites' business; this checks our resume logic.)
 */
import { expect } from 'chai';
import type { KubeConfig } from '@kubernetes/client-node';
import { recordRows } from '../../lib/checks/recording.js';
import { checkStatusAgreement } from '../../lib/checks/status-agreement.js';
import { PodTimeline } from '../../lib/observe/timeline.js';
import { phase } from '../../lib/observe/wait.js';
import type { ScriptedServer } from '../support/scripted-server.js';
import { scriptedServer } from '../support/scripted-server.js';

const podAt = (rv: string, phaseName: string) => ({
  metadata: { name: 'p', namespace: 'ns', resourceVersion: rv },
  spec: { containers: [{ name: 'app' }] },
  status: { phase: phaseName },
});
const row = (rv: string, phaseName: string, printed = phaseName) => ({ cells: ['p', '0/1', printed, '0', '1s'], object: podAt(rv, phaseName) });
const table = (rv: string, rows: unknown[]) => ({ kind: 'Table', metadata: { resourceVersion: rv }, columnDefinitions: [{ name: 'Name' }, { name: 'Ready' }, { name: 'Status' }], rows });

describe('pod timeline watch', () => {
  let server: ScriptedServer;
  let requests: string[];
  let kc: KubeConfig;

  beforeEach(async () => {
    requests = [];
    let lists = 0;
    server = await scriptedServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      expect(req.headers.accept).to.include('as=Table');
      expect(url.searchParams.get('includeObject')).to.equal('Object');
      const rv = url.searchParams.get('resourceVersion');
      const watching = url.searchParams.get('watch') === '1';
      requests.push(watching ? `watch@${rv}` : 'list');
      res.setHeader('Content-Type', 'application/json');
      if (!watching) {
        lists++;
        return res.end(JSON.stringify(lists === 1 ? table('10', [row('10', 'Pending')]) : table('13', [row('13', 'Running')])));
      }
      const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
      if (rv === '10') {
        send('MODIFIED', table('11', [row('11', 'Pending', 'Init:0/1')]));
        return res.end(); // the server closes the watch: resume from 11
      }
      if (rv === '11') {
        send('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 11' });
        return res.end(); // 410: list again
      }
      if (rv === '13') {
        send('MODIFIED', table('14', [row('14', 'Running')]));
        return; // stays open
      }
      res.statusCode = 500;
      res.end();
    });
    kc = server.kc;
  });

  afterEach(() => server.close());

  it('resumes after a closed watch, lists again after 410 Gone, and keeps every row in order', async () => {
    const t = await PodTimeline.start(kc, 'ns', 'p', 34);
    try {
      await t.until({ ...phase('Running', 5000), met: (p) => p.metadata?.resourceVersion === '14' });
      expect(requests).to.deep.equal(['list', 'watch@10', 'watch@11', 'list', 'watch@13']);
      expect(t.rows.map((r) => [r.event, r.resourceVersion])).to.deep.equal([
        ['LISTED', '10'],
        ['MODIFIED', '11'],
        ['LISTED', '13'],
        ['MODIFIED', '14'],
      ]);
      expect(t.rows[1]!.serverStatus).to.equal('Init:0/1');
      expect(() => checkStatusAgreement([{ pod: 'p', rows: recordRows(t.rows) }])).to.throw(/1 disagreement\(s\):\np #2 rv 11: initc computed "Pending", the server printed "Init:0\/1"/);
      expect(() => checkStatusAgreement([{ pod: 'p', rows: recordRows([t.rows[0]!, t.rows[2]!, t.rows[3]!]) }]), 'the rows that agree').not.to.throw();
      expect(t.watchErrors.join('\n')).to.include('too old resource version');
    } finally {
      await t.stop();
    }
  });

  it('a wait fails at once on a hopeless state, quoting the timeline', async () => {
    const t = await PodTimeline.start(kc, 'ns', 'p', 34);
    try {
      const err = await t
        .until({ description: 'phase Succeeded', timeoutMs: 5000, met: () => false, hopeless: (p) => (p.metadata?.resourceVersion === '11' ? 'it went Init:0/1' : undefined) })
        .then(() => undefined, (e: Error) => e);
      expect(err?.name).to.equal('AssertionError');
      expect(err?.message).to.match(/expected phase Succeeded .* cannot happen any more: it went Init:0\/1/).and.include('server STATUS');
    } finally {
      await t.stop();
    }
  });
});

