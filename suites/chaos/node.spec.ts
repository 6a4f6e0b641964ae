/**
 * Faults of the whole node. They disturb every pod on it, so `initc run` runs this file alone,
 * after the other suites (its serial phase).
 */
import { expect } from 'chai';
import { PRINTOUT_END, pod, printsLedger, resultLine, succeeds, writesResult } from '../../fixtures/pod.js';
import { rebootNode, restartComponent } from '../../lib/chaos/node-faults.js';
import { checkNothingReran, checkRanAgainFromFirst } from '../../lib/checks/chaos.js';
import { idempotencyVerdict } from '../../lib/checks/behaviours.js';
import { appRunningAfterRerun, phase } from '../../lib/observe/wait.js';
import type { PodRun } from '../../lib/scenario/pod-run.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const INITS = ['init-a', 'init-b', 'init-c'];
const SLOW = 12;

/** init-b takes SLOW seconds: long enough for a component to go down and come back while it runs. */
const slowMiddle = (name: string) => pod(name).init(succeeds('init-a')).init(succeeds('init-b', SLOW)).init(succeeds('init-c')).app(printsLedger('app'));

async function printout(run: PodRun): Promise<string[]> {
  await run.untilLog('app', new RegExp(`^${PRINTOUT_END}$`), 90_000);
  return (await run.log('app')).split('\n');
}

describe('chaos-node: the kubelet, the container runtime and the node itself', function () {
  this.timeout(240_000);

  // Upstream: the kubelet rebuilds its view from the runtime on start (kuberuntime GetPodStatus);
  // a running init container is found running and exited ones are found exited, so nothing is re-run.
  scenarioTest('kubelet restarted while an init container runs: it keeps running, nothing runs twice, the pod reaches Running', async (kit) => {
    const run = await kit.start(slowMiddle('kubelet-restart'));
    await run.untilLog('init-b', / init-b started$/);
    await kit.inject(run, restartComponent('kubelet', 3000));
    await run.until(phase('Running', 120_000));
    await printout(run);
    checkNothingReran(await kit.recording(run), INITS, 'app');
  }, { timeoutMs: 200_000 });

  // containerd keeps its containers in their shims while it is down; the kubelet reconnects.
  scenarioTest('containerd restarted while an init container runs: it keeps running, nothing runs twice, the pod reaches Running', async (kit) => {
    const run = await kit.start(slowMiddle('containerd-restart'));
    await run.untilLog('init-b', / init-b started$/);
    await kit.inject(run, restartComponent('containerd', 3000));
    await run.until(phase('Running', 120_000));
    await printout(run);
    checkNothingReran(await kit.recording(run), INITS, 'app');
  }, { timeoutMs: 200_000 });

  scenarioTest('node reboot after init: every init container runs again from the first; the idempotent writer keeps one result, the appending one is caught', async (kit) => {
    const good = await kit.start(pod('reboot-idempotent').init(succeeds('init-a')).init(writesResult('init-writer', 0, true)).app(printsLedger('app')));
    const bad = await kit.start(pod('reboot-appending').init(succeeds('init-a')).init(writesResult('init-writer', 0, false)).app(printsLedger('app')));
    await Promise.all([good.until(phase('Running', 60_000)), bad.until(phase('Running', 60_000))]);
    await Promise.all([printout(good), printout(bad)]);
    await kit.inject(good, rebootNode());
    await Promise.all([good.until(appRunningAfterRerun('init-a', 'app', 120_000)), bad.until(appRunningAfterRerun('init-a', 'app', 120_000))]);
    const [goodOut, badOut] = await Promise.all([printout(good), printout(bad)]);
    kit.observed();
    checkRanAgainFromFirst(await kit.recording(good), ['init-a', 'init-writer'], 'app', 'complete');
    const results = (lines: string[]) => lines.filter((l) => l.startsWith('result of '));
    expect(results(goodOut), 'the idempotent writer after the reboot: the first attempt\'s result, alone').to.deep.equal([resultLine('init-writer', 1)]);
    expect(idempotencyVerdict(results(badOut)), `negative control: the appending writer after the reboot left ${results(badOut).join(' | ')}`).to.equal('not idempotent');
  }, { timeoutMs: 220_000 });
});
