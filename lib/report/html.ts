/**
 * The comparison as one self-contained HTML page (no scripts, styles or fonts from anywhere: it
 * works from file:// and as a CI artefact). Each differing test gets, per run, a step chart of its
 * pods' STATUS over time as inline SVG, on one time scale and one STATUS axis so runs line up.
 */
import { askedForCells, featureRows, featureSuiteRows } from './features.js';
import type { CompareCell, CompareColumn, CompareRow, Comparison } from './compare.js';
import { absentText, differenceHeadline } from './compare.js';
import { BACKOFF_LEGEND, backoffsLine, formatDuration, formatSeconds, latenessText } from './format.js';
import type { PodObservation, TestStatus } from './model.js';

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STATUS_COLOURS: Record<TestStatus, string> = { passed: '#1a7f37', failed: '#cf222e', broken: '#bc4c00', skipped: '#6e7781' };

const CHART = { width: 620, left: 170, right: 20, top: 14, rowHeight: 22, bottom: 34 } as const;

/** A step chart of one pod's STATUS over elapsed time; `statuses` fixes the axis (top to bottom), `maxMs` the time scale. */
export function statusChartSvg(o: PodObservation, statuses: string[], maxMs: number, caption: string): string {
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const height = CHART.top + statuses.length * CHART.rowHeight + CHART.bottom;
  const span = Math.max(maxMs, 1000);
  const x = (ms: number) => CHART.left + (ms / span) * plotWidth;
  const y = (status: string) => CHART.top + (statuses.indexOf(status) + 0.5) * CHART.rowHeight;
  const steps: string[] = [];
  o.points.forEach((p, i) => {
    if (i > 0) steps.push(`${x(p.elapsedMs).toFixed(1)},${y(o.points[i - 1]!.status).toFixed(1)}`);
    steps.push(`${x(p.elapsedMs).toFixed(1)},${y(p.status).toFixed(1)}`);
  });
  const tickEvery = [1, 2, 5, 10, 20, 30, 60, 120, 300].find((s) => span / 1000 / s <= 8) ?? 600;
  const ticks: string[] = [];
  for (let s = 0; s * 1000 <= span; s += tickEvery) {
    const tx = x(s * 1000).toFixed(1);
    ticks.push(`<line class="grid" x1="${tx}" x2="${tx}" y1="${CHART.top}" y2="${height - CHART.bottom}"/><text class="tick" x="${tx}" y="${height - CHART.bottom + 14}" text-anchor="middle">${s}s</text>`);
  }
  const axis = statuses.map((s) => `<line class="grid" x1="${CHART.left}" x2="${CHART.width - CHART.right}" y1="${y(s)}" y2="${y(s)}"/><text class="label" x="${CHART.left - 6}" y="${y(s) + 4}" text-anchor="end">${escapeHtml(s)}</text>`);
  const dots = o.points.map((p) => `<circle cx="${x(p.elapsedMs).toFixed(1)}" cy="${y(p.status).toFixed(1)}" r="3"><title>${(p.elapsedMs / 1000).toFixed(2)} s: ${escapeHtml(p.status)}</title></circle>`);
  const marks = o.marks.map((m) => `<line class="mark" x1="${x(m.elapsedMs).toFixed(1)}" x2="${x(m.elapsedMs).toFixed(1)}" y1="${CHART.top}" y2="${height - CHART.bottom}"><title>${(m.elapsedMs / 1000).toFixed(2)} s: ${escapeHtml(m.text)}</title></line>`);
  return [
    `<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" width="${CHART.width}" height="${height}" viewBox="0 0 ${CHART.width} ${height}" role="img" aria-label="${escapeHtml(caption)}">`,
    ...axis,
    ...ticks,
    `<text class="tick" x="${CHART.width - CHART.right}" y="${height - 6}" text-anchor="end">elapsed since the pod's timeline started</text>`,
    ...marks,
    `<polyline class="status" points="${steps.join(' ')}"/>`,
    ...dots,
    `</svg><figcaption>${escapeHtml(caption)}${o.marks.map((m) => `<br><span class="marktext">${(m.elapsedMs / 1000).toFixed(2)} s: ${escapeHtml(m.text)}</span>`).join('')}</figcaption></figure>`,
  ].join('\n');
}

