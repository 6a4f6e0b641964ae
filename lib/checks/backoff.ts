/**
 * CrashLoopBackOff: the intervals between a container's attempts, and the schedule the kubelet
 * keeps, from its release and its configuration (gates ReduceDefaultCrashLoopBackOffDecay and
 * KubeletCrashLoopBackOffMax, field crashLoopBackOff.maxContainerRestartPeriod).
 */
import type { Recording, RecordedRow } from './recording.js';
import { attemptsOf, fail } from './recording.js';

export interface RestartIntervals {
  /** Seconds from the end of each attempt to the start of the next, oldest first, up to `unended`. */
  seconds: number[];
  /**
   * The first attempt (number from 1) that a later one followed but whose end the timeline never
   * showed; the intervals stop before it. Null when every attempt but the last was seen ending.
   */
  unended: { attempt: number; containerID: string; startedAt: string } | null;
}

/**
 * Seconds from the end of each attempt of `name` to the start of the next, as far as the timeline
 * shows every end: past an attempt seen without its end, later intervals would pair with the
 * wrong back-off.
 */
export function restartIntervalsOf(rows: RecordedRow[], name: string): RestartIntervals {
  const attempts = attemptsOf(rows, name);
  const seconds: number[] = [];
  for (let i = 1; i < attempts.length; i++) {
    const prev = attempts[i - 1]!;
    if (!prev.finishedAt) return { seconds, unended: { attempt: i, containerID: prev.containerID, startedAt: prev.startedAt } };
    seconds.push((Date.parse(attempts[i]!.startedAt) - Date.parse(prev.finishedAt)) / 1000);
  }
  return { seconds, unended: null };
}

/**
 * Seconds from the end of each attempt of `name` to the start of the next. Every attempt but the
 * last must have been seen ending: skipping one would pair later intervals with the wrong back-off.
 */
export function backoffIntervals(rec: Recording, name: string): number[] {
  const { seconds, unended } = restartIntervalsOf(rec.rows, name);
  if (unended) {
    const { attempt, containerID, startedAt } = unended;
    fail(`the end of attempt ${attempt} of ${name} in the timeline (it was followed by attempt ${attempt + 1})`, `attempt ${attempt} (${containerID}) started at ${startedAt} with no finishedAt`, rec.rows);
  }
  return seconds;
}

export interface BackoffSchedule {
  initialSec: number;
  factor: number;
  capSec: number;
  /** Allowed earliness (seconds): container timestamps have one-second resolution. */
  earlySec: number;
  /** Allowed lateness: lateFactor × the back-off + lateSec (see kubeletBackoff). */
  lateFactor: number;
  lateSec: number;
}

/**
 * How late the first restart may come (seconds): half the first back-off, and at least 2 s; the
 * pod worker's requeue lateness (lateFactor, lateSec) applies only to a backed-off restart. It is
 * immediate (no back-off entry exists before the first failure), but "immediate" is the PLEG
 * relist (1 s) plus the time the node takes to create and start the container, which grows with
 * the node's load: 0 or 1 s in every recording on an idle node (1.34 and 1.36: crash loops, kills,
 * a flaky run), 3 s on a kind node at load 8 (three test groups at once on 2 cores). Half the
 * back-off still tells an immediate restart from a backed-off one, which comes at least
 * initialSec − earlySec after the failure. Derived from the schedule's initialSec, never stored
 * beside it: a schedule spread with another initialSec cannot carry a stale tolerance.
 */
export function firstRestartLateSec(initialSec: number): number {
  return Math.max(2, initialSec / 2);
}

/**
 * The kubelet's CrashLoopBackOff (pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff,
 * client-go flowcontrol.Backoff): the first restart of a failed container is immediate (no
 * back-off entry exists yet); from the second on it waits 10 s, doubling, capped at 300 s.
 *
 * The container restarts at the first pod sync after the back-off expired, and when that sync
 * comes differs by release (pkg/kubelet/pod_workers.go completeWork): up to 1.34 a backed-off pod
 * is requeued after 10 s × jitter 0.5, i.e. 10–15 s, so a restart is at most ~15 s late; from 1.35
 * it is requeued at the back-off's expiry × jitter 0.5, so a restart comes up to half the back-off
 * late. One more second each way for the timestamps' resolution. The first restart is not
 * backed off on any release, so neither lateness applies to it: firstRestartLateSec.
 */
export function kubeletBackoff(serverMinor: number): BackoffSchedule {
  const base = { initialSec: 10, factor: 2, capSec: 300, earlySec: 1 };
  return serverMinor >= 35 ? { ...base, lateFactor: 0.5, lateSec: 2 } : { ...base, lateFactor: 0, lateSec: 16 };
}

/**
 * The schedule assumed where a run recorded none: the release default up to 1.34. A function, not a
 * constant made at load, so that the code deciding it runs in the tests (and is mutated there).
 */
export function defaultBackoff(): BackoffSchedule {
  return kubeletBackoff(34);
}

/** The back-off before restart i+1 (i = 0: the first restart). */
export function expectedBackoff(i: number, s: BackoffSchedule = defaultBackoff()) {
  return (i === 0 ? 0 : Math.min(s.initialSec * s.factor ** (i - 1), s.capSec));
}

/** The back-off the kubelet makes a container sit through before its `restarts`-th restart, in total. */
export function backoffFloorMs(restarts: number, s: BackoffSchedule = defaultBackoff()) {
  return Array.from({ length: restarts }, (_, i) => expectedBackoff(i, s) * 1000).reduce((a, b) => a + b, 0);
}

