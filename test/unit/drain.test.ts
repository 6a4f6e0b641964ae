/**
 * The drain suite's checks. Recordings of the embedded cluster (v1.34.12) with ONE node (the
 * suite's two-node gate bypassed for the recording): the disruption budget's refusal does not
 * depend on the node count and passes as recorded; the other two are real negative controls —
 * with no other node the evicted Deployment pods stay Pending (so they did not move), and the
 * node-local claim's pod is Pending for the cordon alone, not for its volume (so the scheduler
 * did not name the volume). The passing cases of those two are the same recordings with the
 * replacement placed as two nodes place it (alterations stated in each test).
 */
import { expect } from 'chai';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { DrainRecording } from '../../lib/checks/drain.js';
import { NODES_NEEDED, checkBlocked, checkMoved, checkPendingOnLocalVolume, drainSkipReason, nodeSummary, podSummary, schedulableNodes } from '../../lib/checks/drain.js';
import { clone, control, expectFailure, load } from '../support/controls.js';

const blocked = load<DrainRecording>('drain-one-node-blocked');
const movedOneNode = load<DrainRecording>('drain-one-node-moved');
const pendingOneNode = load<DrainRecording>('drain-one-node-pending');
const OTHER = 'initc-sui-node2';
const CONFLICT = '0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.';

/** The one-node "moved" recording as two nodes would end it: each new pod placed on the other node, Ready, its init container run there (a before pod's ledger lines). */
function movedTwoNodes(): DrainRecording {
  const r = clone(movedOneNode);
  r.after.forEach((p, i) => Object.assign(p, { node: OTHER, phase: 'Running', ready: true, scheduled: 'True', scheduledMessage: undefined, ledger: clone(r.before[i]!.ledger) }));
  return r;
}

/** The one-node "pending" recording with the scheduler's message of two nodes: the volume's node affinity rules out the other one. */
function pendingTwoNodes(): DrainRecording {
  const r = clone(pendingOneNode);
  r.after[0]!.scheduledMessage = CONFLICT;
  return r;
}

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
    expect(drainSkipReason([node('a'), node('b')])).to.equal(undefined);
    expect(drainSkipReason([node('a'), node('b'), node('c')])).to.equal(undefined);
  });

  it('reads a node as the API gives it', () => {
    const n: V1Node = { metadata: { name: 'n1' }, spec: { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'MemoryPressure', status: 'True' }, { type: 'Ready', status: 'True' }] } };
    expect(nodeSummary(n)).to.deep.equal({ name: 'n1', ready: true, unschedulable: true, taints: ['NoSchedule'] });
    expect(nodeSummary({ status: { conditions: [{ type: 'Ready', status: 'False' }] } })).to.deep.equal({ name: '', ready: false, unschedulable: false, taints: [] });
    expect(nodeSummary({ spec: { unschedulable: false } })).to.deep.equal({ name: '', ready: false, unschedulable: false, taints: [] });
  });

  it('reads a pod as the API gives it: its node, phase, Ready and the scheduler\'s word', () => {
    const p: V1Pod = { metadata: { name: 'p', uid: 'u' }, spec: { containers: [] }, status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'm' }] } };
    expect(podSummary(p, [])).to.deep.equal({ name: 'p', uid: 'u', node: undefined, phase: 'Pending', ready: false, scheduled: 'False (Unschedulable)', scheduledMessage: 'm', ledger: [] });
    const running: V1Pod = { metadata: { name: 'q', uid: 'v' }, spec: { containers: [], nodeName: 'n' }, status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: 'True' }] } };
    expect(podSummary(running, [])).to.deep.equal({ name: 'q', uid: 'v', node: 'n', phase: 'Running', ready: true, scheduled: 'True', scheduledMessage: undefined, ledger: [] });
    expect(podSummary({}, [])).to.deep.equal({ name: '', uid: '', node: undefined, phase: 'Unknown', ready: false, scheduled: undefined, scheduledMessage: undefined, ledger: [] });
  });
});

describe('drain: checkBlocked (controls on the recording)', () => {
  control(blocked, checkBlocked, {
    'the node was not cordoned': [(r) => (r.cordoned = false), /^expected node initc-sui-node cordoned \(unschedulable\) by the drain; observed it was not$/],
    'a pod on the node was not asked to leave': [(r) => r.evictions.pop(), /^expected an eviction for each pod on initc-sui-node \(guarded-978675d4d-dxg7f, guarded-978675d4d-xl5f8\); observed evictions for guarded-978675d4d-dxg7f$/],
    'no pod was on the drained node': [(r) => (r.node = 'elsewhere'), /^expected an eviction for each pod on elsewhere \(none there\); observed evictions for guarded-978675d4d-dxg7f, guarded-978675d4d-xl5f8$/],
    'an eviction was granted': [(r) => Object.assign(r.evictions[1]!, { status: 201, message: 'evicted' }), /^expected every eviction refused by the disruption budget \(HTTP 429, "… disruption budget …"\); observed guarded-978675d4d-xl5f8: HTTP 201 evicted$/],
    'a 429 came for another reason': [(r) => (r.evictions[0]!.message = 'too many requests'), /observed guarded-978675d4d-dxg7f: HTTP 429 too many requests$/],
    'a pod is gone': [(r) => r.after.pop(), /^expected guarded-978675d4d-xl5f8 still Ready on initc-sui-node; observed gone$/],
    'a pod is no longer Ready': [(r) => (r.after[0]!.ready = false), /^expected guarded-978675d4d-dxg7f still Ready on initc-sui-node; observed guarded-978675d4d-dxg7f \(feae9b3a\) Running on initc-sui-node$/],
    'a pod moved': [(r) => (r.after[0]!.node = OTHER), /observed guarded-978675d4d-dxg7f \(feae9b3a\) Running Ready on initc-sui-node2$/],
    'a new pod was made': [(r) => r.after.push({ ...clone(r.after[0]!), name: 'guarded-new', uid: 'ffffffff-new' }), /^expected no new pod while the budget refuses; observed guarded-new \(ffffffff\) Running Ready on initc-sui-node$/],
  });
});

