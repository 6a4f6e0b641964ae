/**
 * The drain suite's checks on recordings of the embedded cluster (v1.34.12). With TWO nodes
 * (`--nodes 2`): the Deployment's pod on the drained node moved, the budget refused, the
 * node-local claim's pod stayed Pending — each passes its check. With ONE node (the suite's
 * two-node gate bypassed for the recording), two real negative controls: the evicted Deployment
 * pods had nowhere to go (Pending), and the node-local claim's pod was Pending for the cordon
 * alone (the scheduler did not name its volume).
 */
import { expect } from 'chai';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { DrainRecording } from '../../lib/checks/drain.js';
import { NODES_NEEDED, checkBlocked, checkMoved, checkPendingOnLocalVolume, drainSkipReason, nodeSummary, podSummary, schedulableNodes } from '../../lib/checks/drain.js';
import { clone, control, expectFailure, load } from '../support/controls.js';

const blocked = load<DrainRecording>('drain-two-nodes-blocked');
const moved = load<DrainRecording>('drain-two-nodes-moved');
const pending = load<DrainRecording>('drain-two-nodes-pending');
const blockedOneNode = load<DrainRecording>('drain-one-node-blocked');
const movedOneNode = load<DrainRecording>('drain-one-node-moved');
const pendingOneNode = load<DrainRecording>('drain-one-node-pending');
const OTHER = 'initc-sui-node2';

const node = (name: string, o: { ready?: boolean; unschedulable?: boolean; taints?: string[] } = {}) => ({ name, ready: o.ready ?? true, unschedulable: o.unschedulable ?? false, taints: o.taints ?? [] });

