/**
 * Formatting shared by the reports (conformance, compare as Markdown and HTML): durations,
 * seconds and lateness, back-off lines, Markdown cells and fences, verdict marks.
 */
import type { ContainerBackoffs, PodObservation, TestStatus } from './model.js';

/** Text safe inside a table cell: no pipes or line breaks to split it. */
export function escapeCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A fenced block longer than any run of backticks inside, so the text cannot close it. */
export function codeBlock(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** Seconds to a tenth, without a trailing ".0": 7, 4.9. */
export function formatSeconds(sec: number): string {
  return `${Number(sec.toFixed(1))} s`;
}

/** How late a restart came against its back-off: "7 s late", "1 s early", "on time". */
export function latenessText(lateSec: number): string {
  const shown = Math.round(lateSec * 10) / 10;
  if (shown > 0) return `${formatSeconds(shown)} late`;
  if (shown < 0) return `${formatSeconds(-shown)} early`;
  return 'on time';
}

/** A container's restart intervals, each with its lateness: "init-b 1 s (+1 s), 17 s (+7 s)". */
export function backoffText(b: ContainerBackoffs): string {
  const signed = (sec: number) => (sec < 0 ? `−${formatSeconds(-sec)}` : `+${formatSeconds(sec)}`);
  const intervals = b.intervals.map((x) => `${formatSeconds(x.intervalSec)} (${signed(x.lateSec)})`);
  if (b.unendedAttempt !== null) intervals.push(`end of attempt ${b.unendedAttempt} not seen`);
  return `${b.container} ${intervals.join(', ')}`;
}

/** Every container's back-off in a pod, or null when none restarted (or the results predate back-offs). */
export function backoffsLine(o: PodObservation): string | null {
  return o.backoffs?.length ? o.backoffs.map(backoffText).join('; ') : null;
}

export const BACKOFF_LEGEND =
  "Back-off: each restart's interval after the attempt before it ended, and (±) how late that was against the kubelet's CrashLoopBackOff: the first restart at once, then the schedule each run's kubelet reported (the kubelet back-off row; by default 10 s doubling to 300 s).";


const MARKS: Record<TestStatus, string> = { passed: '✅ passed', failed: '❌ failed', broken: '⚠️ broken', skipped: '⏭️ skipped' };
export function statusMark(s: TestStatus): string {
  return MARKS[s];
}