export function checkBackoffSchedule(intervals: number[], minIntervals: number, s: BackoffSchedule = defaultBackoff()): void {
  if (intervals.length < minIntervals) fail(`at least ${minIntervals} restart intervals`, `${intervals.length}: ${intervals.join(', ')}`);
  intervals.forEach((got, i) => {
    const want = expectedBackoff(i, s);
    const lo = Math.max(0, want - s.earlySec);
    const hi = i === 0 ? firstRestartLateSec(s.initialSec) : want + want * s.lateFactor + s.lateSec;
    if (got < lo || got > hi) {
      const what = i === 0 ? 'restart 1 at once, without back-off' : `restart ${i + 1} after ${want}s of back-off`;
      fail(`${what} (accepted ${lo}–${hi}s)`, `${got}s; all intervals: ${intervals.join('s, ')}s`);
    }
  });
}


/** What a kubelet reports about its back-off: its gates and, with KubeletCrashLoopBackOffMax, the configured max. */
export interface KubeletBackoffConfig {
  reducedDecay: boolean;
  maxGate: boolean;
  /** crashLoopBackOff.maxContainerRestartPeriod in seconds as its /configz shows it (the kubelet defaults it to 300 s with the gate on). */
  configuredMaxSec?: number;
}

/**
 * The schedule a kubelet keeps (pkg/kubelet/kubelet.go newCrashLoopBackOff, the same at v1.34.12
 * and v1.36.5): 10 s doubling to 300 s; with ReduceDefaultCrashLoopBackOffDecay 1 s doubling to
 * 60 s; with KubeletCrashLoopBackOffMax the configured max replaces either max (so with both gates
 * and no configured value the cap is the defaulted 300 s, not 60 s), and lowers the initial
 * back-off when it is below it. The release's requeue lateness stays (kubeletBackoff).
 */
export function configuredBackoff(serverMinor: number, c: KubeletBackoffConfig): BackoffSchedule {
  let initialSec = c.reducedDecay ? 1 : 10;
  let capSec = c.reducedDecay ? 60 : 300;
  if (c.maxGate) {
    capSec = c.configuredMaxSec ?? 300;
    initialSec = Math.min(initialSec, capSec);
  }
  return { ...kubeletBackoff(serverMinor), initialSec, capSec };
}

/** "1 s doubling to 60 s (ReduceDefaultCrashLoopBackOffDecay)" and the like: how a report names the schedule. */
export function describeBackoff(s: BackoffSchedule, c: KubeletBackoffConfig): string {
  const why = [c.reducedDecay && 'ReduceDefaultCrashLoopBackOffDecay on', c.maxGate && `KubeletCrashLoopBackOffMax on, max ${c.configuredMaxSec ?? 300} s configured`].filter(Boolean);
  return `${s.initialSec} s doubling to ${s.capSec} s (${why.length ? why.join('; ') : 'release defaults'})`;
}

/** The latest restart i+1 may come after the end of attempt i (seconds), by the release's lateness. */
export function latestRestartSec(i: number, s: BackoffSchedule) {
  return (i === 0 ? firstRestartLateSec(s.initialSec) : expectedBackoff(i, s) * (1 + s.lateFactor) + s.lateSec);
}

/**
 * Restarts (at least `min`) whose latest possible intervals add up to at most `budgetSec`: enough
 * to show the doubling and, when it comes soon, the cap, in a bounded time whatever the release's lateness.
 */
export function restartsWithin(budgetSec: number, s: BackoffSchedule, min = 4): number {
  let n = 1;
  let worst = latestRestartSec(0, s);
  while (worst + latestRestartSec(n, s) <= budgetSec) worst += latestRestartSec(n++, s);
  return Math.max(n, min);
}

/** The longest the first `restarts` restarts may take, in milliseconds. */
export function latestRestartsMs(restarts: number, s: BackoffSchedule) {
  return Array.from({ length: restarts }, (_, i) => latestRestartSec(i, s) * 1000).reduce((a, b) => a + b, 0);
}

/** How many of the first `count` restarts the schedule backs off by its cap (restart i+1 waits expectedBackoff(i)). */
export function restartsAtCap(count: number, s: BackoffSchedule) {
  return Array.from({ length: count }, (_, i) => expectedBackoff(i, s)).filter((b) => b === s.capSec).length;
}

/**
 * The back-off stopped growing at the cap: at least two intervals the schedule puts at the cap were
 * measured, each within the release's lateness of it (a kubelet that kept doubling, or ignored a
 * configured max, is late by more than that).
 */
export function checkCapHeld(intervals: number[], s: BackoffSchedule): void {
  // expectedBackoff(0) is 0: the first restart is never at a cap (the kubelet's max is at least 1 s).
  const atCap = intervals.map((got, i) => ({ got, i })).filter(({ i }) => expectedBackoff(i, s) === s.capSec);
  if (atCap.length < 2) fail(`at least two restart intervals at the ${s.capSec} s cap`, `${atCap.length} (intervals: ${intervals.join('s, ')}s)`);
  const hi = s.capSec + s.capSec * s.lateFactor + s.lateSec;
  const over = atCap.filter(({ got }) => got < s.capSec - s.earlySec || got > hi);
  if (over.length) fail(`every interval at the cap within ${s.capSec - s.earlySec}–${hi}s`, over.map(({ got, i }) => `restart ${i + 1} after ${got}s`).join(', '));
}

/** The schedule a report recorded ("1 s doubling to 5 s (…)", describeBackoff's words) back as numbers; undefined for other text. */
export function parseBackoff(described: string): { initialSec: number; capSec: number } | undefined {
  const m = /^(\d+(?:\.\d+)?) s doubling to (\d+(?:\.\d+)?) s\b/.exec(described);
  return m ? { initialSec: Number(m[1]), capSec: Number(m[2]) } : undefined;
}
