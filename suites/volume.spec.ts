import { DATA_DIR, pod, populatesVolume, printsLedger } from '../fixtures/pod.js';
import { checkAppPrintedFile } from '../lib/checks/behaviours.js';
import { phase } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

describe('volume: an init container populates a volume the app reads', function () {
  this.timeout(90_000);

  scenarioTest('content written by the init container into an emptyDir is what the app prints', async (kit) => {
    const content = `populated by init for ${await kit.namespace()}`;
    const run = await kit.start(pod('volume').init(populatesVolume('init-populate', 'index.html', content)).app(printsLedger('app')));
    await run.until(phase('Running', 60_000));
    await run.untilLog('app', new RegExp(`^${content}$`));
    const appLog = await run.log('app');
    await kit.saveRecord('app-log', { appLog, content });
    checkAppPrintedFile(appLog, `${DATA_DIR}/index.html`, content);
  });
});
