/**
 * Markdown of a comparison (for a pull request comment or `$GITHUB_STEP_SUMMARY`), and the
 * Markdown pieces the conformance report shares with it.
 */
import type { CompareCell, Comparison, Difference } from './compare.js';
import type { ContainerBackoffs, PodObservation, TestStatus } from './model.js';

/** Text safe inside a table cell: no pipes or line breaks to split it. */
export const escapeCell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

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
export const formatSeconds = (sec: number) => `${sec.toFixed(1).replace(/\.0$/, '')} s`;

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
export const backoffsLine = (o: PodObservation) => (o.backoffs?.length ? o.backoffs.map(backoffText).join('; ') : null);

export const BACKOFF_LEGEND =
  "Back-off: each restart's interval after the attempt before it ended, and (±) how late that was against the kubelet's CrashLoopBackOff (the first restart at once, then 10 s doubling to 300 s).";

/** A difference in a few words (a STATUS sequence difference without the sequences). */
export const differenceHeadline = (d: Difference) => (d.kind === 'statusSequence' ? `STATUS sequence of pod ${d.pod} differs` : d.detail);

const MARKS: Record<TestStatus, string> = { passed: '✅ passed', failed: '❌ failed', broken: '⚠️ broken', skipped: '⏭️ skipped' };
export const statusMark = (s: TestStatus) => MARKS[s];

function cellMarkdown(cell: CompareCell | null): string {
  if (!cell) return '— (not run)';
  const parts = [statusMark(cell.status)];
  if (cell.status === 'skipped' && cell.message) parts.push(`_${escapeCell(cell.message)}_`);
  for (const o of cell.observed) {
    const restarts = o.restarts.filter((r) => r.restartCount > 0).map((r) => `${r.container} ${r.restartCount}`).join(', ') || 'none';
    parts.push(`${cell.observed.length > 1 ? `${escapeCell(o.pod)}: ` : ''}\`${escapeCell(o.statusSequence.join(' → '))}\` restarts: ${escapeCell(restarts)}`);
    const backoffs = backoffsLine(o);
    if (backoffs) parts.push(`back-off: ${escapeCell(backoffs)}`);
  }
  if (cell.missingEvidence.length) parts.push(`missing evidence: ${escapeCell(cell.missingEvidence.join('; '))}`);
  return parts.join('<br>');
}

export function compareMarkdown(c: Comparison): string {
  const header = `| test | ${c.columns.map((col) => escapeCell(col.label)).join(' | ')} |`;
  const rule = `|---|${c.columns.map(() => '---').join('|')}|`;
  const runs = [
    '| | ' + c.columns.map((col) => escapeCell(col.label)).join(' | ') + ' |',
    rule,
    `| kubelet | ${c.columns.map((col) => escapeCell(col.cluster.kubeletVersion ?? 'unknown')).join(' | ')} |`,
    `| runtime | ${c.columns.map((col) => escapeCell(col.cluster.containerRuntime ?? 'unknown')).join(' | ')} |`,
    `| provider | ${c.columns.map((col) => escapeCell(col.cluster.provider ?? 'unknown')).join(' | ')} |`,
    `| initc, suites | ${c.columns.map((col) => escapeCell(`${col.initc.version ?? 'unknown'}, ${col.initc.suitesRevision}`)).join(' | ')} |`,
    `| results | ${c.columns.map((col) => `${col.totals.passed} passed, ${col.totals.failed} failed, ${col.totals.broken} broken, ${col.totals.skipped} skipped`).join(' | ')} |`,
  ];
  const row = (r: Comparison['rows'][number]) => `| **${escapeCell(r.suite)}** ${escapeCell(r.title)} | ${r.cells.map(cellMarkdown).join(' | ')} |`;
  const differing = c.rows.filter((r) => r.differs);
  const same = c.rows.filter((r) => !r.differs);
  const lines = [`# initc: ${c.columns.map((col) => col.label).join(' vs ')}`, '', ...runs, ''];
  lines.push(`${c.summary.differing} of ${c.summary.tests} tests differ between the runs.`, '');
  const anyBackoff = c.rows.some((r) => r.cells.some((cell) => cell?.observed.some(backoffsLine)));
  if (anyBackoff) lines.push(BACKOFF_LEGEND, '');
  if (differing.length) {
    lines.push('## Where they differ', '', header, rule, ...differing.map(row), '', '### How', '');
    for (const r of differing) lines.push(`- **${escapeCell(r.suite)}** ${escapeCell(r.title)}`, ...r.differences.map((d) => `  - ${d.detail}`));
    lines.push('');
  }
  if (same.length) lines.push('<details><summary>The same on every run (' + same.length + ')</summary>', '', header, rule, ...same.map(row), '', '</details>', '');
  return lines.join('\n');
}
