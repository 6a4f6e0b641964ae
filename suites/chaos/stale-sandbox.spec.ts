/**
 * The known upstream bug kubernetes/kubernetes#137710 (#124002, #140309; fix PR #138514), provoked
 * on the node: a sandbox recreated while the runtime still reports the app container of the old
 * sandbox as CONTAINER_CREATED. The test asserts upstream's rule (every init container runs again
 * when the pod restarts), so a release with the bug fails it, naming the issue, with the runtime's
 * listings as evidence. Its control is the same crash with the app running: nothing is left
 * CONTAINER_CREATED and every init container must run again (the kubelet's own workaround for a
 * reboot, kuberuntime_container.go computeInitContainerActions, ContainerStateExited): what
 * differs between the two is the stale container alone. A whole-node fault: `initc run` runs it in
 * its serial phase.
 */
import { PRINTOUT_END, pod, printsLedger, succeeds } from '../../fixtures/pod.js';
import { crashWithStaleContainer, crashingNode, podListing } from '../../lib/chaos/node-crash.js';
import { pollUntil } from '../../lib/chaos/cri.js';
import { CREATED, checkEveryInitReran, describeListing } from '../../lib/checks/stale-sandbox.js';
import type { StaleSandboxRecord } from '../../lib/checks/stale-sandbox.js';
import type { BlockedStart } from '../../lib/cluster/provider.js';
import { canCrashNode } from '../../lib/cluster/provider.js';
import { InfrastructureError, appRunningAfterRerun, phase } from '../../lib/observe/wait.js';
import { allContainerStatuses } from '../../lib/observe/status.js';
import { parseLedger } from '../../lib/pod/ledger.js';
import type { ScenarioKit } from '../../lib/scenario/kit.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const INITS = ['init-a', 'init-b'];
const APP = 'app';
const END = new RegExp(`^${PRINTOUT_END}$`);

async function crashAndRead(kit: ScenarioKit, variant: 'stale' | 'control'): Promise<void> {
  const access = kit.nodeAccess();
  if (!canCrashNode(access)) kit.skip('the crash with a container blocked at its start needs the embedded cluster (initc\'s runc wrapper, the node\'s processes)');
  const node = crashingNode(access);
  const namespace = await kit.namespace();
  const blocked: BlockedStart | undefined = variant === 'stale' ? await node.blockNextStart(namespace, APP) : undefined;
  try {
    const run = await kit.start(pod(variant).init(succeeds('init-a')).init(succeeds('init-b')).app(printsLedger(APP)));
    if (blocked) {
      if (!(await pollUntil(() => blocked.claimed(), Boolean, 90_000, 250))) throw new InfrastructureError(`${APP}'s runc create never reached the runtime's wrapper in 90 s: nothing was blocked`);
    } else {
      await run.until(phase('Running', 60_000));
      await run.untilLog(APP, END, 60_000);
    }
    const before = await podListing(node, namespace, run.name);
    kit.attach('runtime before the crash', describeListing(before));
    if (blocked && !before.containers.some((c) => c.name === APP && c.state === CREATED)) throw new InfrastructureError(`${APP}'s start is blocked, yet the runtime lists no ${APP} ${CREATED}: ${describeListing(before)}`);
    const crash = crashWithStaleContainer(namespace, run.name, APP, blocked);
    await kit.inject(run, crash);
    await run.until(appRunningAfterRerun('init-a', APP, 120_000));
    await run.untilLog(APP, END, 60_000);
    kit.observed();
    const final = await podListing(node, namespace, run.name);
    const statuses = allContainerStatuses(await run.pod()).map((s) => `${s.name} restartCount ${s.restartCount} ${s.containerID ?? 'no containerID'} ${Object.keys(s.state ?? {}).join('')}`);
    const record: StaleSandboxRecord = { inits: INITS, app: APP, crash: crash.evidence(), final, ledger: parseLedger(await run.log(APP)) };
    kit.attach('runtime at the end', describeListing(final));
    kit.attach('container statuses at the end', statuses.join('\n'));
    kit.attach('stale-sandbox record', JSON.stringify(record, null, 2));
    await kit.saveRecord(variant, record);
    checkEveryInitReran(record);
  } finally {
    await blocked?.release();
  }
}

describe('stale-sandbox: a sandbox recreated while a container of the old one is still CONTAINER_CREATED', function () {
  this.timeout(240_000);

  scenarioTest(`node crash between the app's creation and its start (proven: the old sandbox's app still ${CREATED} after containerd's restart, a new sandbox): every init container runs again, in order, before the app (upstream #137710: the kubelet skips all but the first)`, (kit) => crashAndRead(kit, 'stale'), { timeoutMs: 240_000 });

  scenarioTest(`control: the same crash with the app running (proven: nothing of the old sandbox left ${CREATED}, a new sandbox): every init container runs again, in order, before the app`, (kit) => crashAndRead(kit, 'control'), { timeoutMs: 240_000 });
});
