/** The CrashLoopBackOff scenario shared by the OnFailure and Always suites (one file each, so they run in parallel). */
import { fails, pod, sleeps, succeeds } from '../fixtures/pod.js';
import type { RestartPolicy } from '../fixtures/pod.js';
import { KUBELET_BACKOFF, backoffFloorMs, kubeletBackoff, backoffIntervals, checkBackoffSchedule, checkOnlyFailedRestarts, expectedBackoff } from '../lib/checks/behaviours.js';
import { restartsAtLeast } from '../lib/observe/wait.js';
import { scenarioTest } from '../lib/scenario/kit.js';

/** Four restarts show the immediate first restart, then 10 s, 20 s, 40 s: two doublings. */
export const CRASHLOOP_RESTARTS = 4;

export function crashLoopScenario(policy: Exclude<RestartPolicy, 'Never'>): void {
  // The kubelet's floor: the back-off waits before each restart (0, 10, 20, 40 s); the wait allows each its lateness.
  const floorMs = backoffFloorMs(CRASHLOOP_RESTARTS);
  // Enough for the latest restart any release allows (1.35+: up to half of each back-off late).
  const waitMs = floorMs * 1.5 + CRASHLOOP_RESTARTS * KUBELET_BACKOFF.lateSec * 1000 + 30_000;
  scenarioTest(
    `only the failing init container restarts (at once, then after 10 s doubling back-off); earlier ones ran once, later ones and the app never`,
    async (kit) => {
      const run = await kit.start(pod(`crashloop-${policy.toLowerCase()}`).restartPolicy(policy).init(succeeds('init-a')).init(fails('init-b', 1)).init(succeeds('init-c')).app(sleeps('app')));
      await run.until(restartsAtLeast('init-b', CRASHLOOP_RESTARTS, waitMs));
      const rec = await kit.recording(run);
      checkOnlyFailedRestarts(rec, ['init-a'], 'init-b', ['init-c', 'app'], CRASHLOOP_RESTARTS);
      const intervals = backoffIntervals(rec, 'init-b');
      const schedule = kubeletBackoff((await kit.server()).minor);
      kit.attach('back-off intervals (s)', `measured: ${intervals.join(', ')}\nexpected: ${intervals.map((_, i) => expectedBackoff(i)).join(', ')}\naccepted lateness: the first restart (no back-off) up to ${schedule.firstLateSec} s; the others ${schedule.lateFactor} × back-off + ${schedule.lateSec} s`);
      checkBackoffSchedule(intervals, CRASHLOOP_RESTARTS, schedule);
    },
    { timeoutMs: waitMs + 60_000, floorMs },
  );
}
