/**
 * The conformance report of one run, to hand on: conformance.json (the results model, byte for
 * byte what its digest covers) and conformance.md, which prints that digest so a reader can check
 * with `sha256sum conformance.json` that the record was not edited.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256 } from '../util/fsx.js';
import { codeBlock, escapeCell, formatDuration, statusMark } from './format.js';
import type { ResultsModel, TestRecord } from './model.js';
import { buildResultsModel } from './build-model.js';
import { modelJson, writeResultsModel } from './model.js';
import type { PlannedTest } from './plan.js';
import { conformanceVerdict, verdictSentences } from './verdict.js';

export const CONFORMANCE_JSON = 'conformance.json';
export const CONFORMANCE_MD = 'conformance.md';

function unknown(v: string | null): string {
  return v ?? 'unknown';
}

/** A line of prose that Markdown reads as it is (no heading, list or emphasis from a test's title). */
function escapeMarkdownLine(s: string): string {
  return s.replace(/([\\`*_[\]<#|])/g, '\\$1');
}

function identityLines(model: ResultsModel): string[] {
  const c = model.cluster;
  const duration = model.run.start && model.run.end ? ` (${formatDuration(Date.parse(model.run.end) - Date.parse(model.run.start))})` : '';
  return [
    '| | |',
    '|---|---|',
    `| server (gitVersion) | ${escapeCell(unknown(c.serverVersion))} |`,
    `| kubelet | ${escapeCell(unknown(c.kubeletVersion))} |`,
    `| container runtime | ${escapeCell(unknown(c.containerRuntime))} |`,
    `| node OS | ${escapeCell(unknown(c.nodeOS))} |`,
    `| kernel | ${escapeCell(unknown(c.kernel))} |`,
    `| provider | ${escapeCell(unknown(c.provider))} |`,
    `| node(s) the tests ran on | ${escapeCell(unknown(c.nodes ?? null))} |`,
    `| initc | ${escapeCell(unknown(model.initc.version))}, suites revision \`${model.initc.suitesRevision}\` |`,
    `| run | ${unknown(model.run.start)} → ${unknown(model.run.end)}${duration} |`,
    `| chaos seed | ${escapeCell(unknown(model.run.chaosSeed))} |`,
    `| fixture image | ${escapeCell(unknown(model.run.fixtureImage))} |`,
  ];
}

/**
 * The known upstream bugs the failed checks say they reproduce: a check that provokes one ends its
 * failure with "reproduces the known upstream bug <bug>: …" (lib/checks/stale-sandbox.ts).
 */
export function upstreamBugsReproduced(tests: readonly TestRecord[]): string[] {
  return tests.flatMap((t) => {
    const bug = t.status === 'failed' ? t.message?.match(/reproduces the known upstream bug (.+?): /)?.[1] : undefined;
    return bug ? [`${t.suite} — ${t.title}: reproduces the known upstream bug ${bug}; its evidence is under "Failures"`] : [];
  });
}

function failureSection(t: TestRecord): string[] {
  const lines = [`### ${t.status.toUpperCase()}: ${t.suite} — ${t.title}`, '', codeBlock(t.excerpt?.message.join('\n') ?? t.message ?? '(no message)')];
  for (const tl of t.excerpt?.timelines ?? []) lines.push('', `Last rows of the timeline of pod \`${tl.pod}\`:`, '', codeBlock(tl.rows));
  if (t.missingEvidence.length) lines.push('', 'Missing evidence:', ...t.missingEvidence.map((m) => `- ${m}`));
  if (t.evidenceProblems.length) lines.push('', 'Evidence the run could not collect:', ...t.evidenceProblems.map((m) => `- ${m}`));
  return [...lines, ''];
}

/** The Markdown report; `jsonSha256` is the digest of the conformance.json written beside it. */
export function conformanceMarkdown(model: ResultsModel, jsonSha256: string): string {
  const { totals } = model;
  const failures = model.tests.filter((t) => t.status === 'failed' || t.status === 'broken');
  const skipped = model.tests.filter((t) => t.status === 'skipped');
  const withGaps = model.tests.filter((t) => t.missingEvidence.length || (t.evidenceProblems.length && t.status === 'passed'));
  const verdict = conformanceVerdict(model);
  const why = verdictSentences(verdict);
  const lines = [
    `# initc conformance report: ${unknown(model.cluster.serverVersion)}`,
    '',
    `The cluster **${verdict.headline}** to the behaviour initc checks: ${totals.tests} checks, ${totals.passed} passed, ${totals.failed} failed, ${totals.broken} broken, ${totals.skipped} skipped.`,
    '',
    ...(why.length ? [...why.map((s) => escapeMarkdownLine(s)), ''] : []),
    ...identityLines(model),
    '',
    `**SHA-256 of \`${CONFORMANCE_JSON}\`:** \`${jsonSha256}\``,
    '',
    `\`${CONFORMANCE_JSON}\` (schema \`${model.schema}\`) is the record; this page is its reading. Check that it is the one this page describes with \`sha256sum ${CONFORMANCE_JSON}\`.`,
    '',
    '## Checks',
    '',
    '| suite | check | verdict | time |',
    '|---|---|---|---|',
    ...model.tests.map((t) => `| ${escapeCell(t.suite)} | ${escapeCell(t.title)} | ${statusMark(t.status)} | ${formatDuration(t.durationMs)} |`),
    '',
  ];
  const bugs = upstreamBugsReproduced(model.tests);
  if (bugs.length) lines.push('## Known upstream bugs reproduced', '', ...bugs.map((b) => `- ${escapeMarkdownLine(b)}`), '');
  if (failures.length) lines.push('## Failures, with their evidence', '', ...failures.flatMap(failureSection));
  if (skipped.length) lines.push('## Skipped, and why', '', ...skipped.map((t) => `- ${t.suite} — ${t.title}: ${t.message ?? '(no reason recorded)'}`), '');
  const notEnded = model.plan?.notEnded ?? [];
  if (notEnded.length) lines.push(`## Planned, never ended (${notEnded.length} of ${model.plan!.planned})`, '', ...notEnded.map((id) => `- ${escapeMarkdownLine(id)}`), '');
  if (withGaps.length || model.problems.length) {
    lines.push('## Evidence that is missing', '');
    lines.push(...model.problems.map((p) => `- run: ${p}`));
    for (const t of withGaps) lines.push(...[...t.missingEvidence, ...(t.status === 'passed' ? t.evidenceProblems : [])].map((m) => `- ${t.suite} — ${t.title}: ${m}`));
    lines.push('');
  }
  return lines.join('\n');
}

export interface ConformanceFiles {
  json: string;
  markdown: string;
  sha256: string;
}

export async function writeConformanceReport(model: ResultsModel, outDir: string): Promise<ConformanceFiles> {
  await fs.mkdir(outDir, { recursive: true });
  const bytes = Buffer.from(modelJson(model));
  const digest = sha256(bytes);
  const json = path.join(outDir, CONFORMANCE_JSON);
  const markdown = path.join(outDir, CONFORMANCE_MD);
  await fs.writeFile(json, bytes);
  await fs.writeFile(markdown, conformanceMarkdown(model, digest));
  return { json, markdown, sha256: digest };
}

/** The reports `--report` can ask for besides the Allure one. */
export const REPORT_FORMATS = ['conformance'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RunRecords {
  model: ResultsModel;
  results: string;
  conformance?: ConformanceFiles;
}

/** What `run` and `report` write beside the Allure report: results.json always, the conformance report when asked. */
export async function writeRunRecords(resultsDir: string, outDir: string, o: { suitesRevision: string; reports: readonly ReportFormat[]; plan?: readonly PlannedTest[] | null }): Promise<RunRecords> {
  const model = await buildResultsModel(resultsDir, { suitesRevision: o.suitesRevision, plan: o.plan });
  const results = await writeResultsModel(model, outDir);
  const conformance = o.reports.includes('conformance') ? await writeConformanceReport(model, outDir) : undefined;
  return { model, results, conformance };
}
