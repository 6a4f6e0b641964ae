import { runs, watchesCgroup } from '../../fixtures/features.js';
import { pod, shell, sidecar } from '../../fixtures/pod.js';
import { admissionOf, checkAdmission, describeAdmission } from '../../lib/checks/features.js';
import type { ResizeAnswer, Resources } from '../../lib/checks/resize-init.js';
import {
  RESIZE_GATE,
  checkCgroupFollowed,
  checkResizedInPlace,
  describeResources,
  expectedResizeAdmission,
  expectedRestartContainerAdmission,
  formatResizeRows,
  resizeAdmission,
  resizeConditionsSeen,
  resizeRowsOf,
  resourcesOf,
} from '../../lib/checks/resize-init.js';
import { phase } from '../../lib/observe/wait.js';
import { apiserverGates } from '../../lib/kube/gates-in-force.js';
import { describeDiscovery, discoveryRecord, dryRun, requireFeature } from '../../lib/scenario/features.js';
import { discoverResizeInit, resizeInitContainer } from '../../lib/scenario/resize.js';
import type { PodRun } from '../../lib/scenario/pod-run.js';
import type { ScenarioKit } from '../../lib/scenario/kit.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const INIT = 'init-resize';
// Burstable before and after (requests below limits): a resize may not change the pod's QoS class.
const BEFORE: Resources = { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } };
const AFTER: Resources = { requests: { cpu: '150m', memory: '48Mi' }, limits: { cpu: '300m', memory: '96Mi' } };

const describeAnswer = (a: ResizeAnswer) => ('refused' in a ? `refused (HTTP ${a.statusCode}): ${a.refused}` : `taken: ${INIT}'s spec now ${describeResources(resourcesOf(a.taken.spec?.initContainers?.find((c) => c.name === INIT)?.resources))}`);

/** The pod whose plain init container is resized, running that container (it printed its cgroup's first reading). */
async function startResizable(kit: ScenarioKit, name: string): Promise<PodRun> {
  const run = await kit.start(pod(name).init(watchesCgroup(INIT, BEFORE)).app(runs('app')));
  await run.untilLog(INIT, / cgroup v[12] /, 60_000);
  return run;
}

