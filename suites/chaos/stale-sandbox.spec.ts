/**
 * The known upstream bug kubernetes/kubernetes#137710 (#124002, #140309; fix PR #138514), provoked
 * on the node: a sandbox recreated while the runtime still reports the app container of the old
 * sandbox as CONTAINER_CREATED. The test asserts upstream's rule (every init container runs again
 * when the pod restarts), so a release with the bug fails it, naming the issue, with the runtime's
 * listings as evidence. A whole-node fault: `initc run` runs it in its serial phase.
 */
import { pod, printsLedger, succeeds } from '../../fixtures/pod.js';
import { crashWithStaleContainer, crashingNode, podListing } from '../../lib/chaos/node-crash.js';
import { pollUntil } from '../../lib/chaos/cri.js';
import { CREATED, checkEveryInitReran, describeListing } from '../../lib/checks/stale-sandbox.js';
import type { StaleSandboxRecord } from '../../lib/checks/stale-sandbox.js';
import { canCrashNode } from '../../lib/cluster/provider.js';
import { InfrastructureError, appRunningAfterRerun } from '../../lib/observe/wait.js';
import { allContainerStatuses } from '../../lib/observe/status.js';
import { parseLedger } from '../../lib/pod/ledger.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const INITS = ['init-a', 'init-b'];
const APP = 'app';

describe('stale-sandbox: a sandbox recreated while a container of the old one is still CONTAINER_CREATED', function () {
  this.timeout(240_000);

  scenarioTest(`node crash between the app's creation and its start (proven: the old sandbox's ${APP} still ${CREATED} after containerd's restart, a new sandbox): every init container runs again, in order, before the app (upstream #137710: the kubelet skips all but the first)`, async (kit) => {
    const access = kit.nodeAccess();
    if (!canCrashNode(access)) kit.skip('the crash with a container blocked at its start needs the embedded cluster (initc\'s runc wrapper, the node\'s processes)');
    const node = crashingNode(access);
    const namespace = await kit.namespace();
    const blocked = await node.blockNextStart(namespace, APP);
    try {
      const run = await kit.start(pod('stale').init(succeeds('init-a')).init(succeeds('init-b')).app(printsLedger(APP)));
      if (!(await pollUntil(() => blocked.claimed(), Boolean, 90_000, 250))) throw new InfrastructureError(`${APP}'s runc create never reached the runtime's wrapper in 90 s: nothing was blocked`);
      const before = await podListing(node, namespace, run.name);
      kit.attach('runtime before the crash', describeListing(before));
      if (!before.containers.some((c) => c.name === APP && c.state === CREATED)) throw new InfrastructureError(`${APP}'s start is blocked, yet the runtime lists no ${APP} ${CREATED}: ${describeListing(before)}`);
      const crash = crashWithStaleContainer(namespace, run.name, APP, blocked);
      await kit.inject(run, crash);
      await run.until(appRunningAfterRerun('init-a', APP, 120_000));
      await run.untilLog(APP, /^== end$/, 60_000);
      kit.observed();
      const final = await podListing(node, namespace, run.name);
      const statuses = allContainerStatuses(await run.pod()).map((s) => `${s.name} restartCount ${s.restartCount} ${s.containerID ?? 'no containerID'} ${Object.keys(s.state ?? {}).join('')}`);
      const record: StaleSandboxRecord = { inits: INITS, app: APP, crash: crash.evidence(), final, ledger: parseLedger(await run.log(APP)) };
      kit.attach('runtime at the end', describeListing(final));
      kit.attach('container statuses at the end', statuses.join('\n'));
      kit.attach('stale-sandbox record', JSON.stringify(record, null, 2));
      await kit.saveRecord('stale', record);
      checkEveryInitReran(record);
    } finally {
      await blocked.release();
    }
  }, { timeoutMs: 240_000 });
});
