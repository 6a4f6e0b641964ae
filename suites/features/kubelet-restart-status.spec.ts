/**
 * A kubelet restart and the status of running containers (KEP-4781). It restarts the node's
 * kubelet, so `initc run` runs it in the serial phase, alone.
 */
import { pod, succeeds } from '../../fixtures/pod.js';
import { probedApp, probedSidecar } from '../../fixtures/probes.js';
import { restartComponent } from '../../lib/chaos/node-faults.js';
import { KEPT_ONLY_AFTER_SEC, checkStatusAcrossKubeletRestart, expectedOnKubeletRestart } from '../../lib/checks/kubelet-restart.js';
import { kubeletGates } from '../../lib/kube/gates-in-force.js';
import { podMatches } from '../../lib/observe/wait.js';
import { allContainerStatuses } from '../../lib/observe/status.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const GATE = 'ChangeContainerStatusOnKubeletRestart';
const OBSERVED_MS = 20_000;

describe('kubelet-restart-status: started and ready of a sidecar and an app across a kubelet restart (ChangeContainerStatusOnKubeletRestart)', function () {
  this.timeout(180_000);

  scenarioTest('a kubelet restart resets started/ready until the probes pass again where the kubelet\'s gate says so (on, or before 1.35), and keeps them where it is off', async (kit) => {
    const run = await kit.start(pod('kubelet-restart-status').init(succeeds('init-a')).init(probedSidecar('side')).app(probedApp('app')));
    const row = await run.until(podMatches('side and app started and ready', (p) => ['side', 'app'].every((n) => allContainerStatuses(p).some((c) => c.name === n && c.started === true && c.ready)), 90_000));
    const node = row.pod.spec?.nodeName;
    if (!node) return kit.skip('the pod has no node');
    const gates = await kubeletGates(kit.kc, node);
    if (!gates.gates) return kit.skip(`the kubelet's gates cannot be read (${gates.unreadable}), so what it should do is unknown`);
    const gate = gates.gates.get(GATE);
    const expected = expectedOnKubeletRestart(gate);
    kit.attach('expected', `${GATE} on the kubelet of ${node}: ${gate ? `${gate.enabled ? 'on' : 'off'} (${gate.stage})` : 'absent (a release before 1.35)'} → ${expected}`);
    // The kubelet keeps the status only of containers older than 10 s at its start (KEPT_ONLY_AFTER_SEC).
    await run.holdsFor((KEPT_ONLY_AFTER_SEC + 2) * 1000, `side and app run ${KEPT_ONLY_AFTER_SEC + 2} s before the kubelet restart`, () => true);
    const restart = restartComponent('kubelet', 3000);
    await kit.inject(run, restart);
    await run.holdsFor(OBSERVED_MS, `observed ${OBSERVED_MS / 1000} s after the kubelet came back`, () => true);
    await kit.saveRecord('down-window', restart.downWindow());
    const flips = checkStatusAcrossKubeletRestart(await kit.recording(run), ['side', 'app'], restart.downWindow()!, expected);
    kit.attach('flips', flips.map((f) => `#${f.seq} ${f.container} ${f.change}`).join('\n') || 'none');
  }, { timeoutMs: 170_000 });
});