describe('drain: checkMoved', () => {
  control(movedTwoNodes(), checkMoved, {
    'the node was not cordoned': [(r) => (r.cordoned = false), /^expected node initc-sui-node cordoned/],
    'an eviction was refused': [(r) => Object.assign(r.evictions[0]!, { status: 429, message: 'budget' }), /^expected every eviction granted \(201\); observed mover-744dbf8557-vkssc: HTTP 429 budget$/],
    'a pod stayed on the drained node': [(r) => (r.after[1]!.node = 'initc-sui-node'), /^expected no pod of the workload left on the drained node initc-sui-node; observed mover-744dbf8557-q8cpf \(a319b582\) Running Ready on initc-sui-node$/],
    'an evicted pod was not replaced': [(r) => r.after.pop(), /^expected a new pod for each of the 2 evicted; observed 1: mover-744dbf8557-lj2vv \(de00d37c\) Running Ready on initc-sui-node2$/],
    'a new pod is not Ready': [(r) => (r.after[0]!.ready = false), /^expected the new pod mover-744dbf8557-lj2vv Ready on another node; observed mover-744dbf8557-lj2vv \(de00d37c\) Running on initc-sui-node2$/],
    'a new pod\'s init container did not run': [(r) => (r.after[1]!.ledger = r.after[1]!.ledger.filter((e) => e.container !== 'init-a')), /^expected init-a run once, to the end, in the new pod mover-744dbf8557-q8cpf on initc-sui-node2; observed no ledger line$/],
    'a new pod\'s init container ran twice': [(r) => r.after[0]!.ledger.push(clone(r.after[0]!.ledger[0]!)), /observed started, ran, started$/],
    'a new pod\'s init container never finished': [(r) => (r.after[0]!.ledger = r.after[0]!.ledger.filter((e) => e.event !== 'ran')), /observed started$/],
  });

  it('fails on the one-node recording (the negative control): the evicted pods had nowhere to go', () => {
    expectFailure(checkMoved, clone(movedOneNode), /^expected the new pod mover-744dbf8557-lj2vv Ready on another node; observed mover-744dbf8557-lj2vv \(de00d37c\) Pending on no node$/);
  });
});

describe('drain: checkPendingOnLocalVolume', () => {
  control(pendingTwoNodes(), checkPendingOnLocalVolume, {
    'the node was not cordoned': [(r) => (r.cordoned = false), /^expected node initc-sui-node cordoned/],
    'the eviction was refused': [(r) => Object.assign(r.evictions[0]!, { status: 429, message: 'budget' }), /^expected every eviction granted \(201\); observed pinned-0: HTTP 429 budget$/],
    'no new pod was made': [(r) => r.after.pop(), /^expected a new pod for each of the 1 evicted; observed 0: none$/],
    'the new pod was placed': [(r) => (r.after[0]!.node = OTHER), /^expected the new pod pinned-0 Pending, not placed on any node; observed pinned-0 \(0f5de83e\) Pending on initc-sui-node2$/],
    'the new pod is not Pending': [(r) => (r.after[0]!.phase = 'Failed'), /observed pinned-0 \(0f5de83e\) Failed on no node$/],
    'the scheduler has not said': [(r) => (r.after[0]!.scheduled = undefined, r.after[0]!.scheduledMessage = undefined), /^expected the scheduler saying why pinned-0 waits: PodScheduled False \(Unschedulable\), "… volume node affinity conflict …"; observed PodScheduled absent: no message$/],
    'the pod is unschedulable for another reason': [(r) => (r.after[0]!.scheduled = 'False (SchedulerError)'), /observed PodScheduled False \(SchedulerError\): 0\/2 nodes are available/],
    'its init container ran': [(r) => (r.after[0]!.ledger = clone(r.before[0]!.ledger)), /^expected init-a never run in the Pending pod pinned-0; observed started, wrote-seed, ran$/],
  });

  it('fails on the one-node recording (the negative control): Pending for the cordon alone, the volume not named', () => {
    expectFailure(checkPendingOnLocalVolume, clone(pendingOneNode), /^expected the scheduler saying why pinned-0 waits: PodScheduled False \(Unschedulable\), "… volume node affinity conflict …"; observed PodScheduled False \(Unschedulable\): 0\/1 nodes are available: 1 node\(s\) were unschedulable\. no new claims to deallocate, preemption: 0\/1 nodes are available: 1 Preemption is not helpful for scheduling\.$/);
  });
});
