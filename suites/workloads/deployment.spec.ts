import { fails, pod, servesHttp, succeeds } from '../../fixtures/pod.js';
import { deployment, selectorOf, service } from '../../fixtures/workloads.js';
import { checkRanInOrder } from '../../lib/checks/behaviours.js';
import type { RolloutRecording } from '../../lib/checks/workloads.js';
import { checkRolloutHeld, initFailed, podNames } from '../../lib/checks/workloads.js';
import { ApiError, requestJson } from '../../lib/kube/raw.js';
import { scenarioTest } from '../../lib/scenario/kit.js';
import { sleep } from '../../lib/util/time.js';

const REPLICAS = 2;
const DEADLINE_S = 6;
const OLD_BODY = 'served by the old ReplicaSet';

// Deployment controller (pkg/controller/deployment: rolling.go, progress.go; util.DeploymentTimedOut,
// TimedOutReason "ProgressDeadlineExceeded"): unchanged in every release initc supports (1.33–1.36)
// and since progressDeadlineSeconds came with apps/v1beta1 (1.6); maxUnavailable 0 keeps the old
// ReplicaSet at full size while the new one has no available pod.
describe('workloads-deployment: Deployment pods run their init containers; a rollout with a failing init container is held', function () {
  this.timeout(150_000);

  scenarioTest(`a rollout whose template has a failing init container never becomes available, ends Progressing False (ProgressDeadlineExceeded) after ${DEADLINE_S}s, and the old pods keep answering through the Service throughout`, async (kit) => {
    const ns = await kit.namespace();
    const web = pod('web').init(succeeds('init-a')).app(servesHttp('app', OLD_BODY));
    const deployments = await kit.watchObjects('apps/v1/deployments');
    const { pods, run } = await kit.followPods(selectorOf(web));
    await kit.create(deployment(kit, web, { replicas: REPLICAS, progressDeadlineSeconds: DEADLINE_S }));
    await kit.create(service(web));
    await deployments.until(`${REPLICAS} replicas available`, (r) => r.status.availableReplicas === REPLICAS && r.status.updatedReplicas === REPLICAS, 60_000);

    // Requests through the Service (the API server's service proxy: it picks a ready endpoint), every 0.3 s.
    const probes: RolloutRecording['probes'] = [];
    let probing = true;
    const probe = async () => {
      const at = new Date().toISOString();
      try {
        probes.push({ at, status: 200, body: String(await requestJson<string>(kit.kc, 'GET', `/api/v1/namespaces/${ns}/services/web:80/proxy/`, { accept: '*/*' })) });
      } catch (err) {
        probes.push({ at, status: err instanceof ApiError ? err.statusCode : 0, body: (err as Error).message.split('\n')[0]! });
      }
    };
    const loop = (async () => {
      while (probing) await Promise.all([probe(), sleep(300)]);
    })();
    while (!probes.some((p) => p.status === 200)) await sleep(200);

    const oldPods = podNames(pods.rows.filter((r) => r.event !== 'DELETED'));
    const rolloutAt = new Date().toISOString();
    await requestJson(kit.kc, 'PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web`, {
      contentType: 'application/merge-patch+json',
      body: { spec: { template: { spec: { initContainers: [fails('init-a', 1)] } } } },
    });
    kit.attach('rollout', `template changed at ${rolloutAt}: init-a now exits 1`);
    // After the change: on a loaded node the first rollout can overrun the deadline too.
    const timedOut = await deployments.until('Progressing False (ProgressDeadlineExceeded) after the rollout', (r) => r.receivedAt >= rolloutAt && r.conditions.Progressing === 'False (ProgressDeadlineExceeded)', DEADLINE_S * 1000 + 45_000);
    // On a loaded node the deadline can pass before the new pod's init container has run at all.
    await pods.until('the new pod\'s init container seen failing', (r) => !oldPods.includes(r.name) && initFailed([r]), 45_000);
    // The requests go on until one sent after the deadline's report has been answered: on a loaded
    // node one request through the proxy can take longer than the wait above (the check says so if none comes).
    for (const end = Date.now() + 30_000; Date.now() < end && !probes.some((p) => p.at > timedOut.receivedAt); ) await sleep(100);
    probing = false;
    await loop;
    kit.observed();
    kit.attach('requests through the Service', probes.map((p) => `${p.at} ${p.status} ${p.body.trim()}`).join('\n'));
    const rec: RolloutRecording = { deployment: deployments.rows, pods: pods.rows, rolloutAt, oldPods, replicas: REPLICAS, progressDeadlineSeconds: DEADLINE_S, probes, oldBody: OLD_BODY };
    await kit.saveRecord('rollout', rec);
    checkRolloutHeld(rec);
    // Each old pod ran its init container like a bare pod, then the app.
    for (const name of oldPods) checkRanInOrder(await (await run(name)).recording(), ['init-a'], 'app');
  }, { floorMs: DEADLINE_S * 1000 });
});
