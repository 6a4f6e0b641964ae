import { mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { InitcError } from '../../lib/errors.js';
import { MAX_SLOT, clusterLayout, clusterNameProblem, clusterOfContext, contextOf, downCommand, upCommand } from '../../lib/cluster/local/layout.js';
import { claimSlot, claimedSlots, clusterNames, layoutOf, releaseSlot, slotOf } from '../../lib/cluster/local/slots.js';

describe('embedded cluster layouts and slots', () => {
  it('the default cluster keeps its name, context, folders and addresses', () => {
    const l = clusterLayout();
    expect([l.name, l.slot, l.context, l.nodeName]).to.deep.equal(['initc', 0, 'initc', 'initc-node']);
    expect([l.dataDir, l.runDir, l.lockFile, l.cgroupRoot]).to.deep.equal(['/var/lib/initc/initc', '/run/initc/initc', '/run/initc/initc.lock', '/initc']);
    expect(l.network).to.include({ netns: 'initc', interface: 'initc0', nodeIP: '10.253.0.1', hostIP: '10.253.0.2', podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/16', apiServiceIP: '10.96.0.1', dnsServiceIP: '10.96.0.10' });
  });

  it('a named cluster differs from the default in everything the host sees: folders, lock, cgroup, namespace, interface, addresses, ranges, context', () => {
    const a = clusterLayout();
    const b = clusterLayout({ name: 'v134', slot: 3 });
    expect([b.context, b.nodeName, b.dataDir, b.lockFile, b.cgroupRoot]).to.deep.equal(['initc-v134', 'initc-v134-node', '/var/lib/initc/v134', '/run/initc/v134.lock', '/initc-v134']);
    expect(b.network).to.include({ netns: 'initc-v134', interface: 'initc3', nodeIP: '10.253.3.1', hostIP: '10.253.3.2', podCIDR: '10.247.0.0/16', serviceCIDR: '10.99.0.0/16', hostGuardChain: 'INITC-GUARD-3' });
    for (const key of ['netns', 'interface', 'nodeIP', 'hostIP', 'podCIDR', 'serviceCIDR', 'apiServiceIP', 'hostGuardChain'] as const) expect(b.network[key], key).not.to.equal(a.network[key]);
    // Inside its own namespace a cluster's ports are its own: they stay the same.
    expect(b.ports).to.deep.equal(a.ports);
  });

  it('every slot\'s ranges stay apart from every other slot\'s and inside 10/8', () => {
    const ranges = Array.from({ length: MAX_SLOT + 1 }, (_, slot) => clusterLayout({ name: `c${slot}`, slot })).flatMap((l) => [l.network.podCIDR, l.network.serviceCIDR, `${l.network.nodeIP.replace(/\.1$/, '.0')}/30`]);
    expect(new Set(ranges).size).to.equal(ranges.length);
    for (const r of ranges) expect(Number(r.split('.')[1])).to.be.within(96, 253);
    expect(() => clusterLayout({ slot: MAX_SLOT + 1 })).to.throw(/out of range/);
  });

  it('names: kind-like, short enough for an interface, and none that collides with a folder of ours', () => {
    for (const ok of ['initc', 'a', 'v1-34', 'cmp-ab12-134']) expect(clusterNameProblem(ok), ok).to.equal(undefined);
    for (const bad of ['', 'A', '-a', 'a-', 'a_b', 'a.b', 'abcdefghijklm', 'slots', 'kind', 'x-failed-logs']) expect(clusterNameProblem(bad), bad).to.be.a('string');
    expect(contextOf('initc')).to.equal('initc');
    expect(contextOf('v134')).to.equal('initc-v134');
    expect(clusterOfContext('initc')).to.equal('initc');
    expect(clusterOfContext('initc-v134')).to.equal('v134');
    expect(clusterOfContext('kind-x')).to.equal(undefined);
    expect(clusterOfContext(undefined)).to.equal(undefined);
    expect([upCommand('initc'), downCommand('initc')]).to.deep.equal(['`initc cluster up`', '`initc cluster down`']);
    expect([upCommand('v134'), downCommand('v134')]).to.deep.equal(['`initc cluster up --name v134`', '`initc cluster down --name v134`']);
  });

  it('slots: claimed once per name, lowest free first, given back, all taken is a one-line usage error', () => {
    const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'initc-slots-'));
    const o = { dataRoot };
    expect(slotOf('initc', o)).to.equal(0);
    expect(slotOf('a', o)).to.equal(undefined);
    expect(layoutOf('a', o).slot, 'not claimed: the slot up would claim').to.equal(1);
    expect(claimSlot('a', o)).to.equal(1);
    expect(claimSlot('a', o), 'its own again').to.equal(1);
    expect(claimSlot('b', o)).to.equal(2);
    expect(layoutOf('b', o).network.nodeIP).to.equal('10.253.2.1');
    releaseSlot('a', o);
    expect(slotOf('a', o)).to.equal(undefined);
    expect(claimSlot('c', o), 'a given-back slot is reused').to.equal(1);
    releaseSlot('initc', o);
    expect(claimedSlots(o)).to.deep.equal([{ slot: 1, name: 'c' }, { slot: 2, name: 'b' }]);
    expect(clusterNames(o)).to.deep.equal(['initc', 'c', 'b']);
    for (let i = 3; i <= MAX_SLOT; i++) claimSlot(`n${i}`, o);
    expect(() => claimSlot('late', o)).to.throw(InitcError, /no free slot for another embedded cluster: 8 named clusters run already \(c, b, n3/);
    expect(readdirSync(path.join(dataRoot, 'slots'))).to.have.length(MAX_SLOT);
  });

  it('slot files that are not slots are ignored', () => {
    const dataRoot = mkdtempSync(path.join(os.tmpdir(), 'initc-slots-'));
    mkdirSync(path.join(dataRoot, 'slots'));
    writeFileSync(path.join(dataRoot, 'slots', '0'), 'x\n');
    writeFileSync(path.join(dataRoot, 'slots', 'tmp'), 'y\n');
    writeFileSync(path.join(dataRoot, 'slots', '2'), 'z\n');
    expect(claimedSlots({ dataRoot })).to.deep.equal([{ slot: 2, name: 'z' }]);
  });
});
