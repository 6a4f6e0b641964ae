import { pod, sleeps, slow } from '../fixtures/pod.js';
import { checkDeadlineExceeded } from '../lib/checks/behaviours.js';
import { phase } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

const DEADLINE = 5;

describe('deadline: activeDeadlineSeconds counts init time', function () {
  this.timeout(90_000);

  scenarioTest(`activeDeadlineSeconds ${DEADLINE} with a 60 s init container → phase Failed, reason DeadlineExceeded, the app never runs`, async (kit) => {
    const run = await kit.start(pod('deadline').activeDeadlineSeconds(DEADLINE).init(slow('init-slow', 60)).app(sleeps('app')));
    await run.until(phase('Failed', 60_000));
    checkDeadlineExceeded(await kit.recording(run), 'app');
  }, { floorMs: DEADLINE * 1000 });
});
