import { holdsFirstAttempt, pod, printsLedger, succeeds } from '../../fixtures/pod.js';
import { killContainer, runtimeExitOfKill } from '../../lib/chaos/kill-container.js';
import type { Fault } from '../../lib/chaos/fault.js';
import { killPause, removeSandbox } from '../../lib/chaos/lose-sandbox.js';
import { checkOnlyKilledReran, checkRanAgainFromFirst } from '../../lib/checks/chaos.js';
import { appRunningAfterRerun, phase } from '../../lib/observe/wait.js';
import type { PodRun } from '../../lib/scenario/pod-run.js';
import type { ScenarioKit } from '../../lib/scenario/kit.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const INITS = ['init-a', 'init-b', 'init-c'];

const heldPod = (name: string) => pod(name).init(succeeds('init-a')).init(holdsFirstAttempt('init-b')).init(succeeds('init-c')).app(printsLedger('app'));

/** Waits for the app of the new sandbox (after init-a ran again), and for its printout of the ledger. */
async function secondPassDone(kit: ScenarioKit, run: PodRun): Promise<void> {
  await run.until(appRunningAfterRerun());
  await run.untilLog('app', /^== end$/);
  kit.observed();
}

describe('chaos-sandbox: the pod sandbox lost', function () {
  this.timeout(150_000);

  const duringInit: Array<[title: string, podName: string, fault: (namespace: string, pod: string) => Fault]> = [
    ['sandbox removed during init (crictl stopp + rmp): every init container runs again from the first, in spec order; the app starts after the last', 'lost-during-init', removeSandbox],
    ['pause process killed during init: the sandbox is recreated and every init container runs again from the first', 'pause-killed', killPause],
  ];
  for (const [title, podName, fault] of duringInit) {
    scenarioTest(title, async (kit) => {
      const run = await kit.start(heldPod(podName));
      await run.untilLog('init-b', / init-b started$/);
      await kit.inject(run, fault(run.namespace, run.name));
      await secondPassDone(kit, run);
      checkRanAgainFromFirst(await kit.recording(run), INITS, 'app', 'interrupted');
    });
  }

  scenarioTest('sandbox removed after init completed: every init container runs again from the first; the ledger shows two complete passes', async (kit) => {
    const run = await kit.start(pod('lost-after-init').init(succeeds('init-a')).init(succeeds('init-b')).init(succeeds('init-c')).app(printsLedger('app')));
    await run.until(phase('Running', 60_000));
    await run.untilLog('app', /^== end$/);
    await kit.inject(run, removeSandbox(run.namespace, run.name));
    await secondPassDone(kit, run);
    checkRanAgainFromFirst(await kit.recording(run), INITS, 'app', 'complete');
  });

  scenarioTest('the belief, checked: a killed init container re-runs alone, while a lost sandbox re-runs every init container from the first', async (kit) => {
    const [killed, lost] = await Promise.all([kit.start(heldPod('belief-killed')), kit.start(heldPod('belief-sandbox-lost'))]);
    await Promise.all([killed.untilLog('init-b', / init-b started$/), lost.untilLog('init-b', / init-b started$/)]);
    await kit.inject(killed, killContainer(killed.namespace, killed.name, 'init-b', 'SIGKILL'));
    await kit.inject(lost, removeSandbox(lost.namespace, lost.name));
    await Promise.all([killed.until(phase('Running', 60_000)).then(() => killed.untilLog('app', /^== end$/)), secondPassDone(kit, lost)]);
    checkOnlyKilledReran(await kit.recording(killed), ['init-a'], 'init-b', ['init-c'], 'app', 137, runtimeExitOfKill(kit.injections));
    checkRanAgainFromFirst(await kit.recording(lost), INITS, 'app', 'interrupted');
  });
});
