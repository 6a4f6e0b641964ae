/** The CrashLoopBackOff scenario shared by the OnFailure and Always suites (one file each, so they run in parallel). */
import { fails, pod, sleeps, succeeds } from '../fixtures/pod.js';
import type { RestartPolicy } from '../fixtures/pod.js';
import { checkOnlyFailedRestarts } from '../lib/checks/behaviours.js';
import { defaultBackoff, backoffFloorMs, backoffIntervals, checkBackoffSchedule, configuredBackoff, describeBackoff, expectedBackoff, firstRestartLateSec, kubeletBackoff } from '../lib/checks/backoff.js';
import type { BackoffSchedule } from '../lib/checks/backoff.js';
import { restartsAtLeast } from '../lib/observe/wait.js';
import type { PodRun } from '../lib/scenario/pod-run.js';
import { kubeletBackoffConfig } from '../lib/scenario/kubelet-backoff.js';
import { scenarioTest } from '../lib/scenario/kit.js';
import type { ScenarioKit } from '../lib/scenario/kit.js';

/** Four restarts show the immediate first restart, then 10 s, 20 s, 40 s: two doublings. */
export const CRASHLOOP_RESTARTS = 4;

/**
 * The schedule of the kubelet the pod ran on, from its own gates and configuration; where they
 * cannot be read, the release's default, said in the evidence.
 */
export async function scheduleOf(kit: ScenarioKit, run: PodRun): Promise<{ schedule: BackoffSchedule; described: string; unreadable?: string }> {
  const minor = (await kit.server()).minor;
  const node = (await run.pod()).spec?.nodeName;
  const read = node ? await kubeletBackoffConfig(kit.kc, node) : { unreadable: 'the pod has no node' };
  if ('unreadable' in read) return { schedule: kubeletBackoff(minor), described: `10 s doubling to 300 s (the release default: the kubelet's configuration is unreadable: ${read.unreadable})`, unreadable: read.unreadable };
  const schedule = configuredBackoff(minor, read.config);
  return { schedule, described: describeBackoff(schedule, read.config) };
}

export function attachIntervals(kit: ScenarioKit, intervals: number[], schedule: BackoffSchedule, described: string): void {
  kit.attach(
    'back-off intervals (s)',
    `kubelet schedule: ${described}\nmeasured: ${intervals.join(', ')}\nexpected: ${intervals.map((_, i) => expectedBackoff(i, schedule)).join(', ')}\naccepted lateness: the first restart (no back-off) up to ${firstRestartLateSec(schedule.initialSec)} s; the others ${schedule.lateFactor} × back-off + ${schedule.lateSec} s`,
  );
}

export function crashLoopScenario(policy: Exclude<RestartPolicy, 'Never'>): void {
  // The kubelet's floor: the back-off waits before each restart (0, 10, 20, 40 s by default); the wait allows each its lateness.
  const floorMs = backoffFloorMs(CRASHLOOP_RESTARTS);
  // Enough for the latest restart any release allows (1.35+: up to half of each back-off late).
  const waitMs = floorMs * 1.5 + CRASHLOOP_RESTARTS * defaultBackoff().lateSec * 1000 + 30_000;
  scenarioTest(
    `only the failing init container restarts (at once, then after the kubelet's doubling back-off); earlier ones ran once, later ones and the app never`,
    async (kit) => {
      const run = await kit.start(pod(`crashloop-${policy.toLowerCase()}`).restartPolicy(policy).init(succeeds('init-a')).init(fails('init-b', 1)).init(succeeds('init-c')).app(sleeps('app')));
      await run.until(restartsAtLeast('init-b', CRASHLOOP_RESTARTS, waitMs));
      const rec = await kit.recording(run);
      checkOnlyFailedRestarts(rec, ['init-a'], 'init-b', ['init-c', 'app'], CRASHLOOP_RESTARTS);
      const intervals = backoffIntervals(rec, 'init-b');
      const { schedule, described } = await scheduleOf(kit, run);
      attachIntervals(kit, intervals, schedule, described);
      checkBackoffSchedule(intervals, CRASHLOOP_RESTARTS, schedule);
    },
    { timeoutMs: waitMs + 60_000, floorMs },
  );
}