function backoffSpan(o: PodObservation): string {
  const line = backoffsLine(o);
  return line ? `<br><span class="backoff" title="${escapeHtml(BACKOFF_LEGEND)}">back-off: ${escapeHtml(line)}</span>` : '';
}

/** Why a run has no reading of a restart: no timeline of the pod (the charts say why), results older than back-offs, or no such restart. */
const noReading = (o: PodObservation | undefined) => (!o ? 'no timeline' : !o.backoffs ? 'not recorded' : 'no such restart');

/** Per container and restart of one pod: the kubelet's back-off, then each run's interval and lateness. */
export function backoffTableHtml(pod: string, byColumn: Array<PodObservation | undefined>, columns: CompareColumn[]): string {
  const containers = [...new Set(byColumn.flatMap((o) => o?.backoffs?.map((b) => b.container) ?? []))];
  if (!containers.length) return '';
  const rows = containers.flatMap((container) => {
    const perColumn = byColumn.map((o) => o?.backoffs?.find((b) => b.container === container)?.intervals ?? []);
    const restarts = [...new Set(perColumn.flatMap((intervals) => intervals.map((x) => x.restart)))];
    return restarts.map((restart) => {
      const readings = perColumn.map((intervals) => intervals.find((x) => x.restart === restart));
      const cells = readings.map((x, i) => (x ? `<td>${escapeHtml(`${formatSeconds(x.intervalSec)}, ${latenessText(x.lateSec)}`)}</td>` : `<td class="absent">${noReading(byColumn[i])}</td>`));
      return `<tr><td>${escapeHtml(container)}</td><td>${restart}</td><td>${escapeHtml(formatSeconds(readings.find((x) => x)!.backoffSec))}</td>${cells.join('')}</tr>`;
    });
  });
  const head = `<tr><th>container</th><th>restart</th><th>back-off</th>${columns.map((col) => `<th>${escapeHtml(col.label)}</th>`).join('')}</tr>`;
  return `<table class="backoffs"><caption>Back-off of pod ${escapeHtml(pod)}: per restart, the kubelet's back-off before it, then each run's interval after the attempt before it ended, and how late that was.</caption>${head}${rows.join('')}</table>`;
}

function cellHtml(cell: CompareCell | null, column: CompareColumn): string {
  if (!cell) return `<td class="absent">${escapeHtml(absentText(column))}</td>`;
  const parts = [`<span class="badge" style="background:${STATUS_COLOURS[cell.status]}">${cell.status}</span> <span class="dur">${formatDuration(cell.durationMs)}</span>`];
  if (cell.message && cell.status !== 'passed') parts.push(`<div class="msg">${escapeHtml(cell.message.split('\n')[0]!)}</div>`);
  for (const o of cell.observed) {
    const restarts = o.restarts.filter((r) => r.restartCount > 0).map((r) => `${r.container} ${r.restartCount}`).join(', ') || 'none';
    parts.push(`<div class="obs">${cell.observed.length > 1 ? `<b>${escapeHtml(o.pod)}</b>: ` : ''}<code>${escapeHtml(o.statusSequence.join(' → '))}</code><br><span class="restarts">restarts: ${escapeHtml(restarts)}</span>${backoffSpan(o)}</div>`);
  }
  if (cell.missingEvidence.length) parts.push(`<div class="missing">missing evidence: ${escapeHtml(cell.missingEvidence.join('; '))}</div>`);
  if (cell.evidenceProblems?.length) parts.push(`<div class="missing">evidence not collected: ${escapeHtml(cell.evidenceProblems.join('; '))}</div>`);
  return `<td>${parts.join('')}</td>`;
}

const anchor = (i: number) => `t${i}`;

