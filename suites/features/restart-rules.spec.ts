import type { V1Container } from '@kubernetes/client-node';
import { exitsPerRun, onExitCodes, runs, withRestartPolicy } from '../../fixtures/features.js';
import { pod } from '../../fixtures/pod.js';
import type { RestartPolicy } from '../../fixtures/pod.js';
import { checkAdmission, checkInitRuns, expectedAdmission } from '../../lib/checks/features.js';
import { phase } from '../../lib/observe/wait.js';
import { describeDiscovery, discoveryRecord, discoverRestartRules, requireFeature } from '../../lib/scenario/features.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

interface Case {
  title: string;
  /** The pod's name (and its recording's). */
  name: string;
  podPolicy: RestartPolicy;
  init: V1Container;
  /** The init container's runs' exit codes, in order. */
  exitCodes: number[];
  podFails: boolean;
}

// Expectations: k8s.io/kubernetes v1.36.5 pkg/api/v1/pod/util.go ContainerShouldRestart (rules first,
// then the container's restartPolicy, then the pod's), pkg/kubelet/kuberuntime/kuberuntime_container.go
// computeInitContainerActions (a failed init container that should not restart kills the pod) and
// pkg/kubelet/kubelet_pods.go getPhase (failedInitializationNotRestartable → Failed).
const CASES: Case[] = [
  {
    name: 'never-in-match',
    title: 'pod Never: an init container (restartPolicy Never) whose exit code 42 matches its rule In [42] is restarted, and the pod goes on to run',
    podPolicy: 'Never',
    init: withRestartPolicy(exitsPerRun('init-rule', [42, 0]), 'Never', onExitCodes('In', [42])),
    exitCodes: [42, 0],
    podFails: false,
  },
  {
    name: 'never-in-miss',
    title: 'pod Never: an init container (restartPolicy Never) whose exit code 3 matches no rule (In [42]) is not restarted, and the pod fails',
    podPolicy: 'Never',
    init: withRestartPolicy(exitsPerRun('init-rule', [3, 0]), 'Never', onExitCodes('In', [42])),
    exitCodes: [3],
    podFails: true,
  },
  {
    name: 'never-notin',
    title: 'pod Never: an init container (restartPolicy Never) with a rule NotIn [3] is restarted after exit code 7, and the pod fails at exit code 3',
    podPolicy: 'Never',
    init: withRestartPolicy(exitsPerRun('init-rule', [7, 3]), 'Never', onExitCodes('NotIn', [3])),
    exitCodes: [7, 3],
    podFails: true,
  },
  {
    name: 'never-onfailure',
    title: 'pod Never: an init container with restartPolicy OnFailure is restarted after exit code 1, and the pod goes on to run',
    podPolicy: 'Never',
    init: withRestartPolicy(exitsPerRun('init-rule', [1, 0]), 'OnFailure'),
    exitCodes: [1, 0],
    podFails: false,
  },
  {
    name: 'always-never',
    title: 'pod Always: an init container with restartPolicy Never that exits 1 is not restarted, and the pod fails',
    podPolicy: 'Always',
    init: withRestartPolicy(exitsPerRun('init-rule', [1, 0]), 'Never'),
    exitCodes: [1],
    podFails: true,
  },
  {
    name: 'onfailure-in',
    title: 'pod OnFailure: an init container with restartPolicy Never and a rule In [42] is restarted after exit code 42, and the pod fails at exit code 5',
    podPolicy: 'OnFailure',
    init: withRestartPolicy(exitsPerRun('init-rule', [42, 5]), 'Never', onExitCodes('In', [42])),
    exitCodes: [42, 5],
    podFails: true,
  },
];

describe('restart-rules: per-container restartPolicy and restartPolicyRules on init containers (ContainerRestartRules, KEP-5307)', function () {
  this.timeout(120_000);

  scenarioTest('the API server keeps, drops or refuses an init container\'s restartPolicy Never and restartPolicyRules as its ContainerRestartRules gate says', async (kit) => {
    const d = await discoverRestartRules(kit.kc, await kit.namespace());
    kit.attach('feature discovery', describeDiscovery(d));
    await kit.saveRecord('discovery', discoveryRecord(d));
    const gates = d.apiserver.gates ?? kit.skip(`cannot read the API server's feature gates to know what it must do: ${d.apiserver.unreadable}`);
    checkAdmission(expectedAdmission('ContainerRestartRules', gates), d.admission);
  });

  for (const c of CASES) {
    scenarioTest(c.title, async (kit) => {
      await requireFeature(kit, discoverRestartRules(kit.kc, await kit.namespace()));
      const run = await kit.start(pod(c.name).restartPolicy(c.podPolicy).init(c.init).app(runs('app')));
      await run.until(phase(c.podFails ? 'Failed' : 'Running', 90_000));
      checkInitRuns(await kit.recording(run), 'init-rule', 'app', c.exitCodes, c.podFails);
    });
  }
});
