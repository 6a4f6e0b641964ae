/**
 * `initc report --from DIR...`: the Allure report, JUnit XML and one-screen summary built after the
 * fact from folders of Allure results: a run that was killed (its results are written test by test
 * as it goes, its JUnit only at its end), or several runs merged into one report.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { InitcError } from '../errors.js';
import { generateAllureReport } from '../report/allure.js';
import { REPORT_FORMATS, writeRunRecords } from '../report/conformance.js';
import type { ReportFormat } from '../report/conformance.js';
import { junitXml } from '../report/junit.js';
import { claimRunFolder, currentOwner } from '../report/out-folder.js';
import { PLAN_FILE, PLAN_SCHEMA, readPlan, writePlan } from '../report/plan.js';
import type { RunPlan } from '../report/plan.js';
import { formatSummary, readResults, runVerdict } from '../report/results.js';
import { suitesRevision } from '../report/revision.js';
import { isProcessAlive, processStartTime } from '../util/proc.js';
import { exists } from '../util/fsx.js';
import { commandContext } from './context.js';
import { nonEmpty, nonEmptyList } from './validate.js';

interface ReportArgs {
  from: string[];
  out: string;
  report?: ReportFormat;
}

/**
 * What the sources' runs planned, and the suites revision they recorded when they started (several
 * joined by '+'; the current tree's for a run that recorded no plan). The tests planned are known
 * only when every source recorded its plan.
 */
async function plansOf(sources: string[]): Promise<{ plans: Array<RunPlan | undefined>; revision: string }> {
  const plans = await Promise.all(sources.map((s) => readPlan(s)));
  const revisions = await Promise.all(plans.map(async (p) => p?.suitesRevision ?? suitesRevision()));
  return { plans, revision: [...new Set(revisions)].join('+') };
}

/** A run's --out folder holds allure-results/; a results folder is taken as it is. */
async function resultsFolder(dir: string): Promise<string> {
  const inner = path.join(dir, 'allure-results');
  const folder = (await exists(inner)) ? inner : dir;
  const files = await fs.readdir(folder).catch(() => undefined);
  if (!files) throw new InitcError('usage', `--from ${dir}: no such folder`);
  if (!files.some((f) => f.endsWith('-result.json'))) throw new InitcError('usage', `--from ${dir}: no Allure results (*-result.json) in ${folder}`);
  return folder;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report',
  describe: 'build the Allure report, junit.xml and the summary from Allure results (a killed run\'s, or several runs merged)',
  builder: (y) =>
    y
      .option('from', { type: 'string', array: true, demandOption: true, coerce: nonEmptyList('--from'), describe: 'folders of Allure results: a run\'s --out folder or its allure-results/ (several are merged)' })
      .option('out', { type: 'string', requiresArg: true, default: 'reports', coerce: nonEmpty('--out'), describe: 'folder for allure-results/ (the merged results), allure-report/, junit.xml and results.json' })
      .option('report', { type: 'string', requiresArg: true, choices: REPORT_FORMATS, describe: 'also write this report: conformance (conformance.md and conformance.json, its SHA-256 printed in the Markdown)' }) as never,
  handler: async (a) => {
    const ctx = commandContext();
    const out = path.resolve(a.out);
    const merged = path.join(out, 'allure-results');
    const sources = await Promise.all(a.from.map((d) => resultsFolder(path.resolve(d))));
    const { plans, revision } = await plansOf(sources);
    // --out is this report's: an earlier report's or run's files in it go, but never the results it reads.
    const readsOwnFolder = sources.includes(merged);
    const owner = currentOwner((await processStartTime(process.pid)) ?? '');
    const removed = await claimRunFolder(out, owner, isProcessAlive, readsOwnFolder ? ['allure-results', PLAN_FILE] : []);
    if (removed.length) ctx.progress.info(`--out ${out}: removed what an earlier run or report left (${removed.join(', ')})`);
    const planned = plans.every((p) => p) ? plans.flatMap((p) => p!.tests) : null;
    if (planned && !(readsOwnFolder && sources.length === 1)) {
      await writePlan({ schema: PLAN_SCHEMA, startedAt: plans.map((p) => p!.startedAt).sort()[0]!, suitesRevision: revision, suites: [...new Set(plans.flatMap((p) => p!.suites))], grep: null, owner, tests: planned }, out);
    }
    await ctx.progress.step(`results from ${sources.join(', ')}`, async () => {
      await fs.mkdir(merged, { recursive: true });
      // Result and attachment files are named by UUID, so several runs' files sit side by side.
      for (const src of sources) if (path.resolve(src) !== merged) await fs.cp(src, merged, { recursive: true });
    });
    const results = await readResults(merged);
    const reportDir = path.join(out, 'allure-report');
    await ctx.progress.step('Allure report', () => generateAllureReport(merged, reportDir));
    await fs.writeFile(path.join(out, 'junit.xml'), junitXml(results));
    const records = await writeRunRecords(merged, out, { suitesRevision: revision, reports: a.report ? [a.report] : [], plan: planned });
    process.stdout.write(`\n${formatSummary(results)}\n`);
    ctx.progress.info(`report: ${path.join(reportDir, 'index.html')}\njunit:  ${path.join(out, 'junit.xml')}\nresults: ${records.results}`);
    if (records.conformance) ctx.progress.info(`conformance: ${records.conformance.markdown} (SHA-256 of ${records.conformance.json}: ${records.conformance.sha256})`);
    if (!planned) ctx.progress.info(`✘ ${sources.filter((_, i) => !plans[i]).join(', ')}: no ${PLAN_FILE}, so which tests never ended is unknown`);
    const verdict = runVerdict(results, 0, records.model.plan?.notEnded);
    if (verdict) throw verdict;
  },
};
