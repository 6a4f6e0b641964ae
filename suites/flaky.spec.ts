import { flaky, pod, printsLedger } from '../fixtures/pod.js';
import { checkFlakyRecovered } from '../lib/checks/behaviours.js';
import { backoffFloorMs } from '../lib/checks/backoff.js';
import { phase } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

const FAILURES = 2;

describe('flaky: an init container that fails k times, then succeeds', function () {
  this.timeout(150_000);

  scenarioTest(`fails ${FAILURES} times → the pod reaches Running with restartCount ${FAILURES}`, async (kit) => {
    const run = await kit.start(pod('flaky').init(flaky('init-flaky', FAILURES)).app(printsLedger('app')));
    await run.until(phase('Running', 120_000));
    await run.untilLog('app', / app started$/);
    checkFlakyRecovered(await kit.recording(run), 'init-flaky', FAILURES);
  }, { floorMs: backoffFloorMs(FAILURES) });
});
