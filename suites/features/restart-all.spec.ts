import { RESTART_ALL_EXIT, restartAllFailingRerunPod, restartAllPod } from '../../fixtures/features.js';
import { parseLedger } from '../../fixtures/pod.js';
import type { RestartAllLayout, RestartAllRecording } from '../../lib/checks/features.js';
import { checkAdmission, checkFailedAfterRestart, checkRestartCounts, checkRestartedAll, checkRestartingCondition, checkRunsKept, checkSamePod, describeReinitialization, expectedAdmission, filesFromPrintout } from '../../lib/checks/features.js';
import { recordRows } from '../../lib/checks/recording.js';
import { phase, podMatches } from '../../lib/observe/wait.js';
import { describeDiscovery, discoveryRecord, discoverRestartAll, requireFeature } from '../../lib/scenario/features.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const LAYOUT: RestartAllLayout = { inits: ['init-once', 'init-append'], sidecars: ['sidecar'], apps: ['app', 'app-b'], trigger: 'app', exitCode: RESTART_ALL_EXIT };
const ALL = [...LAYOUT.inits, ...LAYOUT.sidecars, ...LAYOUT.apps];

describe('restart-all: a rule RestartAllContainers on an app container\'s exit restarts every container in place (RestartAllContainersOnContainerExits, KEP-5532)', function () {
  this.timeout(150_000);

  scenarioTest('the API server keeps, drops or refuses the action RestartAllContainers as its gates say', async (kit) => {
    const d = await discoverRestartAll(kit.kc, await kit.namespace());
    kit.attach('feature discovery', describeDiscovery(d));
    await kit.saveRecord('discovery', discoveryRecord(d));
    const gates = d.apiserver.gates ?? kit.skip(`cannot read the API server's feature gates to know what it must do: ${d.apiserver.unreadable}`);
    checkAdmission(expectedAdmission('RestartAllContainersOnContainerExits', gates), d.admission);
  });

  // Expectations: k8s.io/kubernetes v1.36.5 pkg/kubelet/kuberuntime/kuberuntime_manager.go (computePodActions:
  // every container killed without grace and removed, the trigger last; then the init containers start
  // again from the first), pkg/kubelet/status/generate.go (GenerateAllContainersRestartingCondition),
  // pkg/kubelet/kubelet_pods.go (convertToAPIContainerStatuses: each restartCount old + 1).
  scenarioTest('the app\'s exit 42 re-runs the init containers from the first in order, then the sidecar, then the apps; same UID, IP and volumes; AllContainersRestarting True then False; every restartCount 1; the appending init container\'s file shows both runs, the idempotent one\'s one', async (kit) => {
    await requireFeature(kit, discoverRestartAll(kit.kc, await kit.namespace()));
    const run = await kit.start(restartAllPod('restart-all'));
    await run.until(
      podMatches(
        'every container running again with restartCount 1 and AllContainersRestarting False',
        (p) =>
          [...(p.status?.initContainerStatuses ?? []).filter((s) => s.name === 'sidecar'), ...(p.status?.containerStatuses ?? [])].every((s) => s.state?.running && s.restartCount >= 1) &&
          (p.status?.conditions ?? []).some((c) => c.type === 'AllContainersRestarting' && c.status === 'False'),
        90_000,
      ),
    );
    await run.untilLog('app', /^== end$/, 30_000);
    const printout = await run.log('app');
    const currentLogs = await Promise.all(['sidecar', 'app-b'].map((c) => run.log(c)));
    const unique = new Map([printout, ...currentLogs].flatMap(parseLedger).map((e) => [`${e.uptime} ${e.container} ${e.event}`, e]));
    const rec: RestartAllRecording = {
      rows: recordRows(run.timeline.rows),
      ledger: [...unique.values()].sort((a, b) => a.uptime - b.uptime),
      identities: run.timeline.rows.map((r) => ({ seq: r.seq, uid: r.pod.metadata?.uid, podIP: r.pod.status?.podIP })),
      files: filesFromPrintout(printout),
    };
    await kit.saveRecord(run.name, rec);
    kit.attach('the pod during the in-place restart', describeReinitialization(rec.rows));
    checkRestartedAll(rec, LAYOUT);
    checkSamePod(rec.identities, rec.rows);
    checkRestartingCondition(rec.rows);
    checkRestartCounts(rec.rows, ALL, 1);
    checkRunsKept(rec, { container: 'init-once', file: '/data/once' }, { container: 'init-append', file: '/data/appends' });
  });

  scenarioTest('under a Never pod, an init container that fails in its re-run (exit 1) fails the pod; the apps do not run again', async (kit) => {
    await requireFeature(kit, discoverRestartAll(kit.kc, await kit.namespace()));
    const run = await kit.start(restartAllFailingRerunPod('fails-after-restart'));
    await run.until(phase('Failed', 90_000));
    const rec = { rows: recordRows(run.timeline.rows), ledger: [] };
    await kit.saveRecord(run.name, rec);
    kit.attach('the pod during the in-place restart', describeReinitialization(rec.rows));
    checkFailedAfterRestart(rec, 'init-fails', LAYOUT.apps);
  });
});
