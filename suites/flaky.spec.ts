import { flaky, pod, sleeps } from '../fixtures/pod.js';
import { checkFlakyRecovered } from '../lib/checks/behaviours.js';
import { phase } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

const FAILURES = 2;

describe('flaky: an init container that fails k times, then succeeds', function () {
  this.timeout(150_000);

  scenarioTest(`fails ${FAILURES} times → the pod reaches Running with restartCount ${FAILURES}`, async (kit) => {
    const run = await kit.start(pod('flaky').init(flaky('init-flaky', FAILURES)).app(sleeps('app')));
    await run.until(phase('Running', 120_000));
    checkFlakyRecovered(await kit.recording(run), 'init-flaky', FAILURES);
  });
});
