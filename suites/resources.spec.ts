import { CoreV1Api } from '@kubernetes/client-node';
import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import { pod, sidecar, sleeps, succeeds } from '../fixtures/pod.js';
import type { PodSpecLike, Requests, ResourceName, SchedulingRecord } from '../lib/checks/resources.js';
import { checkScheduled, checkUnschedulable, freeOnNode, podRequests } from '../lib/checks/resources.js';
import { pinnedNode } from '../lib/scenario/placement.js';
import type { PodBuilder } from '../lib/pod/builder.js';
import { runLabels } from '../lib/scenario/namespace.js';
import { phase, podMatches } from '../lib/observe/wait.js';
import type { ScenarioKit } from '../lib/scenario/kit.js';
import { scenarioTest } from '../lib/scenario/kit.js';
import { supportsSidecars } from '../lib/scenario/features.js';

// The effective request (component-helpers resource/helpers.go PodRequests: max of the largest
// init container use and the sum of app containers and sidecars) decides scheduling in every
// release initc supports (1.33–1.36); sidecars count toward the sum since SidecarContainers (beta
// 1.29, on by default; GA 1.33). The node's allocatable is read from the API, never assumed.

/** What the app requests: almost nothing. */
const SMALL: Record<ResourceName, string> = { cpu: '10m', memory: '16Mi' };
const quantity = (r: ResourceName, v: number) => (r === 'cpu' ? `${Math.floor(v)}m` : `${Math.floor(v)}`);
const withRequests = (c: V1Container, requests: Record<string, string>): V1Container => ({ ...c, resources: { requests } });

/** The nodes a fixture pod may go to: the pinned one (the agent's or the home node), or every node that is schedulable and untainted for NoSchedule/NoExecute. */
async function candidateNodes(kit: ScenarioKit): Promise<V1Node[]> {
  const pinned = pinnedNode(kit.placement());
  const nodes = (await kit.kc.makeApiClient(CoreV1Api).listNode()).items;
  return nodes.filter((n) => (pinned ? n.metadata?.name === pinned : !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')));
}

/** What each candidate node has free now: allocatable (from the API) less the effective requests of the pods bound to it. */
async function freeByNode(kit: ScenarioKit): Promise<{ free: Record<string, Requests>; allocatable: Record<string, Record<string, string>> }> {
  const nodes = await candidateNodes(kit);
  const pods = (await kit.kc.makeApiClient(CoreV1Api).listPodForAllNamespaces()).items;
  const free: Record<string, Requests> = {};
  const allocatable: Record<string, Record<string, string>> = {};
  for (const n of nodes) {
    const name = n.metadata!.name!;
    allocatable[name] = n.status?.allocatable ?? {};
    free[name] = freeOnNode(allocatable[name]!, pods.filter((p) => p.spec?.nodeName === name).map((p) => ({ spec: p.spec as PodSpecLike, phase: p.status?.phase })));
  }
  return { free, allocatable };
}

const scheduledCondition = (p: V1Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');
const unschedulable = (p: V1Pod) => scheduledCondition(p)?.status === 'False' && scheduledCondition(p)?.reason === 'Unschedulable';

/** Creates the pod through the scheduler, waits for its verdict, and returns its record (saved for the controls). */
async function schedule(kit: ScenarioKit, builder: PodBuilder, expect: 'unschedulable' | 'runs'): Promise<SchedulingRecord> {
  const { free, allocatable } = await freeByNode(kit);
  const requests = podRequests(builder.build('x', runLabels(kit.runId)).spec as PodSpecLike);
  kit.attach(`scheduling premise ${builder.name}`, JSON.stringify({ effectiveRequest: requests, allocatable, free }, null, 2));
  const run = await kit.start(builder, { throughScheduler: true });
  if (expect === 'unschedulable') await run.until(podMatches('PodScheduled False, reason Unschedulable', unschedulable, 30_000));
  else await run.until(phase('Running', 60_000));
  const c = scheduledCondition(await run.pod());
  const rec: SchedulingRecord = { requests, free, condition: c && { status: c.status, reason: c.reason, message: c.message }, rows: (await run.recording()).rows };
  await kit.saveRecord(builder.name, rec);
  return rec;
}

describe('resources: init container requests decide scheduling', function () {
  this.timeout(120_000);

  // First: a pod the cpu test leaves running (and terminating afterwards) would take from the free cpu this one divides.
  scenarioTest('a sidecar counts toward the sum: sidecar and app each requesting 60 % of the free cpu → Unschedulable ("Insufficient cpu"); the same container as a plain init container (the larger, not the sum) schedules and runs', async (kit) => {
    const support = await supportsSidecars(kit.kc, await kit.namespace());
    if (!support.supported) kit.skip(support.reason);
    const { free } = await freeByNode(kit);
    const share = quantity('cpu', Math.max(...Object.values(free).map((f) => f.cpu)) * 0.6);
    const app = withRequests(sleeps('app'), { cpu: share });
    checkUnschedulable(await schedule(kit, pod('with-sidecar').init(withRequests(sidecar('side'), { cpu: share })).app(app), 'unschedulable'), ['cpu']);
    checkScheduled(await schedule(kit, pod('with-plain-init').init(withRequests(succeeds('init-plain'), { cpu: share })).app(app), 'runs'));
  });

  for (const r of ['cpu', 'memory'] as const) {
    scenarioTest(`an init container requesting more ${r} than any node's allocatable keeps the pod Pending (PodScheduled False, Unschedulable, "Insufficient ${r}") though the app requests ${SMALL[r]}; lowered to half of what is free, the same pod schedules and runs`, async (kit) => {
      const { allocatable, free } = await freeByNode(kit);
      const most = Math.max(...Object.values(allocatable).map((a) => podRequests({ containers: [{ resources: { requests: a } }] })[r]));
      const over = r === 'cpu' ? most + 1000 : most + 2 ** 30;
      const make = (name: string, amount: number) => pod(name).init(withRequests(succeeds('init-big'), { [r]: quantity(r, amount) })).app(withRequests(sleeps('app'), { [r]: SMALL[r] }));
      checkUnschedulable(await schedule(kit, make(`too-much-${r}`, over), 'unschedulable'), [r]);
      const half = Math.max(...Object.values(free).map((f) => f[r])) / 2;
      checkScheduled(await schedule(kit, make(`lowered-${r}`, half), 'runs'));
    });
  }
});
