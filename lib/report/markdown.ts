/** Markdown of a comparison (for a pull request comment or `$GITHUB_STEP_SUMMARY`). */
import { askedForCells, featureRows, featureSuiteRows } from './features.js';
import { absentText } from './compare.js';
import type { CompareCell, CompareColumn, Comparison } from './compare.js';
import { BACKOFF_LEGEND, backoffsLine, escapeCell, statusMark } from './format.js';

function cellMarkdown(cell: CompareCell | null, column: CompareColumn): string {
  if (!cell) return `— (${absentText(column)})`;
  const parts = [statusMark(cell.status)];
  if (cell.status === 'skipped' && cell.message) parts.push(`_${escapeCell(cell.message)}_`);
  if ((cell.status === 'failed' || cell.status === 'broken') && cell.message) parts.push(`_${escapeCell(cell.message.split('\n')[0]!)}_`);
  for (const o of cell.observed) {
    const restarts = o.restarts.filter((r) => r.restartCount > 0).map((r) => `${r.container} ${r.restartCount}`).join(', ') || 'none';
    parts.push(`${cell.observed.length > 1 ? `${escapeCell(o.pod)}: ` : ''}\`${escapeCell(o.statusSequence.join(' → '))}\` restarts: ${escapeCell(restarts)}`);
    const backoffs = backoffsLine(o);
    if (backoffs) parts.push(`back-off: ${escapeCell(backoffs)}`);
  }
  if (cell.missingEvidence.length) parts.push(`missing evidence: ${escapeCell(cell.missingEvidence.join('; '))}`);
  if (cell.evidenceProblems?.length) parts.push(`evidence not collected: ${escapeCell(cell.evidenceProblems.join('; '))}`);
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
    `| kubelet back-off | ${c.columns.map((col) => escapeCell(col.cluster.kubeletBackoff ?? 'not recorded (10 s doubling to 300 s assumed)')).join(' | ')} |`,
    `| initc, suites | ${c.columns.map((col) => escapeCell(`${col.initc.version ?? 'unknown'}, ${col.initc.suitesRevision}`)).join(' | ')} |`,
    `| results | ${c.columns.map((col) => `${col.totals.passed} passed, ${col.totals.failed} failed, ${col.totals.broken} broken, ${col.totals.skipped} skipped`).join(' | ')} |`,
    `| verdict | ${c.columns.map((col) => escapeCell(col.verdict)).join(' | ')} |`,
    `| problems | ${c.columns.map((col) => escapeCell(col.problems.join('; ') || 'none')).join(' | ')} |`,
  ];
  const row = (r: Comparison['rows'][number]) => `| **${escapeCell(r.suite)}** ${escapeCell(r.title)} | ${r.cells.map((cell, i) => cellMarkdown(cell, c.columns[i]!)).join(' | ')} |`;
  const differing = c.rows.filter((r) => r.differs);
  const same = c.rows.filter((r) => !r.differs);
  const lines = [`# initc: ${c.columns.map((col) => col.label).join(' vs ')}`, '', ...runs, ''];
  const labels = c.columns.map((col) => escapeCell(col.label)).join(' | ');
  const features = featureRows(c.columns.map((col) => col.cluster));
  const gatedSuites = featureSuiteRows(c);
  if (features.length || gatedSuites.length) lines.push('## Features', '');
  if (features.length) {
    lines.push('### Gates in force', '', `| gate | ${labels} |`, rule);
    lines.push(`| asked for | ${askedForCells(c.columns.map((col) => col.cluster)).map(escapeCell).join(' | ')} |`);
    lines.push(...features.map((f) => `| ${f.differs ? '**' + f.gate + '**' : f.gate} | ${f.cells.map(escapeCell).join(' | ')} |`), '');
  }
  if (gatedSuites.length) {
    lines.push('### Gated suites', '', `| suite (gates) | ${labels} |`, rule);
    lines.push(...gatedSuites.map((s) => `| ${s.differs ? `**${s.suite}**` : s.suite} (${s.gates.join(', ')}) | ${s.cells.map(escapeCell).join(' | ')} |`), '');
  }
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
