import { expect } from 'chai';
import { holdRunLease, planReap } from '../../lib/scenario/liveness.js';
import { thisHolder } from '../../lib/scenario/holder.js';
import { scriptedServer } from '../support/scripted-server.js';

interface Seen {
  method: string;
  url: string;
  contentType?: string;
  body: string;
}

/** A loopback API server that records every request and answers renewals with `renewStatus()`. */
async function leaseServer(renewStatus: () => number) {
  const seen: Seen[] = [];
  const server = await scriptedServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], body });
      res.setHeader('content-type', 'application/json');
      res.statusCode = req.method === 'PATCH' ? renewStatus() : req.method === 'POST' ? 201 : 200;
      res.end(JSON.stringify(res.statusCode < 300 ? { metadata: { name: 'x' } } : { message: 'the server refused' }));
    });
  });
  return { ...server, seen };
}

const until = async (met: () => boolean) => {
  for (let i = 0; i < 200 && !met(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('the run\'s Lease', () => {
  it('is renewed by a merge patch of spec.renewTime alone (a Lease refuses an update without its resourceVersion), in MicroTime', async () => {
    const s = await leaseServer(() => 200);
    const lease = await holdRunLease(s.kc, 'r1', { renewMs: 20 });
    try {
      await until(() => s.seen.filter((r) => r.method === 'PATCH').length >= 2);
      const created = s.seen.find((r) => r.method === 'POST' && r.url.endsWith('/leases'))!;
      expect(JSON.parse(created.body).spec.leaseDurationSeconds).to.equal(40);
      expect(JSON.parse(JSON.parse(created.body).metadata.annotations['initc.dev/holder']), 'the holder, for a reaper on this machine').to.deep.equal(await thisHolder());
      const renewals = s.seen.filter((r) => r.method === 'PATCH');
      expect(renewals.length).to.be.at.least(2);
      for (const r of renewals) {
        expect(r.url).to.equal('/apis/coordination.k8s.io/v1/namespaces/initc-runs/leases/run-r1');
        expect(r.contentType).to.equal('application/merge-patch+json');
        const body = JSON.parse(r.body);
        expect(Object.keys(body)).to.deep.equal(['spec']);
        expect(Object.keys(body.spec)).to.deep.equal(['renewTime']);
        expect(body.spec.renewTime).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      }
    } finally {
      await lease.stop();
      s.close();
    }
    expect(s.seen.at(-1)!.method, 'stop() deletes the Lease').to.equal('DELETE');
  });

  it('says when renewals fail, counting them in a row, and counts from zero again after one succeeds', async () => {
    const answers = [500, 500, 200, 503];
    let i = 0;
    const s = await leaseServer(() => answers[Math.min(i++, answers.length - 1)]!);
    const told: Array<[string, number]> = [];
    const lease = await holdRunLease(s.kc, 'r2', { renewMs: 20, onRenewFailure: (err, n) => told.push([err.message, n]) });
    try {
      await until(() => told.length >= 3);
    } finally {
      await lease.stop();
      s.close();
    }
    expect(told.slice(0, 3).map(([, n]) => n)).to.deep.equal([1, 2, 1]);
    expect(told[0]![0]).to.include('HTTP 500: the server refused');
  });
});

describe('planReap against runs that start while it looks', () => {
  const ns = (name: string, runId: string) => ({ metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'initc', 'initc.dev/run': runId } } });
  const lease = (runId: string, renewTime: string) => ({ metadata: { name: `run-${runId}`, namespace: 'initc-runs', labels: { 'initc.dev/run': runId } }, spec: { holderIdentity: 'h/1', leaseDurationSeconds: 40, renewTime } });

  /** A cluster where run "new" takes its Lease and makes its first namespace right after the first list request arrives. */
  async function racingCluster() {
    const lists: string[] = [];
    const now = new Date().toISOString().replace('Z', '000Z');
    const state = { namespaces: [ns('initc-old-1', 'old')], leases: [] as unknown[] };
    const server = await scriptedServer((req, res) => {
      const what = req.url!.startsWith('/api/v1/namespaces') ? 'namespaces' : 'leases';
      lists.push(what);
      const items = what === 'namespaces' ? [...state.namespaces] : [...state.leases];
      if (lists.length === 1) {
        state.leases.push(lease('new', now));
        state.namespaces.push(ns('initc-new-1', 'new'));
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ metadata: {}, items }));
    });
    return { ...server, lists };
  }

  it('lists namespaces before Leases, so a run starting in between is never taken for one without a Lease', async () => {
    const s = await racingCluster();
    try {
      const plan = await planReap(s.kc);
      expect(s.lists).to.deep.equal(['namespaces', 'leases']);
      expect(plan.reap).to.deep.equal([{ namespace: 'initc-old-1', runId: 'old', why: 'its run holds no Lease' }]);
      expect(plan.keep).to.deep.equal([]);
      expect(plan.deadLeases).to.deep.equal([]);
    } finally {
      s.close();
    }
  });

  it('control: with the Leases listed from before the run started and its namespace from after (what the other order sees), its namespace is reaped', async () => {
    const s = await scriptedServer((req, res) => {
      const what = req.url!.startsWith('/api/v1/namespaces') ? 'namespaces' : 'leases';
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ metadata: {}, items: what === 'namespaces' ? [ns('initc-new-1', 'new')] : [] }));
    });
    try {
      const plan = await planReap(s.kc);
      expect(plan.reap).to.deep.equal([{ namespace: 'initc-new-1', runId: 'new', why: 'its run holds no Lease' }]);
    } finally {
      s.close();
    }
  });
});
