import { pod, sleeps, waitsForService } from '../fixtures/pod.js';
import { checkWaitedForService } from '../lib/checks/behaviours.js';
import { phase, status } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

const ABSENT_MS = 4000;

describe('service: an init container waits for a dependent Service', function () {
  this.timeout(120_000);

  scenarioTest('the pod stays initializing while the Service is absent and runs once it exists', async (kit) => {
    const ns = await kit.namespace();
    const host = `backend.${ns}.svc.cluster.local`;
    const run = await kit.start(pod('waiter').init(waitsForService('wait-for-backend', host)).app(sleeps('app')));
    await run.until(status('Init:0/1', 60_000));
    await run.untilLog('wait-for-backend', / waiting$/);
    await run.holdsFor(ABSENT_MS, 'the pod to stay initializing (no Service yet)', (r) => r.phase === 'Pending' && r.conditions.Initialized !== 'True');
    const createdMs = run.timeline.elapsedMs();
    await kit.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend' }, spec: { ports: [{ port: 80 }], selector: { app: 'backend' } } });
    kit.attach('service created', `Service backend created at t+${(createdMs / 1000).toFixed(2)}s of the timeline`);
    await run.until(phase('Running', 60_000));
    await kit.saveRecord('service-created', { createdMs });
    checkWaitedForService(await kit.recording(run), createdMs);
  }, { floorMs: ABSENT_MS });
});