describe('drain: the two-node gate', () => {
  it('counts Ready nodes that are not cordoned and carry no NoSchedule or NoExecute taint', () => {
    expect(NODES_NEEDED).to.equal(2);
    expect(schedulableNodes([node('a'), node('b', { ready: false }), node('c', { unschedulable: true }), node('d', { taints: ['NoSchedule'] }), node('e', { taints: ['NoExecute'] }), node('f', { taints: ['PreferNoSchedule'] })])).to.deep.equal(['a', 'f']);
  });

  it('one schedulable node: skipped, saying what it needs and what it has; two: runs', () => {
    expect(drainSkipReason([node('initc-sui-node')])).to.equal('needs 2 schedulable nodes; run with --nodes 2 (this cluster has 1: initc-sui-node)');
    expect(drainSkipReason([node('a'), node('b', { unschedulable: true })])).to.equal('needs 2 schedulable nodes; run with --nodes 2 (this cluster has 1: a)');
    expect(drainSkipReason([])).to.equal('needs 2 schedulable nodes; run with --nodes 2 (this cluster has 0)');
    expect(drainSkipReason([node('pink-control-plane', { taints: ['NoSchedule'] }), node('pink-worker')])).to.equal(
      "needs 2 schedulable nodes (this cluster has 1: pink-worker; tainted against pods, as kind's control plane is: pink-control-plane (NoSchedule)); run with --nodes 3",
    );
    expect(drainSkipReason([node('cp', { taints: ['PreferNoSchedule', 'NoExecute'] }), node('x', { taints: ['NoSchedule'] })])).to.equal(
      "needs 2 schedulable nodes (this cluster has 0; tainted against pods, as kind's control plane is: cp (NoExecute), x (NoSchedule)); run with --nodes 4",
    );
    // A cordoned or not Ready node is not counted as tainted, whatever its taints.
    expect(drainSkipReason([node('a'), node('b', { unschedulable: true, taints: ['NoSchedule'] }), node('c', { ready: false, taints: ['NoSchedule'] })])).to.equal('needs 2 schedulable nodes; run with --nodes 2 (this cluster has 1: a)');
    expect(drainSkipReason([node('a'), node('b', { taints: ['PreferNoSchedule'] })])).to.equal(undefined);
    // PreferNoSchedule takes pods: such a node is neither missing nor named tainted.
    expect(drainSkipReason([node('a', { taints: ['PreferNoSchedule'] })])).to.equal('needs 2 schedulable nodes; run with --nodes 2 (this cluster has 1: a)');
    expect(drainSkipReason([node('cp', { taints: ['NoSchedule', 'NoExecute'] })])).to.equal(
      "needs 2 schedulable nodes (this cluster has 0; tainted against pods, as kind's control plane is: cp (NoSchedule, NoExecute)); run with --nodes 3",
    );

    expect(drainSkipReason([node('a'), node('b')])).to.equal(undefined);
    expect(drainSkipReason([node('a'), node('b'), node('c')])).to.equal(undefined);
  });

  it('reads a node as the API gives it', () => {
    const n: V1Node = { metadata: { name: 'n1' }, spec: { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'MemoryPressure', status: 'True' }, { type: 'Ready', status: 'True' }] } };
    expect(nodeSummary(n)).to.deep.equal({ name: 'n1', ready: true, unschedulable: true, taints: ['NoSchedule'] });
    // kind's control plane with workers: its NoSchedule taint is tolerated by the suite's pods, so it counts as schedulable; its other taints do not.
    const cp: V1Node = { metadata: { name: 'pink-control-plane' }, spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    expect(nodeSummary(cp)).to.deep.equal({ name: 'pink-control-plane', ready: true, unschedulable: false, taints: [] });
    const cpExecute: V1Node = { ...cp, spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoExecute' }, { key: 'other', effect: 'NoSchedule' }] } };
    expect(nodeSummary(cpExecute).taints).to.deep.equal(['NoExecute', 'NoSchedule']);
    expect(drainSkipReason([nodeSummary(cp), node('pink-worker')])).to.equal(undefined);
    expect(nodeSummary({ status: { conditions: [{ type: 'Ready', status: 'False' }] } })).to.deep.equal({ name: '', ready: false, unschedulable: false, taints: [] });
    expect(nodeSummary({ spec: { unschedulable: false } })).to.deep.equal({ name: '', ready: false, unschedulable: false, taints: [] });
    expect(nodeSummary({ status: {} }).ready).to.equal(false);
    expect(nodeSummary({ status: { conditions: [{ type: 'DiskPressure', status: 'True' }, { type: 'Ready', status: 'False' }] } }).ready).to.equal(false);
    expect(nodeSummary({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }).ready).to.equal(false);
  });

  it('reads a pod as the API gives it: its node, phase, Ready and the scheduler\'s word', () => {
    const p: V1Pod = { metadata: { name: 'p', uid: 'u' }, spec: { containers: [] }, status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'm' }] } };
    expect(podSummary(p, [])).to.deep.equal({ name: 'p', uid: 'u', node: undefined, phase: 'Pending', ready: false, scheduled: 'False (Unschedulable)', scheduledMessage: 'm', ledger: [] });
    const running: V1Pod = { metadata: { name: 'q', uid: 'v' }, spec: { containers: [], nodeName: 'n' }, status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] } };
    expect(podSummary(running, [])).to.deep.equal({ name: 'q', uid: 'v', node: 'n', phase: 'Running', ready: true, scheduled: 'True', scheduledMessage: undefined, ledger: [] });
    expect(podSummary({ status: { phase: 'Pending' } }, [])).to.include({ ready: false, scheduled: undefined });
    expect(podSummary({ status: { conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'False' }] } }, []).ready).to.equal(false);
    expect(podSummary({}, [])).to.deep.equal({ name: '', uid: '', node: undefined, phase: 'Unknown', ready: false, scheduled: undefined, scheduledMessage: undefined, ledger: [] });
  });
});

