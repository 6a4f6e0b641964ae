import { fails, pod, succeeds } from '../../fixtures/pod.js';
import { job, selectorOf } from '../../fixtures/workloads.js';
import { checkRanInOrder } from '../../lib/checks/behaviours.js';
import { checkJobBackoffExceeded, checkJobCompleted, podNames } from '../../lib/checks/workloads.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const BACKOFF_LIMIT = 1;
const finished = (c: Record<string, string>) => Boolean(c.Failed?.startsWith('True') || c.Complete?.startsWith('True'));

// Job controller (pkg/controller/job/job_controller.go): with restartPolicy Never each failed pod
// counts against backoffLimit, and the next pod comes after the pod failure back-off
// (DefaultJobPodFailureBackOff 10 s, doubling); with OnFailure, pastBackoffLimitOnFailure sums the
// restartCount of the pod's init and app containers. Both end with condition Failed, reason
// BackoffLimitExceeded: the same in every release initc supports (1.33–1.36; from 1.31 the
// FailureTarget / SuccessCriteriaMet conditions come first, which the checks do not need).
describe('workloads-job: a Job\'s init container failures count against backoffLimit', function () {
  this.timeout(150_000);

  for (const policy of ['Never', 'OnFailure'] as const) {
    scenarioTest(`restartPolicy ${policy}, backoffLimit ${BACKOFF_LIMIT}, failing init container → ${policy === 'Never' ? `${BACKOFF_LIMIT + 1} failed pods, none restarted` : 'one pod, its init container restarted in place'}; the Job ends Failed (BackoffLimitExceeded); the app never runs`, async (kit) => {
      const failing = pod(`fails-${policy.toLowerCase()}`).restartPolicy(policy).init(fails('init-a', 1)).app(succeeds('app'));
      const jobs = await kit.watchObjects('batch/v1/jobs');
      const { pods } = await kit.followPods(selectorOf(failing));
      await kit.create(job(kit, failing, BACKOFF_LIMIT));
      await jobs.until('the Job finished', (r) => finished(r.conditions), 90_000);
      kit.observed();
      await kit.saveRecord(`backoff-${policy.toLowerCase()}`, { job: jobs.rows, pods: pods.rows });
      checkJobBackoffExceeded(jobs.rows, pods.rows, policy, BACKOFF_LIMIT);
    }, { floorMs: policy === 'Never' ? 10_000 : 0 });
  }

  scenarioTest('a Job whose init container succeeds completes (Complete, 1 succeeded): its pod ran the init container, then the app', async (kit) => {
    const ok = pod('completes').restartPolicy('Never').init(succeeds('init-a')).app(succeeds('app'));
    const jobs = await kit.watchObjects('batch/v1/jobs');
    const { pods, run } = await kit.followPods(selectorOf(ok));
    await kit.create(job(kit, ok, BACKOFF_LIMIT));
    await jobs.until('the Job finished', (r) => finished(r.conditions), 60_000);
    kit.observed();
    await kit.saveRecord('completes', { job: jobs.rows, pods: pods.rows });
    checkJobCompleted(jobs.rows, pods.rows);
    for (const name of podNames(pods.rows)) checkRanInOrder(await (await run(name)).recording(), ['init-a'], 'app');
  });
});
