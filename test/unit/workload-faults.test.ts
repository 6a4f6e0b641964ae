/**
 * The injectors of lib/chaos on workloads (replace-pod, rollout, scale-out, drain) against a small
 * API server in this process (test/support/fake-workload-api.ts): what each asks of the API, that it
 * proves its effect when the controller acts and is not proven when nothing happens (the negative
 * control), that its undo puts back what it changed, and that a fault which cannot apply to the
 * workload's kind says why.
 */
import { expect } from 'chai';
import type { KubeConfig } from '@kubernetes/client-node';
import { drain } from '../../lib/chaos/drain.js';
import type { Fault } from '../../lib/chaos/fault.js';
import { EvictionRefused, replacePod } from '../../lib/chaos/replace-pod.js';
import { RESTARTED_AT, restartPatch, rollout } from '../../lib/chaos/rollout.js';
import { scaleOut } from '../../lib/chaos/scale-out.js';
import type { WorkloadTarget } from '../../lib/chaos/workload.js';
import { NotApplicable, appsPath } from '../../lib/chaos/workload.js';
import type { FakeApi } from '../support/fake-workload-api.js';
import { fakeWorkloadApi } from '../support/fake-workload-api.js';

const target: WorkloadTarget = { namespace: 'ns', kind: 'Deployment', name: 'migrator', selector: 'app=migrator' };
const FAST = { waitMs: 300 };

async function run(f: Fault<KubeConfig>, kc: KubeConfig) {
  await f.inject(kc);
  return f.prove!(kc);
}

