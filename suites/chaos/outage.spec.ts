import { PRINTOUT_END, pod, printsLedger, servesHttp, waitsForStableDependency } from '../../fixtures/pod.js';
import { serviceOutage } from '../../lib/chaos/service-outage.js';
import { checkWaitedThroughOutage } from '../../lib/checks/chaos.js';
import { phase } from '../../lib/observe/wait.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

/** Answers in a row the waiter needs (half a second apart): longer than it takes to start the outage. */
const STABLE = 16;
const DOWN_MS = 6000;

describe('chaos-outage: a dependency goes away while an init container waits for it', function () {
  this.timeout(150_000);

  scenarioTest(`Service deleted for ${DOWN_MS / 1000}s mid-wait: the init container keeps waiting (no restart), the pod stays initializing, and it completes after the Service is back`, async (kit) => {
    const ns = await kit.namespace();
    const backend = await kit.start(pod('backend').app(servesHttp('httpd', 'backend is up')));
    await kit.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend' }, spec: { ports: [{ port: 80, targetPort: 80 }], selector: { 'app.kubernetes.io/name': 'backend' } } });
    await backend.until(phase('Running', 60_000));
    const run = await kit.start(pod('waiter').init(waitsForStableDependency('wait-for-backend', `http://backend.${ns}.svc.cluster.local/`, STABLE)).app(printsLedger('app')));
    await run.untilLog('wait-for-backend', / dependency-up$/, 60_000);
    await kit.injectThroughApi(run, serviceOutage(ns, 'backend', DOWN_MS));
    const backAtMs = run.timeline.elapsedMs();
    await run.until(phase('Running', 90_000));
    await run.untilLog('app', new RegExp(`^${PRINTOUT_END}$`));
    await kit.saveRecord('back-at', { backAtMs });
    checkWaitedThroughOutage(await kit.recording(run), 'wait-for-backend', 'app', backAtMs);
  }, { floorMs: DOWN_MS });
});
