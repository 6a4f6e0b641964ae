import { expect } from 'chai';
import type { V1PodSpec } from '@kubernetes/client-node';
import { CONTROL_PLANE_TOLERATION, HOSTNAME_LABEL, describeHome, homeNodeOf, mountsClaim, pinnedNode, placeSpec, placementOf } from '../../lib/scenario/placement.js';
import { HOME_NODE_ENV, PINNED_NODE_ENV } from '../../lib/cluster/node-access.js';

const spec = (): V1PodSpec => ({ containers: [{ name: 'app', image: 'x' }], nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'k', operator: 'Exists' }] });

describe('placement: which node a run\'s fixture pods go to', () => {
  it('the env var names are the ones run.ts sets', () => {
    expect(HOME_NODE_ENV).to.equal('INITC_HOME_NODE');
    expect(PINNED_NODE_ENV).to.equal('INITC_NODE_NAME');
    expect(HOSTNAME_LABEL).to.equal('kubernetes.io/hostname');
    expect(CONTROL_PLANE_TOLERATION).to.deep.equal({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' });
  });

  it('the privileged agent\'s node pins every pod, also a scenario that spreads (drain skips there)', () => {
    const env = { [PINNED_NODE_ENV]: 'agent-node', [HOME_NODE_ENV]: 'n0' };
    expect(placementOf(env, false)).to.deep.equal({ pin: 'agent', node: 'agent-node' });
    expect(placementOf(env, true)).to.deep.equal({ pin: 'agent', node: 'agent-node' });
  });

  it('the home node pins the pods of a scenario that does not spread; a spreading one goes away from it', () => {
    expect(placementOf({ [HOME_NODE_ENV]: 'n0' }, false)).to.deep.equal({ pin: 'home', node: 'n0' });
    expect(placementOf({ [HOME_NODE_ENV]: 'n0' }, true)).to.deep.equal({ pin: 'none', away: 'n0' });
  });

  it('neither set: nothing pinned, nothing to avoid', () => {
    expect(placementOf({}, false)).to.deep.equal({ pin: 'none' });
    expect(placementOf({}, true)).to.deep.equal({ pin: 'none' });
    expect(placementOf({ [PINNED_NODE_ENV]: '', [HOME_NODE_ENV]: '' }, false)).to.deep.equal({ pin: 'none' });
  });

  it('pinnedNode: the node of a pin, none when spread', () => {
    expect(pinnedNode({ pin: 'home', node: 'n0' })).to.equal('n0');
    expect(pinnedNode({ pin: 'agent', node: 'a' })).to.equal('a');
    expect(pinnedNode({ pin: 'none', away: 'n0' })).to.equal(undefined);
  });

  it('a pod pinned past the scheduler gets nodeName only (the kubelet heeds no NoSchedule taint)', () => {
    for (const pin of ['home', 'agent'] as const) {
      const placed = placeSpec(spec(), { pin, node: 'n0' }, false);
      expect(placed).to.deep.equal({ ...spec(), nodeName: 'n0' });
    }
  });

  it('pinned to the home node through the scheduler: hostname selector added to the pod\'s own, and the control plane\'s taint tolerated', () => {
    const placed = placeSpec(spec(), { pin: 'home', node: 'kind-control-plane' }, true);
    expect(placed.nodeName).to.equal(undefined);
    expect(placed.nodeSelector).to.deep.equal({ disk: 'ssd', 'kubernetes.io/hostname': 'kind-control-plane' });
    expect(placed.tolerations).to.deep.equal([{ key: 'k', operator: 'Exists' }, CONTROL_PLANE_TOLERATION]);
    expect(placeSpec({ containers: [] }, { pin: 'home', node: 'n0' }, true)).to.deep.equal({ containers: [], nodeSelector: { 'kubernetes.io/hostname': 'n0' }, tolerations: [CONTROL_PLANE_TOLERATION] });
  });

  it('pinned to the home node, a pod that mounts a claim goes through the scheduler even when not asked (a claim waiting for its first consumer binds there)', () => {
    const withClaim: V1PodSpec = { containers: [], volumes: [{ name: 'e', emptyDir: {} }, { name: 'data', persistentVolumeClaim: { claimName: 'shared' } }] };
    expect(mountsClaim(withClaim)).to.equal(true);
    expect(mountsClaim({ containers: [], volumes: [{ name: 'e', emptyDir: {} }] })).to.equal(false);
    expect(mountsClaim({ containers: [] })).to.equal(false);
    expect(placeSpec(withClaim, { pin: 'home', node: 'n0' }, false)).to.deep.equal({ ...withClaim, nodeSelector: { 'kubernetes.io/hostname': 'n0' }, tolerations: [CONTROL_PLANE_TOLERATION] });
    // The agent's pin unchanged: by nodeName, as before.
    expect(placeSpec(withClaim, { pin: 'agent', node: 'a' }, false)).to.deep.equal({ ...withClaim, nodeName: 'a' });
  });

  it('pinned to the agent\'s node through the scheduler: the selector as before, no toleration added', () => {
    expect(placeSpec({ containers: [] }, { pin: 'agent', node: 'a' }, true)).to.deep.equal({ containers: [], nodeSelector: { 'kubernetes.io/hostname': 'a' } });
  });

  it('spread with a home node: a preferred node affinity away from it, added to the pod\'s own; nothing pinned', () => {
    const own = { weight: 5, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } };
    const base: V1PodSpec = { containers: [], affinity: { podAffinity: {}, nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [own] } } };
    const placed = placeSpec(base, { pin: 'none', away: 'n0' }, true);
    const away = { weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['n0'] }] } };
    expect(placed).to.deep.equal({ containers: [], affinity: { podAffinity: {}, nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [own, away] } }, tolerations: [CONTROL_PLANE_TOLERATION] });
    expect(placeSpec({ containers: [], tolerations: [{ key: 'k', operator: 'Exists' }] }, { pin: 'none', away: 'n0' }, false)).to.deep.equal({
      containers: [],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [away] } },
      tolerations: [{ key: 'k', operator: 'Exists' }, CONTROL_PLANE_TOLERATION],
    });
  });

  it('spread without a home node, or nothing pinned: the spec unchanged', () => {
    const s = spec();
    expect(placeSpec(s, { pin: 'none' }, true)).to.equal(s);
    expect(placeSpec(s, { pin: 'none' }, false)).to.deep.equal(spec());
  });

  it('the home node: node 0 of several, none of one or none', () => {
    expect(homeNodeOf(['n0', 'n1'])).to.equal('n0');
    expect(homeNodeOf(['kind-control-plane', 'kind-worker', 'kind-worker2'])).to.equal('kind-control-plane');
    expect(homeNodeOf(['n0'])).to.equal(undefined);
    expect(homeNodeOf([])).to.equal(undefined);
  });

  it('describeHome names the node and the count', () => {
    expect(describeHome('n0', 2)).to.equal('on node n0 of 2 (the home node, whose access the chaos faults use); drain spreads its pods over the nodes');
  });
});
