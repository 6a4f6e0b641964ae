import { fails, pod, sleeps, succeeds } from '../../fixtures/pod.js';
import { selectorOf, statefulSet } from '../../fixtures/workloads.js';
import { checkRanInOrder } from '../../lib/checks/behaviours.js';
import { checkOrderedReady, checkSetHeld, initRestarts } from '../../lib/checks/workloads.js';
import { scenarioTest } from '../../lib/scenario/kit.js';
import { sleep } from '../../lib/util/time.js';

const REPLICAS = 2;
const HELD_MS = 6000;

// StatefulSet controller, podManagementPolicy OrderedReady (pkg/controller/statefulset/
// stateful_set_control.go: with `monotonic` it stops at the first pod that is not running and
// ready, isRunningAndReady, before creating the next ordinal): the same in every release initc
// supports (1.33–1.36) and since apps/v1 (1.9); from 1.25 with minReadySeconds it waits for
// available (isRunningAndAvailable), which is Ready here (minReadySeconds 0).
describe('workloads-statefulset: OrderedReady StatefulSets wait for each pod\'s init containers', function () {
  this.timeout(120_000);

  scenarioTest(`pod-1 is created only after pod-0 finished its init containers and became Ready; each pod ran its init containers, then the app`, async (kit) => {
    const web = pod('web').init(succeeds('init-a', 1)).app(sleeps('app'));
    const sets = await kit.watchObjects('apps/v1/statefulsets');
    const { pods, run } = await kit.followPods(selectorOf(web));
    await kit.create(statefulSet(kit, web, REPLICAS));
    await sets.until(`${REPLICAS} ready replicas`, (r) => r.status.readyReplicas === REPLICAS, 90_000);
    kit.observed();
    await kit.saveRecord('ordered', pods.rows);
    checkOrderedReady(pods.rows, 'web', REPLICAS);
    for (let i = 0; i < REPLICAS; i++) checkRanInOrder(await (await run(`web-${i}`)).recording(), ['init-a'], 'app');
  }, { floorMs: REPLICAS * 1000 });

  scenarioTest(`a failing init container in pod-0 holds the whole set: pod-0 never initializes and pod-1 is not created (observed for ${HELD_MS / 1000}s after pod-0's first failure)`, async (kit) => {
    const held = pod('held').init(fails('init-a', 1)).app(sleeps('app'));
    await kit.watchObjects('apps/v1/statefulsets');
    const { pods } = await kit.followPods(selectorOf(held));
    await kit.create(statefulSet(kit, held, REPLICAS));
    const first = await pods.until('held-0 restarted its init container', (r) => r.name === 'held-0' && initRestarts([r]) >= 1, 60_000);
    await sleep(HELD_MS);
    kit.observed();
    const heldMs = Date.now() - Date.parse(first.receivedAt);
    await kit.saveRecord('held', { pods: pods.rows, heldMs });
    checkSetHeld(pods.rows, 'held', heldMs, HELD_MS);
  }, { floorMs: HELD_MS });
});
