/**
 * What became of each pod a drain asked to leave (lib/chaos/drain-outcome.ts), on pods recorded on
 * the one-node embedded cluster (test/fixtures/workload-faults): the replacement stayed Pending with
 * no other schedulable node, and a PodDisruptionBudget refused the eviction (HTTP 429). The moved
 * outcome and the node-local volume are the recorded pods with the node and the scheduler's message
 * of a two-node cluster put in (one node cannot show them).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { EvictionRecord } from '../../lib/chaos/drain-outcome.js';
import { describeOutcome, drainOutcome, pendingCause, replacements, unschedulableMessage } from '../../lib/chaos/drain-outcome.js';
import { projectRoot } from '../../lib/util/paths.js';
import { pods } from '../support/workload-pods.js';

const clone = <T>(x: T): T => structuredClone(x);
const FROM = 'initc-flt-node';
const REFUSED = readFileSync(path.join(projectRoot(), 'test', 'fixtures', 'workload-faults', 'eviction-429.txt'), 'utf8').replace(/^Error from server \(TooManyRequests\): /, '').trim();
const ONE_NODE = '0/1 nodes are available: 1 node(s) were unschedulable. no new claims to deallocate, preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.';
const LOCAL_VOLUME = '0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.';

describe('drain outcomes (pure, on recorded pods)', () => {
  const [ready] = pods('ready-pods');
  const [pending] = pods('drained-one-node');
  const owner = ready!.metadata!.ownerReferences![0]!.uid;
  const evicted: EvictionRecord = { pod: ready!.metadata!.name!, uid: ready!.metadata!.uid!, owner, status: 201, message: 'evicted' };
  const movedPod = () => {
    const p = clone(pods('rollout-before')[0]!);
    p.spec!.nodeName = 'initc-flt-node-2';
    return p;
  };

  it('the scheduler\'s reason, as recorded on one node: no other schedulable node', () => {
    expect(unschedulableMessage(pending!)).to.equal(ONE_NODE);
    expect(pendingCause(ONE_NODE)).to.equal('no-other-schedulable-node');
  });

  it('a node ruled out by the volume\'s node affinity: a node-local volume (even with another node cordoned)', () => {
    expect(pendingCause(LOCAL_VOLUME)).to.equal('node-local-volume');
  });

  it('another reason, or some nodes schedulable and not enough resources: other', () => {
    expect(pendingCause('0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable.')).to.equal('other');
    expect(pendingCause('0/2 nodes are available: 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 node(s) were unschedulable.')).to.equal('other');
    expect(pendingCause('something else')).to.equal('other');
  });

  it('a scheduled pod, or one not yet seen by the scheduler, gives no unschedulable message', () => {
    expect(unschedulableMessage(ready!)).to.equal(undefined);
    const waiting = clone(pending!);
    waiting.status!.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'gated' }];
    expect(unschedulableMessage(waiting)).to.equal(undefined);
    const noMessage = clone(pending!);
    delete noMessage.status!.conditions![0]!.message;
    expect(unschedulableMessage(noMessage)).to.equal('');
  });

  describe('drainOutcome: the three outcomes and their controls', () => {
    it('stayed Pending: no other schedulable node (the recorded one-node drain)', () => {
      const o = drainOutcome(evicted, FROM, pending);
      expect(o).to.deep.equal({ pod: evicted.pod, kind: 'pending', replacement: pending!.metadata!.name, cause: 'no-other-schedulable-node', why: ONE_NODE });
      expect(describeOutcome(o)).to.equal(`${evicted.pod}: stayed Pending (no other schedulable node) — ${pending!.metadata!.name}: ${ONE_NODE}`);
    });

    it('stayed Pending: node-local volume', () => {
      const p = clone(pending!);
      p.status!.conditions![0]!.message = LOCAL_VOLUME;
      const o = drainOutcome(evicted, FROM, p);
      expect(o).to.deep.include({ kind: 'pending', cause: 'node-local-volume' });
      expect(describeOutcome(o)).to.equal(`${evicted.pod}: stayed Pending (node-local volume) — ${p.metadata!.name}: ${LOCAL_VOLUME}`);
      p.status!.conditions![0]!.message = 'x';
      expect(describeOutcome(drainOutcome(evicted, FROM, p))).to.equal(`${evicted.pod}: stayed Pending (unschedulable) — ${p.metadata!.name}: x`);
    });

    it('blocked by a PodDisruptionBudget: the recorded 429', () => {
      const o = drainOutcome({ ...evicted, status: 429, message: REFUSED }, FROM, undefined);
      expect(o).to.deep.equal({ pod: evicted.pod, kind: 'blocked', why: "Cannot evict pod as it would violate the pod's disruption budget." });
      expect(describeOutcome(o)).to.equal(`${evicted.pod}: blocked by a PodDisruptionBudget (eviction refused, HTTP 429) — Cannot evict pod as it would violate the pod's disruption budget.`);
    });

    it('moved: its replacement Ready on another node with its init containers run', () => {
      const p = movedPod();
      const o = drainOutcome(evicted, FROM, p);
      expect(o).to.deep.equal({ pod: evicted.pod, kind: 'moved', replacement: p.metadata!.name, to: 'initc-flt-node-2' });
      expect(describeOutcome(o)).to.equal(`${evicted.pod}: moved — ${p.metadata!.name} Ready on node initc-flt-node-2, its init containers run`);
    });

    it('controls of moved: on the drained node again, on another node but not up, not placed and no message: undecided, saying what was seen', () => {
      const same = pods('rollout-before')[0]!;
      const o = drainOutcome(evicted, FROM, same);
      expect(o.kind).to.equal('undecided');
      expect(describeOutcome(o)).to.match(/: undecided — replaced by .*: placed on the drained node initc-flt-node again$/);
      const notUp = movedPod();
      notUp.status!.conditions = [];
      expect((drainOutcome(evicted, FROM, notUp) as { why: string }).why).to.match(/: on node initc-flt-node-2, not Ready$/);
      const running = movedPod();
      running.status!.initContainerStatuses![0]!.state = { running: {} };
      expect((drainOutcome(evicted, FROM, running) as { why: string }).why).to.match(/: on node initc-flt-node-2, init container migrate not finished \(running\)$/);
      const unplaced = clone(pending!);
      unplaced.status!.conditions = [];
      expect((drainOutcome(evicted, FROM, unplaced) as { why: string }).why).to.match(/: not yet placed by the scheduler$/);
    });

    it('no replacement, or another answer of the Eviction API: undecided', () => {
      expect(drainOutcome(evicted, FROM, undefined)).to.deep.equal({ pod: evicted.pod, kind: 'undecided', why: 'evicted; no pod has replaced it' });
      expect(drainOutcome({ ...evicted, owner: undefined }, FROM, undefined)).to.deep.equal({ pod: evicted.pod, kind: 'undecided', why: 'evicted; a bare Pod has no controller to make a new one' });
      expect(drainOutcome({ ...evicted, status: 404, message: 'not found' }, FROM, pending)).to.deep.equal({ pod: evicted.pod, kind: 'undecided', why: 'the Eviction API answered HTTP 404: not found' });
    });
  });

  describe('replacements', () => {
    it('pairs each evicted pod with a new pod of its controller, each used once; none for a refused or bare one', () => {
      const scaled = pods('scale-out-ready');
      const uidsBefore = [scaled[2]!.metadata!.uid!];
      const two = [evicted, { ...evicted, pod: 'b', uid: 'b' }, { ...evicted, pod: 'c', uid: 'c' }];
      const got = replacements(two, uidsBefore, scaled).map((p) => p?.metadata?.name);
      expect(got).to.deep.equal([scaled[0]!.metadata!.name, scaled[1]!.metadata!.name, undefined]);
      expect(replacements([{ ...evicted, status: 429 }, { ...evicted, owner: undefined }], [], scaled)).to.deep.equal([undefined, undefined]);
      expect(replacements([{ ...evicted, owner: 'someone-else' }], [], scaled)).to.deep.equal([undefined]);
    });
  });
});
