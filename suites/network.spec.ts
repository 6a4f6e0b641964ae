import { pod } from '../fixtures/pod.js';
import { REFUSED_EXIT, changesNetns, observesNetns } from '../fixtures/network.js';
import { checkChangeRefused, checkNetnsChangeSeen, checkSharedPodIp } from '../lib/checks/network.js';
import { phase, status } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

// Holds for every release initc supports (1.33–1.36) and long before: a pod's containers join its
// sandbox's network namespace (kuberuntime_sandbox.go, NamespaceMode POD), and NET_ADMIN is not in
// the default capability set of containerd (pkg/oci/spec.go, defaultUnixCaps) or CRI-O.
describe('network: init containers share the pod network namespace with the app', function () {
  this.timeout(120_000);

  scenarioTest('an init container with NET_ADMIN adds an address and a route; the app sees both; init and app see the pod IP the API reports as their own', async (kit) => {
    const run = await kit.start(pod('netadmin').init(changesNetns('init-net', true)).app(observesNetns('app')));
    await run.until(phase('Running', 60_000));
    await run.untilLog('app', / (sees|lacks)-route$/);
    const rec = await kit.recording(run);
    const podIPs = ((await run.pod()).status?.podIPs ?? []).map((p) => p.ip);
    await kit.saveRecord('pod-ips', podIPs);
    kit.attach('pod IPs (API)', podIPs.join('\n'));
    checkNetnsChangeSeen(rec, 'init-net', 'app');
    checkSharedPodIp(rec, podIPs, ['init-net', 'app']);
  });

  scenarioTest('without NET_ADMIN the same change is refused (Operation not permitted): restartPolicy Never → phase Failed, Init:Error; the app never runs', async (kit) => {
    const run = await kit.start(pod('refused-never').restartPolicy('Never').init(changesNetns('init-net', false)).app(observesNetns('app')));
    await run.until(phase('Failed', 60_000));
    checkChangeRefused(await kit.recording(run), 'init-net', 'app', 'Never', REFUSED_EXIT);
  });

  scenarioTest('without NET_ADMIN, restartPolicy Always → the init container restarts, Init:CrashLoopBackOff; the app never runs', async (kit) => {
    const run = await kit.start(pod('refused-always').restartPolicy('Always').init(changesNetns('init-net', false)).app(observesNetns('app')));
    await run.until(status('Init:CrashLoopBackOff', 60_000));
    checkChangeRefused(await kit.recording(run), 'init-net', 'app', 'Always', REFUSED_EXIT);
  });
});