describe('workload fault injectors (against a fake API server)', function () {
  this.timeout(10_000);
  let api: FakeApi;
  beforeEach(async () => (api = await fakeWorkloadApi()));
  afterEach(() => api.close());

  describe('replace-pod', () => {
    it('deletes the pod through the API; proven by a new pod of the same owner', async () => {
      const old = api.pods[0]!.metadata!.name!;
      const f = replacePod(target, FAST);
      const p = await run(f, api.kc);
      expect(p.proven, p.seen).to.equal(true);
      expect(api.requests.filter((r) => !r.startsWith('GET'))).to.deep.equal([`DELETE /api/v1/namespaces/ns/pods/${old}`]);
      expect(f.outcome.old?.name).to.equal(old);
      expect(f.outcome.replacement?.metadata?.name).to.equal(api.pods[0]!.metadata!.name);
      expect(f.description).to.equal('a pod of Deployment/migrator deleted through the API, its controller making a new one');
    });

    it('with evict: through the Eviction API; a refusal (429) fails the injection, naming the budget', async () => {
      const old = api.pods[0]!.metadata!.name!;
      expect((await run(replacePod(target, { ...FAST, evict: true }), api.kc)).proven).to.equal(true);
      expect(api.requests.filter((r) => r.startsWith('POST'))[0]).to.match(new RegExp(`^POST /api/v1/namespaces/ns/pods/${old}/eviction \\{"apiVersion":"policy/v1","kind":"Eviction","metadata":\\{"name":"${old}","namespace":"ns"\\}\\}$`));
      api.refuseEviction = true;
      const err = await replacePod(target, { ...FAST, evict: true }).inject(api.kc).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(EvictionRefused);
      expect((err as Error).message).to.match(/^the Eviction API refused to evict pod migrator-rev1-\d+ \(HTTP 429\): Cannot evict pod as it would violate the pod's disruption budget\.$/);
    });

    it('negative control: no controller makes a new pod: not proven', async () => {
      api.acts = false;
      const p = await run(replacePod(target, FAST), api.kc);
      expect(p.proven).to.equal(false);
      expect(p.seen).to.equal('old pod gone; no new pod of the same owner');
    });

    it('a bare Pod without its manifest cannot be created again', () => {
      expect(() => replacePod({ namespace: 'ns', kind: 'Pod', name: 'p' })).to.throw(NotApplicable, 'the bare Pod p cannot be created again: no manifest was given');
    });
  });

  describe('rollout', () => {
    it('sets the restart annotation on the pod template; proven by a pod of a new revision', async () => {
      const f = rollout(target, FAST);
      const p = await run(f, api.kc);
      expect(p.proven, p.seen).to.equal(true);
      const patch = api.requests.find((r) => r.startsWith('PATCH'))!;
      expect(patch).to.match(new RegExp(`^PATCH /apis/apps/v1/namespaces/ns/deployments/migrator \\{"spec":\\{"template":\\{"metadata":\\{"annotations":\\{"${RESTARTED_AT.replace(/\./g, '\\.')}":"\\d{4}-`));
      expect(f.outcome.replicas).to.equal(1);
      expect(f.outcome.before.map((x) => x.metadata?.labels?.['pod-template-hash'])).to.deep.equal(['rev1']);
    });

    it('negative control: the controller does not roll out: not proven', async () => {
      api.acts = false;
      expect((await run(rollout(target, FAST), api.kc)).proven).to.equal(false);
    });

    it('the patch is what kubectl rollout restart sends', () => {
      expect(restartPatch(new Date('2026-01-02T03:04:05Z'))).to.deep.equal({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-02T03:04:05.000Z' } } } } });
    });

    it('a bare Pod, a ReplicaSet and a Job are not rolled out', () => {
      expect(() => rollout({ ...target, kind: 'Pod' })).to.throw(NotApplicable, 'a bare Pod has no pod template to roll out: rollout applies to a Deployment, StatefulSet or DaemonSet');
      expect(() => rollout({ ...target, kind: 'ReplicaSet' })).to.throw(NotApplicable, 'a ReplicaSet does not roll out a changed pod template: rollout applies to a Deployment, StatefulSet or DaemonSet');
      expect(() => rollout({ ...target, kind: 'Job' })).to.throw(NotApplicable);
    });
  });

  describe('scale-out', () => {
    it('scales to 3 in one request; proven by 3 pods; undo scales back and waits for the extra pods to go', async () => {
      const f = scaleOut(target, FAST);
      const p = await run(f, api.kc);
      expect(p.proven, p.seen).to.equal(true);
      expect(api.requests.filter((r) => r.startsWith('PATCH'))).to.deep.equal(['PATCH /apis/apps/v1/namespaces/ns/deployments/migrator/scale {"spec":{"replicas":3}}']);
      expect(f.outcome.replicasBefore).to.equal(1);
      expect(f.outcome.pods).to.have.length(3);
      await f.undo(api.kc);
      expect(api.requests.filter((r) => r.startsWith('PATCH')).at(-1)).to.equal('PATCH /apis/apps/v1/namespaces/ns/deployments/migrator/scale {"spec":{"replicas":1}}');
      expect(api.pods).to.have.length(1);
    });

    it('negative control: no new pod comes: not proven; an undo whose pods do not go says so', async () => {
      api.acts = false;
      const f = scaleOut(target, { ...FAST, replicas: 2 });
      const p = await run(f, api.kc);
      expect(p.proven).to.equal(false);
      expect(p.seen).to.match(/^1 pod\(s\), 1 of them began their init containers: /);
      api.pods.push(api.pods[0]!);
      await f.undo(api.kc).then(
        () => expect.fail('the undo passed with 2 pods left'),
        (err: Error) => expect(err.message).to.equal('2 pods of Deployment/migrator left after scaling back to 1'),
      );
    });

    it('a workload already at the count adds nothing: the injection fails and changes nothing', async () => {
      api.replicas = 3;
      const f = scaleOut(target, FAST);
      await f.inject(api.kc).then(
        () => expect.fail('injected'),
        (err: Error) => expect(err.message).to.equal('Deployment/migrator already has 3 replicas: a scale-out to 3 adds none'),
      );
      expect(api.requests.filter((r) => r.startsWith('PATCH'))).to.deep.equal([]);
      await f.undo(api.kc);
      expect(api.requests.filter((r) => r.startsWith('PATCH'))).to.deep.equal([]);
    });

    it('a DaemonSet, a bare Pod, or fewer than 2 replicas cannot be scaled out', () => {
      expect(() => scaleOut({ ...target, kind: 'DaemonSet' })).to.throw(NotApplicable, 'a DaemonSet has no replicas to scale (one pod per node): scale-out applies to a Deployment, StatefulSet or ReplicaSet');
      expect(() => scaleOut({ ...target, kind: 'Pod' })).to.throw(NotApplicable, 'a bare Pod has no replicas to scale: scale-out applies');
      expect(() => scaleOut(target, { replicas: 1 })).to.throw('scale-out needs at least 2 replicas, not 1');
      expect(() => scaleOut(target, { replicas: 2.5 })).to.throw('scale-out needs at least 2 replicas, not 2.5');
    });
  });

  describe('drain', () => {
    it('cordons the node and evicts the pod; proven; on one node its replacement stays Pending (no other schedulable node); undo uncordons', async () => {
      const old = api.pods[0]!.metadata!.name!;
      const f = drain(target, FAST);
      const p = await run(f, api.kc);
      expect(p.proven, p.seen).to.equal(true);
      expect(api.requests.filter((r) => !r.startsWith('GET'))).to.deep.equal([
        'PATCH /api/v1/nodes/initc-flt-node {"spec":{"unschedulable":true}}',
        `POST /api/v1/namespaces/ns/pods/${old}/eviction {"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"${old}","namespace":"ns"}}`,
      ]);
      const outcomes = await f.outcomes(api.kc, 300);
      expect(outcomes.map((o) => [o.pod, o.kind, 'cause' in o ? o.cause : ''])).to.deep.equal([[old, 'pending', 'no-other-schedulable-node']]);
      await f.undo(api.kc);
      expect(api.requests.at(-1)).to.equal('PATCH /api/v1/nodes/initc-flt-node {"spec":{"unschedulable":null}}');
      expect(api.node.unschedulable).to.equal(false);
    });

    it('a PodDisruptionBudget refuses: proven, the outcome blocked', async () => {
      api.refuseEviction = true;
      const f = drain(target, FAST);
      expect((await run(f, api.kc)).proven).to.equal(true);
      expect((await f.outcomes(api.kc, 300)).map((o) => o.kind)).to.deep.equal(['blocked']);
    });

    it('a node already cordoned stays cordoned after the undo', async () => {
      api.node.unschedulable = true;
      const f = drain(target, FAST);
      await run(f, api.kc);
      await f.undo(api.kc);
      expect(api.requests.filter((r) => r.startsWith('PATCH'))).to.deep.equal([]);
    });

    it('negative control: an eviction that took nothing away (the pod still there) is not proven', async () => {
      api.acts = false;
      const f = drain(target, FAST);
      await f.inject(api.kc);
      api.pods.push(f.outcome.before[0]!);
      const p = await f.prove!(api.kc);
      expect(p.proven).to.equal(false);
      expect(p.seen).to.match(/^node cordoned; migrator-rev1-\d+: evicted, still there$/);
    });

    it('a bare Pod and a DaemonSet are not drained; an undo before any inject changes nothing', async () => {
      expect(() => drain({ ...target, kind: 'Pod' })).to.throw(NotApplicable, 'a bare Pod is not drained: nothing would make it again (kubectl drain refuses it without --force)');
      expect(() => drain({ ...target, kind: 'DaemonSet' })).to.throw(NotApplicable, "a DaemonSet's pods are not drained: they tolerate the cordon (kubectl drain --ignore-daemonsets leaves them)");
      await drain(target).undo(api.kc);
      expect(api.requests).to.deep.equal([]);
    });
  });

  it('appsPath names the apps/v1 collection of each kind, and refuses the others', () => {
    expect(appsPath(target)).to.equal('/apis/apps/v1/namespaces/ns/deployments/migrator');
    expect(appsPath({ ...target, kind: 'StatefulSet' })).to.equal('/apis/apps/v1/namespaces/ns/statefulsets/migrator');
    expect(appsPath({ ...target, kind: 'DaemonSet' })).to.equal('/apis/apps/v1/namespaces/ns/daemonsets/migrator');
    expect(appsPath({ ...target, kind: 'ReplicaSet' })).to.equal('/apis/apps/v1/namespaces/ns/replicasets/migrator');
    expect(() => appsPath({ ...target, kind: 'Job' })).to.throw(NotApplicable, 'Job/migrator is not an apps/v1 workload');
  });
});