function chartsOf(row: CompareRow, columns: CompareColumn[]): string {
  const pods = [...new Set(row.cells.flatMap((c) => c?.observed.map((o) => o.pod) ?? []))].sort();
  const sections = pods.map((pod) => {
    const byColumn = row.cells.map((c) => c?.observed.find((o) => o.pod === pod));
    const statuses: string[] = [];
    for (const o of byColumn) for (const p of o?.points ?? []) if (!statuses.includes(p.status)) statuses.push(p.status);
    const maxMs = Math.max(0, ...byColumn.flatMap((o) => [...(o?.points ?? []), ...(o?.marks ?? [])].map((p) => p.elapsedMs)));
    const charts = byColumn.map((o, i) => {
      if (o) return statusChartSvg(o, statuses, maxMs, `${columns[i]!.label}: pod ${pod}`);
      const cell = row.cells[i];
      const why = !cell ? 'not run' : cell.status === 'skipped' ? 'skipped' : `${cell.status}, no timeline of pod ${pod}`;
      return `<p class="absent">${escapeHtml(columns[i]!.label)}: ${escapeHtml(why)}</p>`;
    });
    return `<div class="charts">${charts.join('\n')}</div>${backoffTableHtml(pod, byColumn, columns)}`;
  });
  return sections.join('\n');
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2328}
h1{font-size:22px}h2{font-size:18px;margin-top:32px}h3{font-size:15px;margin:24px 0 4px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d0d7de;padding:6px 8px;vertical-align:top;text-align:left}
th{background:#f6f8fa}tr.differs>td:first-child{border-left:4px solid #bf8700}
.badge{color:#fff;border-radius:10px;padding:1px 8px;font-size:12px}.dur{color:#57606a;font-size:12px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:1px 3px}
.how{margin:4px 0 0 0;padding-left:18px;color:#7d4e00;font-size:13px}.msg,.missing{font-size:12px;color:#57606a;max-width:420px}
.missing,.problems{color:#bc4c00}.problems{margin:0;padding-left:16px;font-size:12px}.absent{color:#8c959f}.restarts,.backoff{font-size:12px}
table.features{table-layout:fixed;width:100%}table.features th:first-child{width:22%}table.features td,table.features th{overflow-wrap:anywhere}
caption{text-align:left;font-size:12px;color:#57606a;padding-bottom:4px;max-width:620px}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{margin:0;border:1px solid #d0d7de;padding:6px}
figcaption{font-size:12px;color:#57606a;max-width:620px}.marktext{color:#cf222e}
svg .grid{stroke:#eaeef2;stroke-width:1}svg .label,svg .tick{font:11px ui-monospace,monospace;fill:#57606a}
svg .status{fill:none;stroke:#0969da;stroke-width:2}svg circle{fill:#0969da}svg .mark{stroke:#cf222e;stroke-dasharray:4 3;stroke-width:1.5}
`;

export function compareHtml(c: Comparison): string {
  const cols = c.columns;
  const th = cols.map((col) => `<th class="version">${escapeHtml(col.label)}</th>`).join('');
  const runRow = (name: string, value: (col: CompareColumn) => string) => `<tr><th>${name}</th>${cols.map((col) => `<td>${value(col)}</td>`).join('')}</tr>`;
  const runs = [
    `<table class="runs"><tr><th></th>${th}</tr>`,
    runRow('server', (col) => escapeHtml(col.cluster.serverVersion ?? 'unknown')),
    runRow('kubelet', (col) => escapeHtml(col.cluster.kubeletVersion ?? 'unknown')),
    runRow('container runtime', (col) => escapeHtml(col.cluster.containerRuntime ?? 'unknown')),
    runRow('node OS, kernel', (col) => escapeHtml(`${col.cluster.nodeOS ?? 'unknown'}, ${col.cluster.kernel ?? 'unknown'}`)),
    runRow('provider', (col) => escapeHtml(col.cluster.provider ?? 'unknown')),
    runRow('kubelet back-off', (col) => escapeHtml(col.cluster.kubeletBackoff ?? 'not recorded (10 s doubling to 300 s assumed)')),
    runRow('initc, suites revision', (col) => escapeHtml(`${col.initc.version ?? 'unknown'}, ${col.initc.suitesRevision}`)),
    runRow('run', (col) => escapeHtml(`${col.run.start ?? '?'} → ${col.run.end ?? '?'}`)),
    runRow('results', (col) => escapeHtml(`${col.totals.passed} passed, ${col.totals.failed} failed, ${col.totals.broken} broken, ${col.totals.skipped} skipped`)),
    runRow('verdict', (col) => escapeHtml(col.verdict)),
    runRow('problems', (col) => (col.problems.length ? `<ul class="problems">${col.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>` : '<span class="absent">none</span>')),
    runRow('Allure report', (col) => (col.allureReport ? `<a href="${escapeHtml(col.allureReport)}">${escapeHtml(col.allureReport)}</a>` : '<span class="absent">none in the run\'s folder</span>')),
    '</table>',
  ];
  const features = featureRows(cols.map((col) => col.cluster));
  const featureTable = features.length
    ? [`<table class="runs features"><tr><th>gate</th>${th}</tr>`, `<tr><th>asked for</th>${askedForCells(cols.map((col) => col.cluster)).map((a) => `<td>${escapeHtml(a.replace(/,/g, ", "))}</td>`).join('')}</tr>`, ...features.map((f) => `<tr class="${f.differs ? 'differs' : 'same'}"><th>${escapeHtml(f.gate)}</th>${f.cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`), '</table>'].join('\n')
    : '<p class="absent">No run recorded its feature gates.</p>';
  const gatedSuites = featureSuiteRows(c);
  const gatedSuiteTable = gatedSuites.length
    ? [`<table class="runs features"><tr><th>gated suite (gates)</th>${th}</tr>`, ...gatedSuites.map((s) => `<tr class="${s.differs ? 'differs' : 'same'}"><th>${escapeHtml(s.suite)}<br><small>${escapeHtml(s.gates.join(', '))}</small></th>${s.cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`), '</table>'].join('\n')
    : '<p class="absent">No run planned a gated suite.</p>';
  const rows = c.rows.map((r, i) => {
    const how = r.differs ? `<ul class="how">${r.differences.map((d) => `<li>${escapeHtml(differenceHeadline(d))}</li>`).join('')}</ul>` : '';
    const title = r.differs ? `<a href="#${anchor(i)}">${escapeHtml(r.title)}</a>` : escapeHtml(r.title);
    return `<tr class="${r.differs ? 'differs' : 'same'}"><td><b>${escapeHtml(r.suite)}</b><br>${title}${how}</td>${r.cells.map((cell, j) => cellHtml(cell, cols[j]!)).join('')}</tr>`;
  });
  const details = c.rows
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.differs && r.cells.some((cell) => cell?.observed.length))
    .map(({ r, i }) => `<section id="${anchor(i)}"><h3>${escapeHtml(r.suite)}: ${escapeHtml(r.title)}</h3><ul class="how">${r.differences.map((d) => `<li>${escapeHtml(d.detail)}</li>`).join('')}</ul>${chartsOf(r, cols)}</section>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>initc: ${escapeHtml(cols.map((col) => col.label).join(' vs '))}</title>
<style>${STYLE}</style></head>
<body>
<h1>initc: ${escapeHtml(cols.map((col) => col.label).join(' vs '))}</h1>
<p>${c.summary.differing} of ${c.summary.tests} tests differ between the runs; they come first. Versions are what each cluster reported.</p>
${runs.join('\n')}
<h2>Features</h2>
<p>The init-container feature gates each cluster reported in force (kubernetes_feature_enabled on the API server's and the kubelet's /metrics), and what each run asked its cluster for.</p>
${featureTable}
<p>The suites that test a gated feature: what each run did of them (a suite skips, naming the gate, where the cluster runs it off).</p>
${gatedSuiteTable}
<h2>Tests</h2>
<table class="tests"><tr><th>test</th>${th}</tr>
${rows.join('\n')}
</table>
<h2>Timelines of the tests that differ</h2>
<p>STATUS (as the API server printed it) over the time since each pod's timeline started; dashed red lines are injected faults. Hover a point for its time.</p>
${details.join('\n') || '<p class="absent">No differing test recorded a pod timeline.</p>'}
</body></html>
`;
}
