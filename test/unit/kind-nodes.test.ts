/**
 * A kind cluster's nodes as the Nodes capability (lib/cluster/provider.ts) offers them: names in
 * kind's order, the control plane first and served by the cluster itself, each node's own access.
 * Only constructors and refusals: nothing here reaches Docker.
 */
import { expect } from 'chai';
import { KindCluster } from '../../lib/cluster/kind/kind.js';
import { KindNode } from '../../lib/cluster/kind/node.js';
import { NodeCapabilityMissing, hasNodeAccess, hasNodes } from '../../lib/cluster/provider.js';

describe('kind: node access per node', () => {
  const cluster = (nodes?: string[]) => new KindCluster('kn', '/nonexistent/kind', '/nonexistent/kubeconfig', true, nodes);

  it('a single-node cluster has its control plane as its one node, as before', () => {
    const c = cluster();
    expect(hasNodes(c)).to.equal(true);
    expect(hasNodeAccess(c)).to.equal(true);
    expect(c.nodeName).to.equal('kn-control-plane');
    expect(c.nodeNames()).to.deep.equal(['kn-control-plane']);
    expect(c.nodeAccess('kn-control-plane').nodeName).to.equal('kn-control-plane');
  });

  it('a cluster with workers names every node, the control plane first, and gives each its own access', () => {
    const c = cluster(['kn-control-plane', 'kn-worker', 'kn-worker2']);
    expect(c.nodeName).to.equal('kn-control-plane');
    expect(c.nodeNames()).to.deep.equal(['kn-control-plane', 'kn-worker', 'kn-worker2']);
    const w = c.nodeAccess('kn-worker2');
    expect(w).to.be.instanceOf(KindNode);
    expect(w.nodeName).to.equal('kn-worker2');
    expect(c.nodeAccess('kn-worker2')).to.equal(w);
    expect(c.nodeAccess('kn-worker').nodeName).to.equal('kn-worker');
  });

  it('refuses a node it does not have, and a node list without its control plane', () => {
    expect(() => cluster(['kn-control-plane', 'kn-worker']).nodeAccess('kn-worker2')).to.throw('the kind cluster kn has no node kn-worker2 (its nodes: kn-control-plane, kn-worker)');
    expect(() => cluster(['kn-worker'])).to.throw('the kind cluster kn has no node kn-control-plane (its nodes: kn-worker)');
    expect(() => cluster([])).to.throw('the kind cluster kn has no node kn-control-plane (its nodes: none)');
  });

  it('a worker has no API server: asking for it is a missing capability (a skip), before any docker exec', async () => {
    const w = new KindNode('kn', 'kn-worker');
    expect(w.nodeName).to.equal('kn-worker');
    expect(new KindNode('kn').nodeName).to.equal('kn-control-plane');
    for (const call of [() => w.componentRunning('kube-apiserver'), () => w.componentPid('kube-apiserver'), () => w.stopComponent('kube-apiserver'), () => w.startComponent('kube-apiserver')]) {
      const err = await call().then(() => undefined, (e: Error) => e);
      expect(err).to.be.instanceOf(NodeCapabilityMissing);
      expect(err!.message).to.equal('kn-worker is a worker: the kube-apiserver runs on the control-plane node');
    }
  });
});
