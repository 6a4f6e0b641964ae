import { pod, sleeps, slow, succeeds } from '../fixtures/pod.js';
import { checkSlowHoldsStatus } from '../lib/checks/behaviours.js';
import { phase } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

const SECONDS = 6;

describe('slow: a slow init container holds the pod at Init:0/N', function () {
  this.timeout(90_000);

  scenarioTest(`an init container taking ${SECONDS}s keeps STATUS Init:0/2 for its whole run, then the pod runs`, async (kit) => {
    const run = await kit.start(pod('slow').init(slow('init-slow', SECONDS)).init(succeeds('init-b')).app(sleeps('app')));
    await run.until(phase('Running', 60_000));
    checkSlowHoldsStatus(await kit.recording(run), 'init-slow', SECONDS, 2);
  }, { floorMs: SECONDS * 1000 });
});
