import { expect } from 'chai';
import type { NodeAccess, Nodes } from '../../lib/cluster/provider.js';
import { podNodeAccess } from '../../lib/check/suite.js';

const access = (name: string) => ({ name }) as unknown as NodeAccess;

describe('initc check on a cluster of several nodes: a node fault acts on the node the pod runs on', () => {
  const asked: string[] = [];
  const nodes: Nodes = { nodeNames: () => ['n0', 'n1'], nodeAccess: (n) => (asked.push(n), access(n)) };
  const fallback = () => access('cluster');

  it('with per-node access: the pod\'s node', () => {
    expect(podNodeAccess('n1', nodes, fallback)).to.deep.equal({ name: 'n1' });
    expect(asked).to.deep.equal(['n1']);
  });

  it('with per-node access but the pod not placed yet: the cluster\'s node access', () => {
    expect(podNodeAccess(undefined, nodes, fallback)).to.deep.equal({ name: 'cluster' });
    expect(podNodeAccess('', nodes, fallback)).to.deep.equal({ name: 'cluster' });
  });

  it('without per-node access: the cluster\'s node access, whatever the pod\'s node', () => {
    expect(podNodeAccess('n1', undefined, fallback)).to.deep.equal({ name: 'cluster' });
  });

  it('the fallback\'s refusal (no node access: skipped) passes through', () => {
    expect(() => podNodeAccess('n1', undefined, () => { throw new Error('no node access'); })).to.throw('no node access');
  });
});
