import { fails, pod, sleeps, succeeds } from '../../fixtures/pod.js';
import { daemonSet, selectorOf } from '../../fixtures/workloads.js';
import { checkRanInOrder } from '../../lib/checks/behaviours.js';
import { checkDaemonAvailable, checkDaemonUnavailable, initRestarts, podNames } from '../../lib/checks/workloads.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

// DaemonSet controller (pkg/controller/daemon/daemon_controller.go, updateDaemonSetStatus:
// numberUnavailable = desiredNumberScheduled − numberAvailable, a pod available once Ready for
// minReadySeconds): the same in every release initc supports (1.33–1.36) and since apps/v1 (1.9).
describe('workloads-daemonset: DaemonSet pods run their init containers; failing ones leave the set unavailable', function () {
  this.timeout(120_000);

  scenarioTest('with a failing init container every daemon pod stays unavailable (numberUnavailable = desiredNumberScheduled, never ready); with a succeeding one each pod runs its init container, then the app, and is available', async (kit) => {
    const bad = pod('daemon-fails').init(fails('init-a', 1)).app(sleeps('app'));
    const good = pod('daemon-ok').init(succeeds('init-a')).app(sleeps('app'));
    const badSets = await kit.watchObjects('apps/v1/daemonsets', 'initc.dev/daemon=fails');
    const goodSets = await kit.watchObjects('apps/v1/daemonsets', 'initc.dev/daemon=ok');
    const badPods = await kit.followPods(selectorOf(bad));
    const goodPods = await kit.followPods(selectorOf(good));
    const labelled = (ds: ReturnType<typeof daemonSet>, v: string) => ({ ...ds, metadata: { ...ds.metadata, labels: { 'initc.dev/daemon': v } } });
    await kit.create(labelled(daemonSet(kit, bad), 'fails'));
    await kit.create(labelled(daemonSet(kit, good), 'ok'));
    await goodSets.until('every daemon pod available', (r) => (r.status.desiredNumberScheduled as number) >= 1 && r.status.numberAvailable === r.status.desiredNumberScheduled, 60_000);
    await badPods.pods.until('a daemon pod restarted its init container', (r) => initRestarts([r]) >= 1, 60_000);
    await badSets.until('numberUnavailable reported', (r) => (r.status.numberUnavailable as number) >= 1 && r.status.numberUnavailable === r.status.desiredNumberScheduled, 30_000);
    kit.observed();
    await kit.saveRecord('daemonsets', { bad: badSets.rows, good: goodSets.rows, badPods: badPods.pods.rows });
    checkDaemonUnavailable(badSets.rows, badPods.pods.rows);
    checkDaemonAvailable(goodSets.rows);
    for (const name of podNames(goodPods.pods.rows)) checkRanInOrder(await (await goodPods.run(name)).recording(), ['init-a'], 'app');
  });
});
