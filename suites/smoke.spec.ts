import { smokePod } from '../fixtures/smoke.js';
import { checkRanInOrder } from '../lib/checks/behaviours.js';
import { podRunning } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

describe('smoke: a pod with two init containers', function () {
  this.timeout(180_000);

  scenarioTest('runs the init containers one after the other, in spec order, then the app', async (kit) => {
    const run = await kit.start(smokePod());
    await run.until(podRunning(120_000));
    await run.untilLog('app', / app started$/);
    checkRanInOrder(await kit.recording(run), ['init-a', 'init-b'], 'app');
  });
});
