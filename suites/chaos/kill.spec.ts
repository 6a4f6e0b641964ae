import { holdsFirstAttempt, pod, printsLedger, succeeds } from '../../fixtures/pod.js';
import type { RestartPolicy } from '../../fixtures/pod.js';
import { killContainer } from '../../lib/chaos/kill-container.js';
import { checkOnlyKilledReran } from '../../lib/checks/chaos.js';
import { checkFailedWithoutRestart } from '../../lib/checks/behaviours.js';
import { phase } from '../../lib/observe/wait.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const EXIT = { SIGKILL: 137, SIGTERM: 143 } as const;

const killedPod = (policy: RestartPolicy, signal: keyof typeof EXIT) =>
  pod(`killed-${policy.toLowerCase()}-${signal.toLowerCase()}`).restartPolicy(policy).init(succeeds('init-a')).init(holdsFirstAttempt('init-b')).init(succeeds('init-c')).app(printsLedger('app'));

describe('chaos-kill: an init container killed mid-run', function () {
  this.timeout(120_000);

  for (const policy of ['Always', 'OnFailure'] as const) {
    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      scenarioTest(`restartPolicy ${policy}, ${signal}: only the killed init container runs again (exit ${EXIT[signal]}, restartCount 1); the one before it ran once; then the rest and the app`, async (kit) => {
        const run = await kit.start(killedPod(policy, signal));
        await run.untilLog('init-b', / init-b started$/);
        await kit.inject(run, killContainer(run.namespace, run.name, 'init-b', signal));
        await run.until(phase('Running', 60_000));
        await run.untilLog('app', /^== end$/);
        checkOnlyKilledReran(await kit.recording(run), ['init-a'], 'init-b', ['init-c'], 'app', EXIT[signal]);
      });
    }
  }

  scenarioTest('restartPolicy Never, SIGKILL: the pod fails (Init:Error, exit 137), nothing after the killed init container runs', async (kit) => {
    const run = await kit.start(killedPod('Never', 'SIGKILL'));
    await run.untilLog('init-b', / init-b started$/);
    await kit.inject(run, killContainer(run.namespace, run.name, 'init-b', 'SIGKILL'));
    await run.until(phase('Failed', 60_000));
    checkFailedWithoutRestart(await kit.recording(run), 'init-b', EXIT.SIGKILL, ['init-c', 'app']);
  });
});
