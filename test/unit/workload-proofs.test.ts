/**
 * The faults on a workload prove they took effect (lib/chaos/workload-proof.ts), judged on pods
 * recorded on an embedded cluster (test/fixtures/workload-faults: the migration example applied,
 * drained on one node, blocked by a PodDisruptionBudget, scaled out to 3, rolled out), each with the
 * fault that did nothing as its negative control.
 */
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import { describePod, drainProof, initsBegan, initsNotRun, podReady, podUp, replacementOf, replacementProof, revisionOf, rolloutComplete, rolloutProof, scaleOutProof } from '../../lib/chaos/workload-proof.js';
import { pods } from '../support/workload-pods.js';
const clone = <T>(x: T): T => structuredClone(x);

describe('workload fault proofs (pure judges, on recorded pods)', () => {
  const [ready] = pods('ready-pods');
  const [pending] = pods('drained-one-node');
  const rs = ready!.metadata!.ownerReferences![0]!.uid;

  describe('pod state', () => {
    it('a Ready pod whose init container ended with exit 0 is up', () => {
      expect(podReady(ready!)).to.equal(true);
      expect(initsNotRun(ready!)).to.equal(undefined);
      expect(podUp(ready!)).to.equal(true);
      expect(initsBegan(ready!)).to.equal(true);
      expect(describePod(ready!)).to.equal(`${ready!.metadata!.name} (uid ${ready!.metadata!.uid!.slice(0, 8)}, node initc-flt-node, Ready, init containers ran)`);
    });

    it('a pod the scheduler could not place is neither Ready nor began its init containers', () => {
      expect(podReady(pending!)).to.equal(false);
      expect(initsBegan(pending!)).to.equal(false);
      expect(initsNotRun(pending!)).to.equal('init container migrate not finished (no status)');
      expect(podUp(pending!)).to.equal(false);
      expect(describePod(pending!)).to.equal(`${pending!.metadata!.name} (uid ${pending!.metadata!.uid!.slice(0, 8)}, node none, not Ready: Pending, init container migrate not finished (no status))`);
    });

    it('an init container still running began but has not run; one that exited 1 has not run; one without a containerID has not run', () => {
      const starting = pods('scale-out-starting').find((p) => !podReady(p))!;
      expect(initsBegan(starting)).to.equal(true);
      expect(initsNotRun(starting)).to.equal('init container migrate not finished (running)');
      const failed = clone(ready!);
      failed.status!.initContainerStatuses![0]!.state!.terminated!.exitCode = 1;
      expect(initsNotRun(failed)).to.equal('init container migrate exited 1');
      const noId = clone(ready!);
      delete noId.status!.initContainerStatuses![0]!.containerID;
      delete noId.status!.initContainerStatuses![0]!.state!.terminated!.containerID;
      expect(initsNotRun(noId)).to.equal('init container migrate has no containerID');
      const waiting = clone(pending!);
      waiting.status!.initContainerStatuses = [{ name: 'migrate', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }];
      expect(initsNotRun(waiting)).to.equal('init container migrate not finished (waiting: PodInitializing)');
    });

    it('a sidecar must have started; a pod without init containers never began any', () => {
      const sidecar = clone(ready!);
      sidecar.spec!.initContainers![0]!.restartPolicy = 'Always';
      sidecar.status!.initContainerStatuses![0]!.started = false;
      expect(initsNotRun(sidecar)).to.equal('sidecar migrate not started');
      sidecar.status!.initContainerStatuses![0]!.started = true;
      expect(initsNotRun(sidecar)).to.equal(undefined);
      const none = clone(ready!);
      none.spec!.initContainers = [];
      expect(initsBegan(none)).to.equal(false);
    });
  });

  describe('replacementProof', () => {
    const old = { name: ready!.metadata!.name!, uid: ready!.metadata!.uid!, owner: rs };
    const replaced = pods('rollout-before');

    it('proves a pod replaced by its ReplicaSet with a new pod that ran its init containers', () => {
      const p = replacementProof(old, replaced);
      expect(p.proven).to.equal(true);
      expect(p.claim).to.equal(`pod ${old.name} (uid ${old.uid.slice(0, 8)}) gone, a new pod of the same owner (controller ${rs!.slice(0, 8)}) running its init containers`);
      expect(p.seen).to.equal(`old pod gone; new pod ${describePod(replaced[0]!)}`);
    });

    it('negative control: the pod still there (nothing was deleted) is not proven', () => {
      const p = replacementProof(old, [ready!]);
      expect(p.proven).to.equal(false);
      expect(p.seen).to.equal('old pod still there; no new pod of the same owner');
    });

    it('a new pod of another owner is no replacement; a new pod that has not begun its init containers is not proven', () => {
      expect(replacementProof({ ...old, owner: 'another-owner' }, replaced).proven).to.equal(false);
      expect(replacementProof(old, [pending!]).proven).to.equal(false);
      expect(replacementProof(old, [pending!]).seen).to.match(/^old pod gone; new pod .*node none, not Ready: Pending/);
    });

    it('the old pod still there beside its replacement is not proven', () => {
      expect(replacementProof(old, [ready!, replaced[0]!]).proven).to.equal(false);
    });

    it('a bare Pod is replaced by a new pod of the same name (another uid)', () => {
      const bare = { name: replaced[0]!.metadata!.name!, uid: 'old-uid' };
      expect(replacementOf(bare, replaced)).to.equal(replaced[0]);
      expect(replacementProof(bare, replaced).claim).to.match(/\(bare Pod .*, created again\)/);
      expect(replacementProof(bare, replaced).proven).to.equal(true);
      expect(replacementOf({ ...bare, name: 'other' }, replaced)).to.equal(undefined);
    });
  });

  describe('rolloutProof and rolloutComplete', () => {
    const before = pods('rollout-before');
    const e = (now: V1Pod[]) => ({ revisionsBefore: before.map((p) => revisionOf(p)!), uidsBefore: before.map((p) => p.metadata!.uid!), replicas: 1, now });

    it('the revision is the pod-template-hash (a Deployment) or the controller-revision-hash', () => {
      expect(revisionOf(before[0]!)).to.equal('5c965dbbcf');
      const sts = clone(before[0]!);
      sts.metadata!.labels = { 'controller-revision-hash': 'web-7d4' };
      expect(revisionOf(sts)).to.equal('web-7d4');
    });

    it('proves a rollout whose new pod began its init containers, while the old one still serves; not complete until the old one is gone', () => {
      const starting = e(pods('rollout-starting'));
      const p = rolloutProof(starting);
      expect(p.proven).to.equal(true);
      expect(p.claim).to.equal('a pod of a new revision (not 5c965dbbcf) running its init containers');
      expect(p.seen).to.match(/^2 pod\(s\): 1 old, 1 of a new revision \(8485b6fbcc\), 0 of them up; /);
      expect(rolloutComplete(starting)).to.equal(false);
      expect(rolloutComplete(e(pods('rollout-done')))).to.equal(true);
      expect(rolloutProof(e(pods('rollout-done'))).seen).to.match(/^1 pod\(s\): 0 old, 1 of a new revision \(8485b6fbcc\), 1 of them up; /);
    });

    it('negative control: no new revision (the annotation did nothing) is not proven, nor complete', () => {
      const p = rolloutProof(e(before));
      expect(p.proven).to.equal(false);
      expect(p.seen).to.match(/^1 pod\(s\): 1 old, 0 of a new revision \(none\), 0 of them up; /);
      expect(rolloutComplete(e(before))).to.equal(false);
    });

    it('nothing known before is not proven; fewer or more pods than replicas is not complete', () => {
      expect(rolloutProof({ ...e(pods('rollout-done')), revisionsBefore: [] }).proven).to.equal(false);
      expect(rolloutComplete({ ...e(pods('rollout-done')), replicas: 2 })).to.equal(false);
      expect(rolloutComplete({ ...e([]), replicas: 0 })).to.equal(true);
      const notUp = clone(pods('rollout-done'));
      notUp[0]!.status!.conditions = [];
      expect(rolloutComplete(e(notUp))).to.equal(false);
    });
  });

  describe('scaleOutProof', () => {
    it('proves 3 pods each running its init containers', () => {
      const p = scaleOutProof(3, pods('scale-out-starting'));
      expect(p.proven).to.equal(true);
      expect(p.claim).to.equal('3 pods, each running its init containers');
      expect(p.seen).to.match(/^3 pod\(s\), 3 of them began their init containers: /);
      expect(scaleOutProof(3, pods('scale-out-ready')).proven).to.equal(true);
    });

    it('negative control: the one pod of before (the scale did nothing) is not proven', () => {
      const p = scaleOutProof(3, pods('rollout-before'));
      expect(p.proven).to.equal(false);
      expect(p.seen).to.match(/^1 pod\(s\), 1 of them began their init containers: /);
    });

    it('a pod that never began, a count other than asked, or fewer than 2 replicas is not proven', () => {
      expect(scaleOutProof(3, [...pods('scale-out-ready').slice(0, 2), pending!]).proven).to.equal(false);
      expect(scaleOutProof(2, pods('scale-out-ready')).proven).to.equal(false);
      expect(scaleOutProof(1, pods('rollout-before')).proven).to.equal(false);
      expect(scaleOutProof(0, []).seen).to.equal('0 pod(s), 0 of them began their init containers: no pod');
    });
  });

  describe('drainProof', () => {
    const evicted = { pod: ready!.metadata!.name!, uid: ready!.metadata!.uid!, status: 201, message: 'evicted' };

    it('proves a cordoned node whose pod was evicted and is gone', () => {
      const p = drainProof({ node: 'initc-flt-node', cordoned: true, evictions: [evicted], uidsNow: [pending!.metadata!.uid!] });
      expect(p.proven).to.equal(true);
      expect(p.claim).to.equal("node initc-flt-node cordoned and each of the workload's pods on it evicted (gone) or refused by a PodDisruptionBudget (HTTP 429)");
      expect(p.seen).to.equal(`node cordoned; ${evicted.pod}: evicted, gone`);
    });

    it('a refusal by a PodDisruptionBudget is an outcome of the drain: proven', () => {
      const p = drainProof({ node: 'n', cordoned: true, evictions: [{ ...evicted, status: 429, message: 'Cannot evict pod' }], uidsNow: [evicted.uid] });
      expect(p.proven).to.equal(true);
      expect(p.seen).to.equal(`node cordoned; ${evicted.pod}: refused (429)`);
    });

    it('negative controls: not cordoned, no pod asked to leave, an evicted pod still there, another answer', () => {
      expect(drainProof({ node: 'n', cordoned: false, evictions: [evicted], uidsNow: [] }).seen).to.equal(`node NOT cordoned; ${evicted.pod}: evicted, gone`);
      expect(drainProof({ node: 'n', cordoned: false, evictions: [evicted], uidsNow: [] }).proven).to.equal(false);
      expect(drainProof({ node: 'n', cordoned: true, evictions: [], uidsNow: [] }).proven).to.equal(false);
      expect(drainProof({ node: 'n', cordoned: true, evictions: [], uidsNow: [] }).seen).to.equal('node cordoned; no pod of the workload on it');
      const still = drainProof({ node: 'n', cordoned: true, evictions: [evicted], uidsNow: [evicted.uid] });
      expect([still.proven, still.seen]).to.deep.equal([false, `node cordoned; ${evicted.pod}: evicted, still there`]);
      const other = drainProof({ node: 'n', cordoned: true, evictions: [{ ...evicted, status: 404 }], uidsNow: [] });
      expect([other.proven, other.seen]).to.deep.equal([false, `node cordoned; ${evicted.pod}: HTTP 404`]);
    });
  });
});
