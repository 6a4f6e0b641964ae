import { pod, printsLedger, succeeds } from '../fixtures/pod.js';
import { checkInitializedCondition, checkRanInOrder, checkStatusProgression } from '../lib/checks/behaviours.js';
import { phase } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

describe('order: init containers run one at a time, in spec order, before the app', function () {
  this.timeout(120_000);

  scenarioTest('three init containers run in spec order, then the app; STATUS and Initialized only move forward', async (kit) => {
    const run = await kit.start(pod('order').init(succeeds('init-a', 1)).init(succeeds('init-b', 1)).init(succeeds('init-c', 1)).app(printsLedger('app')));
    await run.until(phase('Running', 60_000));
    await run.untilLog('app', / app started$/);
    const rec = await kit.recording(run);
    checkRanInOrder(rec, ['init-a', 'init-b', 'init-c'], 'app');
    checkStatusProgression(rec, 3);
    checkInitializedCondition(rec);
  }, { floorMs: 3000 });
});
