/**
 * The verdicts of `initc check` on the faults that re-run init code in production
 * (lib/check/production-verdicts.ts), on what a real check recorded on the one-node embedded cluster
 * (test/fixtures/workload-faults: the migration-unsafe example's probe outputs and drain outcome,
 * and the pods of its scale-out): each verdict passes on the behaviour it accepts and fails, with
 * its exact message, on its negative control.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { DrainOutcome } from '../../lib/chaos/drain-outcome.js';
import { checkAppliedOnce, checkDrainOutcomes, checkPodsUp, checkRolledOut, drainVerdict, initRuns } from '../../lib/check/production-verdicts.js';
import { keepsState } from '../../lib/check/production-faults.js';
import type { Workload } from '../../lib/check/manifests.js';
import type { ProbeOutput } from '../../lib/check/verdicts.js';
import { describePod, revisionOf } from '../../lib/chaos/workload-proof.js';
import { projectRoot } from '../../lib/util/paths.js';
import { pods } from '../support/workload-pods.js';

interface Recorded {
  replacePod: { before: ProbeOutput; after: ProbeOutput };
  scaleOut: { before: ProbeOutput; after: ProbeOutput };
  drainOutcomes: DrainOutcome[];
}
const run = JSON.parse(readFileSync(path.join(projectRoot(), 'test', 'fixtures', 'workload-faults', 'migration-unsafe-check.json'), 'utf8')) as Recorded;

const thrown = (f: () => void): Error => {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('it passed');
};

describe('production fault verdicts (pure, on a recorded check)', () => {
  describe('checkPodsUp', () => {
    it('passes on the 3 recorded replicas, all Ready with their init containers run', () => {
      expect(() => checkPodsUp(pods('scale-out-ready'), 3, 'the scale-out to 3')).to.not.throw();
    });

    it('negative control: 3 pods, 2 still running their init containers: fails with the pods and where to look', () => {
      const starting = pods('scale-out-starting');
      const err = thrown(() => checkPodsUp(starting, 3, 'the scale-out to 3'));
      expect(err.name).to.equal('AssertionError');
      expect(err.message).to.equal(`expected 3 pod(s) of the workload Ready, every init container run, after the scale-out to 3; observed 3 pod(s), 1 up: ${starting.map(describePod).join('; ')}; look at the timelines of the new pods and their init containers' logs (kubectl logs POD -c INIT)`);
    });

    it('too few pods, even all up, fails; none says none', () => {
      expect(() => checkPodsUp(pods('scale-out-ready').slice(0, 2), 3, 'x')).to.throw(/observed 2 pod\(s\), 2 up: /);
      expect(() => checkPodsUp([], 1, 'x')).to.throw(/observed 0 pod\(s\), 0 up: none; look at/);
    });
  });

  describe('checkAppliedOnce', () => {
    it('negative control: the recorded unsafe migration (3 records before, 5 after 3 replicas started): not applied once', () => {
      const err = thrown(() => checkAppliedOnce(run.scaleOut.before, run.scaleOut.after, 3));
      expect(err.name).to.equal('AssertionError');
      expect(err.message).to.equal(
        'not applied once: expected the --probe output after 3 replicas started at once (run once, all of them Ready) to be the one before the scale-out; observed it differs (exit 0 before, 0 after): their init containers each applied the step against the state they share; look at the attachment "replicas\' init containers" (when each ran) and take a lock or check for the step\'s effect before applying it\n' +
          `  before │ after\n  ${'─'.repeat(7)}┼${'─'.repeat(6)}\n≠ 3      │ 5`,
      );
    });

    it('the same output passes; another exit code alone fails', () => {
      expect(() => checkAppliedOnce(run.scaleOut.before, { ...run.scaleOut.before }, 3)).to.not.throw();
      expect(() => checkAppliedOnce(run.scaleOut.before, { ...run.scaleOut.before, exitCode: 1 }, 3)).to.throw(/\(exit 0 before, 1 after\)/);
    });
  });

  describe('initRuns', () => {
    it('the recorded scale-out: the two new replicas ran their init containers in the same seconds', () => {
      const r = initRuns(pods('scale-out-ready'));
      expect(r.lines).to.deep.equal([
        'migrator-5c965dbbcf-98sbv migrate: 2026-12-07T09:14:09.000Z → 2026-12-07T09:14:11.000Z',
        'migrator-5c965dbbcf-ds4sh migrate: 2026-12-07T09:14:09.000Z → 2026-12-07T09:14:11.000Z',
        'migrator-5c965dbbcf-vl8cl migrate: 2026-12-07T09:13:55.000Z → 2026-12-07T09:13:57.000Z',
      ]);
      expect(r.overlapping).to.deep.equal(['migrator-5c965dbbcf-98sbv and migrator-5c965dbbcf-ds4sh (migrate)']);
    });

    it('runs that touch at one instant overlap; one a second later does not; a container still running has unknown times', () => {
      const [a, b] = pods('scale-out-ready');
      b!.status!.initContainerStatuses![0]!.state!.terminated!.startedAt = '2026-12-07T09:14:11Z' as unknown as Date;
      expect(initRuns([a!, b!]).overlapping).to.have.length(1);
      b!.status!.initContainerStatuses![0]!.state!.terminated!.startedAt = '2026-12-07T09:14:12Z' as unknown as Date;
      expect(initRuns([a!, b!]).overlapping).to.deep.equal([]);
      const running = pods('scale-out-starting').find((p) => p.status?.phase === 'Pending')!;
      expect(initRuns([running]).lines).to.deep.equal([`${running.metadata!.name} migrate: unknown → unknown`]);
    });
  });

  describe('checkRolledOut', () => {
    const before = pods('rollout-before');
    const e = (now = pods('rollout-done')) => ({ revisionsBefore: before.map((p) => revisionOf(p)!), uidsBefore: before.map((p) => p.metadata!.uid!), replicas: 1, now });

    it('passes on the recorded completed rollout', () => {
      expect(() => checkRolledOut(e())).to.not.throw();
    });

    it('negative control: the recorded rollout half-way (the old pod still serving) fails with the pods', () => {
      const now = pods('rollout-starting');
      expect(thrown(() => checkRolledOut(e(now))).message).to.equal(
        `expected the rollout complete: 1 pod(s) of a new revision (not 5c965dbbcf), none of the old ones left, each Ready with every init container run; observed 2 pod(s), 1 of the old revision: ${now.map(describePod).join('; ')}; look at the new pods' timelines and init containers' logs, and the workload's rollout status (kubectl rollout status)`,
      );
    });

    it('a pod of the old revision with a new uid is old too', () => {
      expect(thrown(() => checkRolledOut({ ...e(before), uidsBefore: [] })).message).to.match(/observed 1 pod\(s\), 1 of the old revision: /);
    });
  });

  describe('drain verdicts: the three outcomes', () => {
    const [recorded] = run.drainOutcomes;

    it('stayed Pending, no other schedulable node (the recorded one-node drain): not the workload\'s doing, passes with a note', () => {
      expect(drainVerdict(recorded!, 'ns', 120)).to.deep.equal({
        pod: recorded!.pod,
        ok: true,
        line: `${recorded!.pod}: stayed Pending (no other schedulable node) — migrator-569fb978cc-jb22q: ${(recorded as { why: string }).why} (not a verdict on the workload: the cluster had no other node to take it)`,
      });
      expect(checkDrainOutcomes(run.drainOutcomes, 'ns', 120)).to.have.length(1);
    });

    it('moved passes', () => {
      expect(drainVerdict({ pod: 'a', kind: 'moved', replacement: 'b', to: 'n2' }, 'ns', 120)).to.deep.equal({ pod: 'a', ok: true, line: 'a: moved — b Ready on node n2, its init containers run' });
    });

    it('negative control: blocked by a PodDisruptionBudget fails, naming the budgets to look at', () => {
      const v = drainVerdict({ pod: 'a', kind: 'blocked', why: "Cannot evict pod as it would violate the pod's disruption budget." }, 'ns', 120);
      expect(v).to.deep.equal({
        pod: 'a',
        ok: false,
        line: "expected the eviction of pod a allowed, so that its node can be drained; observed the Eviction API refused it (HTTP 429): Cannot evict pod as it would violate the pod's disruption budget.; look at the PodDisruptionBudgets selecting it (kubectl get pdb -n ns): with minAvailable equal to the replicas, or maxUnavailable 0, no pod of it can ever be evicted and kubectl drain waits forever",
      });
    });

    it('negative control: stayed Pending on a node-local volume fails, naming the volumes\' node affinity', () => {
      const v = drainVerdict({ ...(recorded as Extract<DrainOutcome, { kind: 'pending' }>), cause: 'node-local-volume', why: 'volume node affinity conflict' }, 'ns', 120);
      expect(v.ok).to.equal(false);
      expect(v.line).to.equal(`expected pod ${recorded!.pod} to move to another node when its node was drained; observed its replacement migrator-569fb978cc-jb22q stayed Pending: volume node affinity conflict; look at its PersistentVolumeClaims' volumes (kubectl get pv -o yaml: spec.nodeAffinity): node-local storage pins the pod to the drained node, so it cannot run anywhere until that node is back`);
    });

    it('stayed Pending for another reason, or undecided, fails saying where to look', () => {
      const other = drainVerdict({ ...(recorded as Extract<DrainOutcome, { kind: 'pending' }>), cause: 'other', why: '1 Insufficient cpu' }, 'ns', 120);
      expect(other).to.deep.equal({ pod: recorded!.pod, ok: false, line: `expected pod ${recorded!.pod} to move to another node when its node was drained; observed its replacement migrator-569fb978cc-jb22q stayed Pending: 1 Insufficient cpu; look at the scheduler's events of migrator-569fb978cc-jb22q (kubectl describe pod -n ns migrator-569fb978cc-jb22q)` });
      const undecided = drainVerdict({ pod: 'a', kind: 'undecided', why: 'evicted; no pod has replaced it' }, 'ns', 90);
      expect(undecided).to.deep.equal({ pod: 'a', ok: false, line: "expected pod a to move, or to stay Pending with the scheduler's reason, within 90 s of the drain; observed evicted; no pod has replaced it; look at the workload's controller and the timeline of its pods" });
    });

    it('checkDrainOutcomes fails listing only the failed pods; no pod drained fails', () => {
      const err = thrown(() => checkDrainOutcomes([...run.drainOutcomes, { pod: 'b', kind: 'blocked', why: 'budget' }], 'ns', 120));
      expect(err.name).to.equal('AssertionError');
      expect(err.message).to.equal("the drain: 1 of 2 pod(s) did not move:\n- b: expected the eviction of pod b allowed, so that its node can be drained; observed the Eviction API refused it (HTTP 429): budget; look at the PodDisruptionBudgets selecting it (kubectl get pdb -n ns): with minAvailable equal to the replicas, or maxUnavailable 0, no pod of it can ever be evicted and kubectl drain waits forever");
      expect(thrown(() => checkDrainOutcomes([], 'ns', 120)).message).to.equal("expected at least one pod of the workload asked to leave the drained node; observed none; look at the workload's pods and their nodes");
    });
  });

  describe('keepsState: what the new pod\'s probe is compared with', () => {
    const w = (podSpec: object, spec: object = {}) => ({ kind: 'Deployment', name: 'x', source: 'x', specPath: 'spec.template.spec', podSpec, object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec } }) as unknown as Workload;
    it('a PersistentVolumeClaim volume or volumeClaimTemplates keep state; an emptyDir does not', () => {
      expect(keepsState(w({ volumes: [{ name: 'db', persistentVolumeClaim: { claimName: 'db' } }] }))).to.equal(true);
      expect(keepsState(w({}, { volumeClaimTemplates: [{ metadata: { name: 'data' } }] }))).to.equal(true);
      expect(keepsState(w({ volumes: [{ name: 'data', emptyDir: {} }] }, { volumeClaimTemplates: [] }))).to.equal(false);
      expect(keepsState(w({}))).to.equal(false);
    });
  });

  it('the recorded replace-pod: the new pod sees one record more than before it', () => {
    expect([run.replacePod.before.stdout, run.replacePod.after.stdout]).to.deep.equal(['1', '2']);
  });

  describe('parts missing, boundaries, and the evidence each returns', () => {
    it('checkPodsUp: as many up as wanted beside one more not up still fails', () => {
      const four = [...pods('scale-out-ready'), ...pods('drained-one-node')];
      expect(() => checkPodsUp(four, 3, 'x')).to.throw(/observed 4 pod\(s\), 3 up: /);
    });

    it('checkRolledOut: an old uid under a new revision counts as old; two revisions before are named; no pod says none', () => {
      const done = pods('rollout-done');
      const e = { revisionsBefore: ['5c965dbbcf', 'x1'], uidsBefore: [done[0]!.metadata!.uid!], replicas: 1, now: done };
      expect(thrown(() => checkRolledOut(e)).message).to.match(/^expected the rollout complete: 1 pod\(s\) of a new revision \(not 5c965dbbcf, x1\), .*; observed 1 pod\(s\), 1 of the old revision: /);
      expect(thrown(() => checkRolledOut({ ...e, now: [] })).message).to.match(/; observed 0 pod\(s\), 0 of the old revision: none; look at /);
      expect(thrown(() => checkRolledOut({ ...e, uidsBefore: [], now: [{}] })).message).to.match(/; observed 1 pod\(s\), 0 of the old revision: \? \(uid \?/);
    });

    it('initRuns: a pod with nothing set has no runs; a status without a state or a pod without a name reads unknown and ?', () => {
      expect(initRuns([{}])).to.deep.equal({ lines: [], overlapping: [] });
      expect(initRuns([{ status: { initContainerStatuses: [{ name: 'a', image: 'i', imageID: '', ready: false, restartCount: 0 }] } }]).lines).to.deep.equal(['? a: unknown → unknown']);
    });

    it('initRuns: runs of different init containers never overlap; one that starts the instant the other ends does', () => {
      const at = (name: string, pod: string, from: string, to: string) => ({ metadata: { name: pod }, status: { initContainerStatuses: [{ name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, startedAt: from as unknown as Date, finishedAt: to as unknown as Date } } }] } });
      expect(initRuns([at('x', 'p1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:02Z'), at('y', 'p2', '2026-01-01T00:00:01Z', '2026-01-01T00:00:03Z')]).overlapping).to.deep.equal([]);
      expect(initRuns([at('x', 'p1', '2026-01-01T00:00:02Z', '2026-01-01T00:00:04Z'), at('x', 'p2', '2026-01-01T00:00:00Z', '2026-01-01T00:00:02Z')]).overlapping).to.deep.equal(['p1 and p2 (x)']);
    });

    it('checkDrainOutcomes returns each pod\'s line; lists each failed pod on a line of its own', () => {
      const moved: DrainOutcome = { pod: 'a', kind: 'moved', replacement: 'a2', to: 'n2' };
      expect(checkDrainOutcomes([moved, ...run.drainOutcomes], 'ns', 120)).to.deep.equal([drainVerdict(moved, 'ns', 120).line, drainVerdict(run.drainOutcomes[0]!, 'ns', 120).line]);
      const err = thrown(() => checkDrainOutcomes([{ pod: 'b', kind: 'blocked', why: 'x' }, { pod: 'c', kind: 'undecided', why: 'y' }], 'ns', 120));
      expect(err.message.split('\n').map((l) => l.slice(0, 5))).to.deep.equal(['the d', '- b: ', '- c: ']);
    });
  });
});