describe('resize-init: a running plain init container resized in place through the resize subresource (InPlacePodVerticalScalingInitContainers, KEP-1287)', function () {
  this.timeout(120_000);

  // v1.36.5 pkg/apis/core/validation/validation.go ValidatePodResize; v1.33.13–v1.35.8 the same text without the gate.
  scenarioTest('the API server accepts (dry-run, then for real) a resize of a running plain init container\'s cpu and memory where its gate is on, and refuses it ("resources for non-sidecar init containers are immutable") where off or unknown', async (kit) => {
    const run = await startResizable(kit, 'resize-init-admission');
    const d = await discoverResizeInit(kit.kc, run.namespace, run.name, INIT, AFTER);
    kit.attach('feature discovery', describeDiscovery(d));
    // The discovery's dry-run, then the resize itself: both answers must be the one the gate says.
    const answer = await resizeInitContainer(kit.kc, run.namespace, run.name, INIT, AFTER);
    const resize = resizeAdmission(answer, INIT, AFTER);
    kit.attach('resize', [`PATCH pods/${run.name}/resize?dryRun=All, ${INIT} to ${describeResources(AFTER)}: the API server ${describeAdmission(d.admission)}`, `PATCH pods/${run.name}/resize, the same: ${describeAnswer(answer)}`].join('\n'));
    await kit.saveRecord('discovery', { ...(discoveryRecord(d) as object), resize });
    const gates = d.apiserver.gates ?? kit.skip(`cannot read the API server's feature gates to know what it must do: ${d.apiserver.unreadable}`);
    checkAdmission(expectedResizeAdmission(gates), d.admission);
    checkAdmission(expectedResizeAdmission(gates), resize);
  });

  // v1.36.5 kuberuntime_container.go computeInitContainerActions → computePodResizeAction; kubelet_pods.go convertContainerStatusResources.
  scenarioTest('a running plain init container (resizePolicy NotRequired) resized from cpu 200m / memory 64Mi limits to 300m / 96Mi: its status reports the new resources, its cgroup takes the new limits, the same container runs on (restartCount 0), and the pod goes on to run', async (kit) => {
    const run = await startResizable(kit, 'resize-init');
    await requireFeature(kit, discoverResizeInit(kit.kc, run.namespace, run.name, INIT, AFTER));
    const answer = await resizeInitContainer(kit.kc, run.namespace, run.name, INIT, AFTER);
    kit.attach('resize', `PATCH pods/${run.name}/resize, ${INIT} to ${describeResources(AFTER)}: ${describeAnswer(answer)}`);
    checkAdmission({ outcome: 'kept', why: 'the discovery\'s dry-run accepted the same resize' }, resizeAdmission(answer, INIT, AFTER));
    await run.until(phase('Running', 90_000));
    const rows = resizeRowsOf(run.timeline.rows, INIT);
    const log = await run.log(INIT);
    await kit.saveRecord('rows', { rows });
    await kit.saveRecord('pods', run.timeline.rows.map((r) => ({ seq: r.seq, elapsedMs: r.elapsedMs, pod: r.pod })));
    await kit.saveRecord('init-log', { log });
    kit.attach(`${INIT} row by row`, `${formatResizeRows(rows)}\n\nresize conditions seen: ${resizeConditionsSeen(rows).join(', ') || 'none'}`);
    kit.attach(`${INIT} cgroup readings`, log);
    checkResizedInPlace(rows, INIT, BEFORE, AFTER);
    checkCgroupFollowed(log, INIT, BEFORE.limits!, AFTER.limits!);
  });

  // v1.36.5 validation.go validateInitContainers (AllowExistingRestartContainerForNonSidecarInitContainer), v1.35.8 (no such rule).
  scenarioTest('resizePolicy RestartContainer: refused on a plain init container where the release has the rule (1.36+, whatever the gate), accepted before; a sidecar may have it', async (kit) => {
    const namespace = await kit.namespace();
    const apiserver = await apiserverGates(kit.kc);
    const gates = apiserver.gates ?? kit.skip(`cannot read the API server's feature gates to know what it must do: ${apiserver.unreadable}`);
    const policy = [{ resourceName: 'cpu', restartPolicy: 'RestartContainer' }];
    const plain = pod('initc-resize-policy-init').init({ ...shell('init', 'exit 0'), resizePolicy: policy }).app(shell('app', 'exec sleep 3600')).build(namespace);
    const side = pod('initc-resize-policy-sidecar').init({ ...sidecar('sidecar'), resizePolicy: policy }).app(shell('app', 'exec sleep 3600')).build(namespace);
    const judge = (sent: typeof plain) => (created: typeof plain) => admissionOf({ resizePolicy: sent.spec!.initContainers![0]!.resizePolicy }, { resizePolicy: created.spec?.initContainers?.[0]?.resizePolicy });
    const [onInit, onSidecar] = [await dryRun(kit.kc, namespace, plain, judge(plain)), await dryRun(kit.kc, namespace, side, judge(side))];
    kit.attach('dry-run creates', `the API server's gates: ${RESIZE_GATE} ${gates.has(RESIZE_GATE) ? (gates.get(RESIZE_GATE)!.enabled ? 'on' : 'off') : 'unknown'}\nplain init container with resizePolicy cpu RestartContainer: the API server ${describeAdmission(onInit)}\nsidecar with resizePolicy cpu RestartContainer: the API server ${describeAdmission(onSidecar)}`);
    await kit.saveRecord('restart-container', { gates: Object.fromEntries(['InPlacePodVerticalScaling', RESIZE_GATE].filter((g) => gates.has(g)).map((g) => [g, gates.get(g)])), onInit, onSidecar });
    checkAdmission(expectedRestartContainerAdmission(gates, 'init'), onInit);
    checkAdmission(expectedRestartContainerAdmission(gates, 'sidecar'), onSidecar);
  });
});
