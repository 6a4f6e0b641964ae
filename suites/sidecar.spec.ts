import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { appLoggingStop, parseLedger, pod, sidecar, succeeds } from '../fixtures/pod.js';
import { checkReverseShutdown, checkSidecarStart } from '../lib/checks/behaviours.js';
import { phase } from '../lib/observe/wait.js';
import { supportsSidecars } from '../lib/scenario/features.js';
import { scenarioTest } from '../lib/scenario/kit.js';

const DELAY = 2;

describe('sidecar: restartable init containers (restartPolicy Always)', function () {
  this.timeout(120_000);

  scenarioTest('start in order, each next init container waits for the startup probe, run beside the app, stop after it in reverse order', async (kit) => {
    const support = await supportsSidecars(kit.kc, await kit.namespace());
    if (!support.supported) kit.skip(support.reason);
    const run = await kit.start(
      pod('sidecars')
        .terminationGracePeriodSeconds(20)
        .init(sidecar('side-1', { startupDelaySeconds: DELAY }))
        .init(sidecar('side-2', { startupDelaySeconds: DELAY }))
        .init(succeeds('init-after'))
        .app(appLoggingStop('app')),
    );
    await run.until(phase('Running', 60_000));
    await run.untilLog('app', / app started$/);
    const rec = await kit.recording(run);
    checkSidecarStart(rec, 'side-1', 'side-2', 'app', DELAY);
    checkSidecarStart(rec, 'side-2', 'init-after', 'app', DELAY);

    const logs = ['app', 'side-1', 'side-2'].map((c) => ({ c, follow: run.followLog(c) }));
    await kit.kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ namespace: run.namespace, name: run.name });
    const ended = await Promise.race([
      Promise.all(logs.map(async ({ c, follow }) => ({ c, lines: await follow.ended }))),
      new Promise<undefined>((r) => setTimeout(r, 45_000)),
    ]);
    kit.observed();
    const all = ended ?? (await Promise.all(logs.map(async ({ c, follow }) => ({ c, lines: await follow.stop() }))));
    for (const { c, lines } of all) kit.attach(`log ${run.name}/${c} (followed through deletion)`, lines.join('\n'));
    expect(ended, 'every container stopped within 45 s of the pod\'s deletion').to.not.equal(undefined);
    const stops = all.flatMap(({ lines }) => parseLedger(lines.join('\n')).filter((e) => e.event === 'stopping'));
    await kit.saveRecord('stops', stops);
    checkReverseShutdown(stops, ['app', 'side-2', 'side-1']);
  }, { floorMs: 2 * DELAY * 1000 });
});
