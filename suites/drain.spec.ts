import { CoreV1Api } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { pod, sleeps, succeeds } from '../fixtures/pod.js';
import { budget, deploymentOf, seedsVolume, selectorOf, statefulSetWithClaim } from '../fixtures/shared-state.js';
import { drain } from '../lib/chaos/drain.js';
import type { DrainFault } from '../lib/chaos/drain.js';
import type { DrainRecording, PodSummary } from '../lib/checks/drain.js';
import { checkBlocked, checkMoved, checkPendingOnLocalVolume, drainSkipReason, nodeSummary, podSummary } from '../lib/checks/drain.js';
import { requestJson } from '../lib/kube/raw.js';
import type { PodBuilder } from '../lib/pod/builder.js';
import type { ScenarioKit } from '../lib/scenario/kit.js';
import { scenarioTest } from '../lib/scenario/kit.js';
import type { PodRun } from '../lib/scenario/pod-run.js';
import { sleep } from '../lib/util/time.js';

const INIT = 'init-a';
const REPLICAS = 2;

/**
 * Ends the test skipped (never passed) on a cluster with fewer than two schedulable nodes; else
 * its pods are spread over the nodes (not pinned to the run's home node), away from the home node.
 */
async function needTwoNodes(kit: ScenarioKit): Promise<void> {
  const nodes = (await kit.kc.makeApiClient(CoreV1Api).listNode()).items.map(nodeSummary);
  const why = drainSkipReason(nodes);
  if (why) kit.skip(why);
  kit.spreadOverNodes();
  const placement = kit.placement();
  const pinned = placement.pin === 'agent' ? placement.node : undefined;
  if (pinned) kit.skip(`the run pins every pod to the node agent's node ${pinned} (--node-access privileged-pod with chaos suites): nothing can move; run drain without the chaos suites`);
}

async function podsOf(kit: ScenarioKit, builder: PodBuilder): Promise<V1Pod[]> {
  const list = await kit.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: await kit.namespace(), labelSelector: selectorOf(builder) });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** Polls the workload's pods until `done` holds (or `ms` passed), then summarises them with their ledgers. */
async function podsWhen(kit: ScenarioKit, builder: PodBuilder, run: (name: string) => Promise<PodRun>, done: (pods: V1Pod[]) => boolean, ms: number): Promise<PodSummary[]> {
  let pods = await podsOf(kit, builder);
  for (const until = Date.now() + ms; !done(pods) && Date.now() < until; pods = await podsOf(kit, builder)) await sleep(500);
  kit.observed();
  return Promise.all(pods.map(async (p) => podSummary(p, p.spec?.nodeName && p.status?.phase !== 'Pending' ? await (await run(p.metadata!.name!)).ledgerFromLogs() : [])));
}

const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

type Kind = 'Deployment' | 'StatefulSet';

/** Drains `node` of `builder`'s workload (lib/chaos/drain.ts: cordon, then each of its pods there evicted); whether the node read back cordoned. */
async function drainNode(kit: ScenarioKit, builder: PodBuilder, kind: Kind, node: string, run: PodRun): Promise<{ fault: DrainFault; cordoned: boolean }> {
  const fault = drain({ namespace: await kit.namespace(), kind, name: builder.name, selector: selectorOf(builder) }, { node });
  await kit.injectThroughApi(run, fault);
  const cordoned = (await kit.kc.makeApiClient(CoreV1Api).readNode({ name: node })).spec?.unschedulable === true;
  return { fault, cordoned };
}

/** The pod whose node is drained: the first not on the run's home node (the other tests' pods are pinned there), else the first. */
const toDrain = (kit: ScenarioKit, pods: PodSummary[]): PodSummary => {
  const p = kit.placement();
  return pods.find((s) => p.pin === 'none' && s.node !== p.away) ?? pods[0]!;
};

