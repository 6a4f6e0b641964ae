import { fails, pod, sleeps } from '../../fixtures/pod.js';
import { backoffIntervals, checkBackoffSchedule, checkCapHeld, latestRestartsMs, restartsAtCap, restartsWithin } from '../../lib/checks/backoff.js';
import { restartsAtLeast } from '../../lib/observe/wait.js';
import { scenarioTest } from '../../lib/scenario/kit.js';
import { attachIntervals, scheduleOf } from '../crashloop.js';

/** Seconds the restarts may take at most (by the release's lateness); the default's 0, 10, 20, 40 take longer and are waited for all the same. */
const BUDGET_SEC = 90;
const RESET_RULE = 'The back-off is not reset by a restart, nor by the configured max: the kubelet starts a container\'s back-off over only when 600 s passed since its last step (pkg/kubelet/kubelet.go sets crashLoopBackOff.HasExpiredFunc to 600 s at v1.34.12 and v1.36.5; client-go\'s own rule, twice the max, is replaced).';

describe('backoff-config: CrashLoopBackOff as the kubelet is configured (ReduceDefaultCrashLoopBackOffDecay, KubeletCrashLoopBackOffMax)', function () {
  this.timeout(380_000);

  scenarioTest(
    'a failing init container restarts at the intervals of the kubelet\'s own configuration, and stops growing at its max',
    async (kit) => {
      const run = await kit.start(pod('backoff-config').restartPolicy('Always').init(fails('init-fail', 1)).app(sleeps('app')));
      await run.until(restartsAtLeast('init-fail', 1, 60_000));
      const { schedule, described, unreadable } = await scheduleOf(kit, run);
      if (unreadable) kit.skip(`the kubelet's back-off configuration cannot be read (${unreadable}), so there is no configured schedule to hold it to`);
      const restarts = restartsWithin(BUDGET_SEC, schedule);
      // Each attempt runs for about a second besides its back-off.
      const waitMs = latestRestartsMs(restarts, schedule) + restarts * 2000 + 30_000;
      await run.until(restartsAtLeast('init-fail', restarts, waitMs));
      const intervals = backoffIntervals(await kit.recording(run), 'init-fail');
      attachIntervals(kit, intervals, schedule, described);
      kit.attach('back-off reset rule', RESET_RULE);
      checkBackoffSchedule(intervals, restarts, schedule);
      if (restartsAtCap(restarts, schedule) >= 2) checkCapHeld(intervals, schedule);
      else kit.attach('cap', `the ${schedule.capSec} s cap is beyond this suite's ${BUDGET_SEC} s budget: the doubling is checked, the cap is not reached`);
    },
    { timeoutMs: 360_000, floorMs: 10_000 },
  );
});
