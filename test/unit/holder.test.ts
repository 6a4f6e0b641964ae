import os from 'node:os';
import { expect } from 'chai';
import { HOLDER_ANNOTATION, herePlace, holderGone, parseHolder, readTrimmed, thisHolder } from '../../lib/scenario/holder.js';
import type { Holder } from '../../lib/scenario/holder.js';
import { planReap } from '../../lib/scenario/liveness.js';
import { processStartTime } from '../../lib/util/proc.js';
import { scriptedServer } from '../support/scripted-server.js';

const place = { host: 'h1', bootId: 'b1', pidNamespace: 'pid:[1]' };
const holder = (o: Partial<Holder> = {}): Holder => ({ ...place, pid: 42, startTime: '777', ...o });
const never = async () => false;
const always = async () => true;

describe('a Lease\'s holder', () => {
  it('this process: host, boot id and pid namespace of this machine, its pid and start time', async () => {
    const h = await thisHolder();
    expect(h.host).to.equal(os.hostname());
    expect(h.bootId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(h.pidNamespace).to.match(/^pid:\[\d+\]$/);
    expect(h.pid).to.equal(process.pid);
    expect(h.startTime).to.equal(await processStartTime(process.pid));
    expect(await herePlace()).to.deep.equal({ host: h.host, bootId: h.bootId, pidNamespace: h.pidNamespace });
    expect(parseHolder(JSON.stringify(h))).to.deep.equal(h);
  });

  it('a /proc file that cannot be read gives \'\' (which no holder matches: parseHolder refuses empty fields); one that can, trimmed', async () => {
    expect(await readTrimmed('/nope', async () => Promise.reject(new Error('ENOENT')))).to.equal('');
    expect(await readTrimmed('/f', async (f) => ` ${f}-read\n`)).to.equal('/f-read');
  });

  it('an annotation that is not a whole holder reads as none', () => {
    expect(parseHolder(undefined)).to.equal(undefined);
    expect(parseHolder('')).to.equal(undefined);
    expect(parseHolder('not json')).to.equal(undefined);
    expect(parseHolder('null')).to.equal(undefined);
    for (const field of ['host', 'bootId', 'pidNamespace', 'startTime'] as const) {
      expect(parseHolder(JSON.stringify({ ...holder(), [field]: '' })), `${field} empty`).to.equal(undefined);
      expect(parseHolder(JSON.stringify({ ...holder(), [field]: 7 })), `${field} not a string`).to.equal(undefined);
    }
    expect(parseHolder(JSON.stringify(holder({ pid: 0 })))).to.equal(undefined);
    expect(parseHolder(JSON.stringify(holder({ pid: 1 })))).to.deep.equal(holder({ pid: 1 }));
    expect(parseHolder(JSON.stringify(holder({ pid: 1.5 })))).to.equal(undefined);
    expect(parseHolder(JSON.stringify({ ...holder(), pid: '42' }))).to.equal(undefined);
  });

  it('is known gone only where this process counts the same pids: same host, boot and pid namespace, and that pid not alive', async () => {
    expect(await holderGone(holder(), place, never)).to.equal("its run's process is gone (pid 42 on this machine, h1)");
    expect(await holderGone(holder(), place, always), 'alive').to.equal(undefined);
    expect(await holderGone(undefined, place, never), 'no holder recorded').to.equal(undefined);
    expect(await holderGone(holder({ host: 'h2' }), place, never), 'another host').to.equal(undefined);
    expect(await holderGone(holder({ bootId: 'b2' }), place, never), 'another boot').to.equal(undefined);
    expect(await holderGone(holder({ pidNamespace: 'pid:[2]' }), place, never), 'another pid namespace (container)').to.equal(undefined);
    const asked: Array<{ pid: number; startTime: string }> = [];
    await holderGone(holder(), place, async (p) => (asked.push({ pid: p.pid, startTime: p.startTime }), true));
    expect(asked).to.deep.equal([{ pid: 42, startTime: '777' }]);
  });
});

describe('planReap and a holder killed on this machine', () => {
  const renewed = () => new Date().toISOString().replace('Z', '000Z');
  async function cluster(h: Holder | undefined) {
    const lease = { metadata: { name: 'run-k', namespace: 'initc-runs', labels: { 'initc.dev/run': 'k' }, annotations: h ? { [HOLDER_ANNOTATION]: JSON.stringify(h) } : {} }, spec: { holderIdentity: 'x/1', leaseDurationSeconds: 40, renewTime: renewed() } };
    const ns = { metadata: { name: 'initc-k-1', labels: { 'app.kubernetes.io/managed-by': 'initc', 'initc.dev/run': 'k' } } };
    return scriptedServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ metadata: {}, items: req.url!.startsWith('/api/v1/namespaces') ? [ns] : [lease] }));
    });
  }

  it('reaps a run whose Lease is still valid when its process on this machine is gone (a SIGKILLed run), its Lease too', async () => {
    const me = await thisHolder();
    const s = await cluster({ ...me, startTime: `${me.startTime}9` });
    try {
      const plan = await planReap(s.kc);
      expect(plan.reap).to.have.length(1);
      expect(plan.reap[0]!.namespace).to.equal('initc-k-1');
      expect(plan.reap[0]!.why).to.match(new RegExp(`^its run's process is gone \\(pid ${process.pid} on this machine, ${os.hostname().replace(/[.]/g, '\\.')}\\); its Lease was last renewed \\d{4}-`));
      expect(plan.keep).to.deep.equal([]);
      expect(plan.deadLeases).to.deep.equal(['run-k']);
    } finally {
      s.close();
    }
  });

  it('control: the same valid Lease held by a live process here, by one on another machine, or with no holder recorded keeps the run', async () => {
    const me = await thisHolder();
    for (const h of [me, { ...me, host: 'elsewhere', startTime: `${me.startTime}9` }, undefined]) {
      const s = await cluster(h);
      try {
        const plan = await planReap(s.kc);
        expect(plan.reap, JSON.stringify(h)).to.deep.equal([]);
        expect(plan.keep.map((k) => k.why.replace(/renewed .*\)$/, 'renewed …)'))).to.deep.equal(['its run is alive (Lease held by x/1, renewed …)']);
        expect(plan.deadLeases).to.deep.equal([]);
      } finally {
        s.close();
      }
    }
  });
});