/** Starts `builder`'s workload, waits until `ready` of its pods are Ready, and drains the node of one (toDrain). */
async function drainFirstNode(kit: ScenarioKit, builder: PodBuilder, kind: Kind, workload: object, ready: number) {
  const { run } = await kit.followPods(selectorOf(builder));
  await kit.create(workload as { metadata: { name: string } });
  const before = await podsWhen(kit, builder, run, (ps) => ps.filter(isReady).length === ready, 120_000);
  if (before.filter((p) => p.ready).length !== ready) throw new Error(`${builder.name}: ${ready} pods Ready expected before the drain; ${before.length} seen, ${before.filter((p) => p.ready).length} Ready`);
  const chosen = toDrain(kit, before);
  const node = chosen.node!;
  return { run, before, node, ...(await drainNode(kit, builder, kind, node, await run(chosen.name))) };
}

const recording = (d: { node: string; cordoned: boolean; before: PodSummary[]; fault: DrainFault }, after: PodSummary[]): DrainRecording => ({
  node: d.node,
  cordoned: d.cordoned,
  init: INIT,
  before: d.before,
  evictions: d.fault.outcome.evictions.map(({ pod, status, message }) => ({ pod, status, message })),
  after,
});

describe('drain: a node drained (cordoned, its pods evicted): pods move and run their init containers again elsewhere, a disruption budget blocks, a node-local volume holds', function () {
  this.timeout(300_000);

  scenarioTest(`the pods of a Deployment of ${REPLICAS} on the drained node are evicted and made again on the other node, where their init container runs again`, async (kit) => {
    await needTwoNodes(kit);
    const web = pod('mover').init(succeeds(INIT)).app(sleeps('app'));
    const d = await drainFirstNode(kit, web, 'Deployment', deploymentOf(kit, web, REPLICAS), REPLICAS);
    const gone = (ps: V1Pod[]) => !ps.some((p) => p.spec?.nodeName === d.node) && ps.filter(isReady).length === REPLICAS;
    const rec = recording(d, await podsWhen(kit, web, d.run, gone, 120_000));
    await kit.saveRecord('moved', rec);
    checkMoved(rec);
  });

  scenarioTest(`a PodDisruptionBudget of minAvailable ${REPLICAS} over ${REPLICAS} replicas refuses every eviction with 429; no pod moves`, async (kit) => {
    await needTwoNodes(kit);
    const web = pod('guarded').init(succeeds(INIT)).app(sleeps('app'));
    await kit.create(budget(web, REPLICAS));
    const ns = await kit.namespace();
    // The budget's status must be the disruption controller's (observed, expecting the pods) before it can refuse by itself.
    const observed = async () => (await requestJson<{ status?: { expectedPods?: number; disruptionsAllowed?: number; observedGeneration?: number } }>(kit.kc, 'GET', `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/guarded`)).status;
    const { run } = await kit.followPods(selectorOf(web));
    await kit.create(deploymentOf(kit, web, REPLICAS));
    await podsWhen(kit, web, run, (ps) => ps.filter(isReady).length === REPLICAS, 120_000);
    for (let s = await observed(); !(s?.observedGeneration && s.expectedPods === REPLICAS && s.disruptionsAllowed === 0); s = await observed()) await sleep(300);
    const before = await podsWhen(kit, web, run, () => true, 0);
    const chosen = toDrain(kit, before);
    const node = chosen.node!;
    const drained = await drainNode(kit, web, 'Deployment', node, await run(chosen.name));
    await sleep(3000);
    const rec = recording({ node, before, ...drained }, await podsWhen(kit, web, run, () => true, 0));
    await kit.saveRecord('blocked', rec);
    checkBlocked(rec);
  });

  scenarioTest('a StatefulSet pod whose claim is a node-local volume is evicted; its replacement stays Pending, the scheduler naming the volume\'s node affinity, and its init container does not run', async (kit) => {
    await needTwoNodes(kit);
    const web = pod('pinned').init(seedsVolume(INIT, true)).app(sleeps('app'));
    const d = await drainFirstNode(kit, web, 'StatefulSet', statefulSetWithClaim(kit, web, 1), 1);
    const unschedulable = (ps: V1Pod[]) => ps.some((p) => p.metadata?.uid !== d.before[0]!.uid && p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'));
    const rec = recording(d, await podsWhen(kit, web, d.run, unschedulable, 60_000));
    await kit.saveRecord('pending', rec);
    checkPendingOnLocalVolume(rec);
  });
});