describe('drain: checkBlocked (controls on the two-node recording)', () => {
  control(blocked, checkBlocked, {
    'the node was not cordoned': [(r) => (r.cordoned = false), /^expected node initc-sui-node2 cordoned \(unschedulable\) by the drain; observed it was not$/],
    'the pod on the node was not asked to leave': [(r) => r.evictions.pop(), /^expected an eviction for each pod on initc-sui-node2 \(guarded-6fb97767bd-dhq4l\); observed evictions for none$/],
    'a pod of the other node was asked too': [(r) => r.evictions.push({ ...r.evictions[0]!, pod: 'guarded-6fb97767bd-vcm2j' }), /^expected an eviction for each pod on initc-sui-node2 \(guarded-6fb97767bd-dhq4l\); observed evictions for guarded-6fb97767bd-dhq4l, guarded-6fb97767bd-vcm2j$/],
    'no pod was on the drained node': [(r) => (r.node = 'elsewhere'), /^expected an eviction for each pod on elsewhere \(none there\); observed evictions for guarded-6fb97767bd-dhq4l$/],
    'the eviction was granted': [(r) => Object.assign(r.evictions[0]!, { status: 201, message: 'evicted' }), /^expected every eviction refused by the disruption budget \(HTTP 429, "… disruption budget …"\); observed guarded-6fb97767bd-dhq4l: HTTP 201 evicted$/],
    'a 429 came for another reason': [(r) => (r.evictions[0]!.message = 'too many requests'), /observed guarded-6fb97767bd-dhq4l: HTTP 429 too many requests$/],
    'a refusal named the budget with another status': [(r) => (r.evictions[0]!.status = 500), /observed guarded-6fb97767bd-dhq4l: HTTP 500 Cannot evict pod as it would violate the pod's disruption budget\.$/],
    'a pod is gone': [(r) => r.after.pop(), /^expected guarded-6fb97767bd-vcm2j still Ready on initc-sui-node; observed gone$/],
    'a pod is no longer Ready': [(r) => (r.after[0]!.ready = false), /^expected guarded-6fb97767bd-dhq4l still Ready on initc-sui-node2; observed guarded-6fb97767bd-dhq4l \(74978495\) Running on initc-sui-node2$/],
    'a pod moved': [(r) => (r.after[0]!.node = 'initc-sui-node'), /observed guarded-6fb97767bd-dhq4l \(74978495\) Running Ready on initc-sui-node$/],
    'a new pod was made': [(r) => r.after.push({ ...clone(r.after[0]!), name: 'guarded-new', uid: 'ffffffff-new' }), /^expected no new pod while the budget refuses; observed guarded-new \(ffffffff\) Running Ready on initc-sui-node2$/],
  });

  it('passes on the one-node recording too: the refusal does not depend on the nodes', () => {
    checkBlocked(clone(blockedOneNode));
  });

  it('passes whatever order the evictions were asked in, or the pods listed in', () => {
    const r = clone(blockedOneNode);
    r.evictions.reverse();
    checkBlocked(r);
    const listed = clone(blockedOneNode);
    listed.before.reverse();
    checkBlocked(listed);
  });

  it('names every pod of the drained node when one was not asked to leave', () => {
    const r = clone(blockedOneNode);
    r.evictions.pop();
    expectFailure(checkBlocked, r, /^expected an eviction for each pod on initc-sui-node \(guarded-978675d4d-dxg7f, guarded-978675d4d-xl5f8\); observed evictions for guarded-978675d4d-dxg7f$/);
  });

  it('names every pod that moved', () => {
    const r = clone(blockedOneNode);
    r.after.forEach((p) => (p.node = OTHER));
    expectFailure(checkBlocked, r, /^expected guarded-978675d4d-dxg7f still Ready on initc-sui-node; observed guarded-978675d4d-dxg7f \(feae9b3a\) Running Ready on initc-sui-node2$/);
    const made = clone(blockedOneNode);
    made.after.push({ ...clone(made.after[0]!), name: 'a', uid: '11111111-a' }, { ...clone(made.after[0]!), name: 'b', uid: '22222222-b' });
    expectFailure(checkBlocked, made, /^expected no new pod while the budget refuses; observed a \(11111111\) Running Ready on initc-sui-node, b \(22222222\) Running Ready on initc-sui-node$/);
  });
});

describe('drain: checkMoved (controls on the two-node recording)', () => {
  control(moved, checkMoved, {
    'the node was not cordoned': [(r) => (r.cordoned = false), /^expected node initc-sui-node2 cordoned/],
    'the eviction was refused': [(r) => Object.assign(r.evictions[0]!, { status: 429, message: 'budget' }), /^expected every eviction granted \(201\); observed mover-5c4cb46597-g4cdz: HTTP 429 budget$/],
    'a pod stayed on the drained node': [(r) => (r.after[1]!.node = 'initc-sui-node2'), /^expected no pod of the workload left on the drained node initc-sui-node2; observed mover-5c4cb46597-qtgp6 \(bc3eae6e\) Running Ready on initc-sui-node2$/],
    'the evicted pod was not replaced': [(r) => r.after.shift(), /^expected a new pod for each of the 1 evicted; observed 0: none$/],
    'the new pod is not Ready': [(r) => (r.after[0]!.ready = false), /^expected the new pod mover-5c4cb46597-jg7v4 Ready on another node; observed mover-5c4cb46597-jg7v4 \(59ab2d2d\) Running on initc-sui-node$/],
    'the new pod\'s init container did not run': [(r) => (r.after[0]!.ledger = r.after[0]!.ledger.filter((e) => e.container !== 'init-a')), /^expected init-a run once, to the end, in the new pod mover-5c4cb46597-jg7v4 on initc-sui-node; observed no ledger line$/],
    'the new pod\'s init container ran twice': [(r) => r.after[0]!.ledger.push(clone(r.after[0]!.ledger[0]!), clone(r.after[0]!.ledger[1]!)), /observed started, ran, started, ran$/],
    'the new pod\'s init container never finished': [(r) => (r.after[0]!.ledger = r.after[0]!.ledger.filter((e) => e.event !== 'ran')), /observed started$/],
    'the new pod\'s init container never started': [(r) => (r.after[0]!.ledger = r.after[0]!.ledger.filter((e) => !(e.container === 'init-a' && e.event === 'started'))), /observed ran$/],
  });

  it('fails on the one-node recording (the negative control): the evicted pods had nowhere to go', () => {
    expectFailure(checkMoved, clone(movedOneNode), /^expected the new pod mover-744dbf8557-lj2vv Ready on another node; observed mover-744dbf8557-lj2vv \(de00d37c\) Pending on no node$/);
  });
});

describe('drain: checkPendingOnLocalVolume (controls on the two-node recording)', () => {
  control(pending, checkPendingOnLocalVolume, {
    'the node was not cordoned': [(r) => (r.cordoned = false), /^expected node initc-sui-node cordoned/],
    'the eviction was refused': [(r) => Object.assign(r.evictions[0]!, { status: 429, message: 'budget' }), /^expected every eviction granted \(201\); observed pinned-0: HTTP 429 budget$/],
    'no new pod was made': [(r) => r.after.pop(), /^expected a new pod for each of the 1 evicted; observed 0: none$/],
    'the new pod was placed': [(r) => (r.after[0]!.node = OTHER), /^expected the new pod pinned-0 Pending, not placed on any node; observed pinned-0 \(3274cb1c\) Pending on initc-sui-node2$/],
    'the new pod is not Pending': [(r) => (r.after[0]!.phase = 'Failed'), /observed pinned-0 \(3274cb1c\) Failed on no node$/],
    'the scheduler has not said': [(r) => ((r.after[0]!.scheduled = undefined), (r.after[0]!.scheduledMessage = undefined)), /^expected the scheduler saying why pinned-0 waits: PodScheduled False \(Unschedulable\), "… didn't match PersistentVolume's node affinity …"; observed PodScheduled absent: no message$/],
    'the pod is unschedulable for another reason': [(r) => (r.after[0]!.scheduled = 'False (SchedulerError)'), /observed PodScheduled False \(SchedulerError\): 0\/2 nodes are available: 1 node\(s\) didn't match PersistentVolume's node affinity/],
    'its init container ran': [(r) => (r.after[0]!.ledger = clone(r.before[0]!.ledger)), /^expected init-a never run in the Pending pod pinned-0; observed started, wrote-seed, ran$/],
  });

  it('passes on the older releases\' words for the same reason', () => {
    const r = clone(pending);
    r.after[0]!.scheduledMessage = '0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable.';
    checkPendingOnLocalVolume(r);
  });

  it('fails on the one-node recording (the negative control): Pending for the cordon alone, the volume not named', () => {
    expectFailure(checkPendingOnLocalVolume, clone(pendingOneNode), /^expected the scheduler saying why pinned-0 waits: PodScheduled False \(Unschedulable\), "… didn't match PersistentVolume's node affinity …"; observed PodScheduled False \(Unschedulable\): 0\/1 nodes are available: 1 node\(s\) were unschedulable\. no new claims to deallocate, preemption: 0\/1 nodes are available: 1 Preemption is not helpful for scheduling\.$/);
  });
});
