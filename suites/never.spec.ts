import { expect } from 'chai';
import { fails, pod, sleeps, succeeds } from '../fixtures/pod.js';
import { checkFailedWithoutRestart } from '../lib/checks/behaviours.js';
import { ledgerOf } from '../lib/checks/recording.js';
import { phase } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

describe('never: restartPolicy Never, a failing init container fails the pod', function () {
  this.timeout(120_000);

  scenarioTest('exit code 3 → phase Failed, Init:Error; later init containers and the app never run', async (kit) => {
    const run = await kit.start(pod('never').restartPolicy('Never').init(succeeds('init-a')).init(fails('init-b', 3)).init(succeeds('init-c')).app(sleeps('app')));
    await run.until(phase('Failed', 60_000));
    const rec = await kit.recording(run);
    checkFailedWithoutRestart(rec, 'init-b', 3, ['init-c', 'app']);
    expect(ledgerOf(rec.ledger, 'init-a').map((e) => e.event), 'init-a ran once').to.deep.equal(['started', 'ran']);
  });
});
