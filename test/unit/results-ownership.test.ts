/**
 * Results are the current run's, or none: `run`, `report` and `compare` own their --out folder, an
 * earlier run's files never pass for this one's, and compare never shows a stale column. No
 * cluster: the runs here end at connecting to a kubeconfig that does not exist (exit 7), after
 * they claimed their folder.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { RunExitError, exitMeaning, runsVerdict } from '../../lib/cli/compare-runs.js';
import type { FinishedRun, PlannedRun } from '../../lib/cli/compare-runs.js';
import { ExitCode } from '../../lib/errors.js';
import { buildResultsModel } from '../../lib/report/build-model.js';
import { compareRuns, differencesOf, failureGist, loadRun } from '../../lib/report/compare.js';
import type { CompareCell } from '../../lib/report/compare.js';
import { compareMarkdown } from '../../lib/report/markdown.js';
import { compareHtml } from '../../lib/report/html.js';
import { writeResultsModel } from '../../lib/report/model.js';
import { claimRunFolder, ownEntries, refuseLiveOwner } from '../../lib/report/out-folder.js';
import { PLAN_SCHEMA, writePlan } from '../../lib/report/plan.js';
import type { FolderOwner, RunPlan } from '../../lib/report/plan.js';
import { isProcessAlive, processStartTime } from '../../lib/util/proc.js';
import { projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';

const RUN_134 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.34');
const RUN_136 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.36');
const NO_CLUSTER = ['--kubeconfig', '/nonexistent/initc-test-kubeconfig'];

/** An --out folder as an earlier run left it, with a file of the user's beside. */
async function earlierRunFolder(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-own-'));
  await fs.cp(path.join(RUN_136, 'allure-results'), path.join(dir, 'allure-results'), { recursive: true });
  await writeResultsModel(await buildResultsModel(RUN_136, { suitesRevision: 'earlier00000', plan: null }), dir);
  for (const f of ['conformance.json', 'conformance.md', 'junit.xml', 'junit-1.xml', 'allurerc.json']) await fs.writeFile(path.join(dir, f), 'earlier');
  await fs.mkdir(path.join(dir, 'allure-report'));
  await fs.writeFile(path.join(dir, 'notes.txt'), 'mine');
  return dir;
}

const me = async (): Promise<FolderOwner> => ({ host: os.hostname(), pid: process.pid, startTime: (await processStartTime(process.pid))!, command: 'mocha' });
const markerOf = (o: FolderOwner) => `.initc-owner-${o.host}-${o.pid}-${o.startTime}`;
const planBy = (owner: FolderOwner): RunPlan => ({ schema: PLAN_SCHEMA, startedAt: '2026-01-01T00:00:00.000Z', suitesRevision: 'r', suites: ['order'], grep: null, owner, tests: [] });

describe('results ownership: a run\'s --out folder is its own', function () {
  this.timeout(60_000);
  const made: string[] = [];
  afterEach(async () => {
    for (const d of made.splice(0)) await fs.rm(d, { recursive: true, force: true });
  });

  it('claimRunFolder removes initc\'s own files, keeps the user\'s, and keeps what it is told to', async () => {
    const dir = await earlierRunFolder();
    made.push(dir);
    expect(ownEntries(await fs.readdir(dir))).to.deep.equal(['allure-report', 'allure-results', 'allurerc.json', 'conformance.json', 'conformance.md', 'junit-1.xml', 'junit.xml', 'results.json']);
    const alive = async () => true;
    expect(await claimRunFolder(dir, await me(), alive, ['allure-results'])).to.deep.equal(['allure-report', 'allurerc.json', 'conformance.json', 'conformance.md', 'junit-1.xml', 'junit.xml', 'results.json']);
    const marker = markerOf(await me());
    expect((await fs.readdir(dir)).sort()).to.deep.equal([marker, 'allure-results', 'notes.txt']);
    expect(await claimRunFolder(dir, await me(), alive)).to.deep.equal(['allure-results']);
    expect((await fs.readdir(dir)).sort()).to.deep.equal([marker, 'notes.txt']);
    expect(await claimRunFolder(path.join(dir, 'new'), await me(), alive)).to.deep.equal([]);
    expect(await fs.readdir(path.join(dir, 'new'))).to.deep.equal([marker]);
  });

  it('refuses (exit 13) a folder whose plan names a live run on this machine; takes over a dead one\'s, its own, or another machine\'s', async () => {
    const dir = await earlierRunFolder();
    made.push(dir);
    const other: FolderOwner = { host: os.hostname(), pid: 1, startTime: '1', command: 'initc run --out x' };
    await writePlan(planBy(other), dir);
    const err = await claimRunFolder(dir, await me(), async () => true).then(() => undefined, (e: { exitCode: number; message: string }) => e);
    expect(err?.exitCode).to.equal(ExitCode.busy);
    expect(err?.message).to.equal(`${dir} is the --out folder of a live run (pid 1: initc run --out x); give this one another --out`);
    expect(await fs.readdir(dir)).to.include('results.json');
    expect(await fs.readdir(dir), 'the refused claim withdrew its marker').not.to.include(markerOf(await me()));
    await refuseLiveOwner(dir, await me(), async () => false);
    await writePlan(planBy({ ...other, host: 'elsewhere' }), dir);
    await refuseLiveOwner(dir, await me(), async () => true);
    await writePlan(planBy(await me()), dir);
    await refuseLiveOwner(dir, await me(), async () => true);
    expect(await claimRunFolder(dir, await me(), async () => true)).to.include('results.json');
  });

  it('a process is alive by pid and start time, never by pid alone', async () => {
    const self = await me();
    expect(await isProcessAlive(self)).to.equal(true);
    expect(await isProcessAlive({ ...self, startTime: `${self.startTime}1` })).to.equal(false);
    expect(await isProcessAlive({ pid: 2 ** 22 + 1, startTime: '1' })).to.equal(false);
  });

  it('`initc run` into a folder an earlier run used: its results, reports and JUnit are gone before the run starts; the plan is written; the user\'s file stays', async () => {
    const dir = await earlierRunFolder();
    made.push(dir);
    const r = await initc(['run', ...NO_CLUSTER, '--suite', 'validation,order', '--grep', 'Probe|spec order', '--out', dir]);
    expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.kubeconfig);
    expect(String(r.stderr)).to.include(`--out ${dir}: removed what an earlier run left (allure-report, allure-results, allurerc.json, conformance.json, conformance.md, junit-1.xml, junit.xml, results.json)`);
    expect((await fs.readdir(dir)).filter((n) => !n.startsWith('.initc-owner-')).sort()).to.deep.equal(['allure-results', 'notes.txt', 'plan.json']);
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('.initc-owner-')), 'the run\'s marker').to.have.length(1);
    expect(await fs.readdir(path.join(dir, 'allure-results'))).to.deep.equal([]);
    const plan = JSON.parse(await fs.readFile(path.join(dir, 'plan.json'), 'utf8')) as RunPlan;
    expect(plan.schema).to.equal(PLAN_SCHEMA);
    expect(plan.suites).to.deep.equal(['validation', 'order']);
    expect(plan.grep).to.equal('Probe|spec order');
    expect(plan.suitesRevision).to.match(/^[0-9a-f]{12}$/);
    expect(plan.owner.host).to.equal(os.hostname());
    expect(plan.tests.map((t) => t.id)).to.deep.equal([
      'validation > livenessProbe on a plain init container → 422 Invalid, one FieldValueForbidden at spec.initContainers[1].livenessProbe; dry run the same; nothing created',
      'validation > readinessProbe on a plain init container → 422 Invalid, one FieldValueForbidden at spec.initContainers[1].readinessProbe; dry run the same; nothing created',
      'validation > startupProbe on a plain init container → 422 Invalid, one FieldValueForbidden at spec.initContainers[1].startupProbe; dry run the same; nothing created',
      'order > three init containers run in spec order, then the app; STATUS and Initialized only move forward',
    ]);
  });

  it('`initc run` into the folder of a live run is refused (exit 13) and touches nothing', async () => {
    const dir = await earlierRunFolder();
    made.push(dir);
    await writePlan(planBy(await me()), dir); // this test process: alive, and not the run's CLI
    const before = (await fs.readdir(dir)).sort();
    const r = await initc(['run', ...NO_CLUSTER, '--suite', 'order', '--out', dir]);
    expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.busy);
    expect(String(r.stderr).trim()).to.equal(`initc: ${dir} is the --out folder of a live run (pid ${process.pid}: mocha); give this one another --out`);
    expect((await fs.readdir(dir)).sort()).to.deep.equal(before);
  });
});

describe('results ownership: `initc report` and `initc compare`', function () {
  this.timeout(120_000);
  const made: string[] = [];
  afterEach(async () => {
    for (const d of made.splice(0)) await fs.rm(d, { recursive: true, force: true });
  });

  it('`initc report --out` holding an earlier run\'s results merges nothing of them, and takes the suites revision from the run\'s plan, not a stale results.json', async () => {
    const src = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-own-src-'));
    made.push(src);
    await fs.cp(path.join(RUN_136, 'allure-results'), path.join(src, 'allure-results'), { recursive: true });
    const planned = (await buildResultsModel(RUN_136, { suitesRevision: 'x', plan: null })).tests.map((t) => ({ id: t.id, suite: t.suite, title: t.title }));
    await writePlan({ ...planBy({ host: os.hostname(), pid: 1, startTime: '1', command: 'dead' }), suitesRevision: 'fromplan0000', tests: planned }, src);
    await writeResultsModel(await buildResultsModel(RUN_134, { suitesRevision: 'stale0000000', plan: null }), src);
    const out = await earlierRunFolder();
    made.push(out);
    await fs.cp(path.join(RUN_134, 'allure-results'), path.join(out, 'allure-results'), { recursive: true });
    const r = await initc(['report', '--from', src, '--out', out, '--report', 'conformance']);
    expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.testsFailed);
    const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8'));
    expect(results.initc.suitesRevision).to.equal('fromplan0000');
    expect(results.totals).to.deep.equal({ tests: 6, passed: 5, failed: 1, broken: 0, skipped: 0 });
    expect(results.plan).to.deep.equal({ planned: 6, notEnded: [] });
    const junit = await fs.readFile(path.join(out, 'junit.xml'), 'utf8');
    expect([...junit.matchAll(/<testcase /g)]).to.have.length(6);
    expect(await fs.readFile(path.join(out, 'notes.txt'), 'utf8')).to.equal('mine');
  });

  it('`initc report --from` a killed run (planned tests without results) exits 1, names them, and its conformance says so', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-own-killed-'));
    made.push(dir);
    await fs.cp(path.join(RUN_134, 'allure-results'), path.join(dir, 'allure-results'), { recursive: true });
    const planned = (await buildResultsModel(RUN_134, { suitesRevision: 'x', plan: null })).tests.map((t) => ({ id: t.id, suite: t.suite, title: t.title }));
    const killed = { id: 'always > it never ended', suite: 'always', title: 'it never ended' };
    await writePlan({ ...planBy({ host: os.hostname(), pid: 1, startTime: '1', command: 'killed' }), tests: [...planned, killed] }, dir);
    const r = await initc(['report', '--from', dir, '--out', dir, '--report', 'conformance']);
    expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.testsFailed);
    expect(String(r.stderr)).to.include('initc: 1 planned test(s) never ended (always > it never ended); see the report');
    const md = await fs.readFile(path.join(dir, 'conformance.md'), 'utf8');
    expect(md).to.include('The cluster **does NOT conform**');
    expect(md).to.include('## Planned, never ended (1 of 8)\n\n- always > it never ended\n');
    expect(md).to.include('### BROKEN: always — it never ended');
    // Its own results were read, not removed: 7 ended, 1 never did.
    expect(JSON.parse(await fs.readFile(path.join(dir, 'results.json'), 'utf8')).totals).to.deep.equal({ tests: 8, passed: 6, failed: 0, broken: 1, skipped: 1 });
  });

  it('compare reads a run folder\'s Allure results, not a stale results.json beside them', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-own-stale-'));
    made.push(dir);
    await fs.cp(path.join(RUN_136, 'allure-results'), path.join(dir, 'allure-results'), { recursive: true });
    await writeResultsModel(await buildResultsModel(RUN_134, { suitesRevision: 'stale0000000', plan: null }), dir);
    const run = await loadRun(dir, async () => 'current00000');
    expect(run.model.cluster.serverVersion).to.equal('v1.36.5');
    expect(run.model.initc.suitesRevision).to.equal('current00000');
    await fs.rm(path.join(dir, 'allure-results'), { recursive: true });
    expect((await loadRun(dir, async () => 'current00000')).model.cluster.serverVersion, 'results.json alone is read').to.equal('v1.34.12');
  });

  it('`initc compare --context` empties its runs/ and its pages before its runs, and ends with a failed run\'s own exit code (7), not 8', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-own-compare-'));
    made.push(out);
    await fs.cp(RUN_134, path.join(out, 'runs', 'context-a'), { recursive: true });
    await fs.cp(RUN_136, path.join(out, 'runs', 'old-column'), { recursive: true });
    for (const f of ['compare.html', 'compare.md', 'compare.json']) await fs.writeFile(path.join(out, f), 'earlier');
    const r = await initc(['compare', '--context', 'a,b', '--kubeconfig', '/nonexistent/initc-test-kubeconfig', '--out', out]);
    const stderr = String(r.stderr);
    expect(r.exitCode, stderr).to.equal(ExitCode.kubeconfig);
    expect(stderr).to.include(`--out ${out}: removed the runs an earlier comparison made (runs/)`);
    expect(stderr).to.match(/initc: the run of a ended with exit 7 \(kubeconfig cannot be read, has no such context, its cluster cannot be reached, or its identity may not do what the command needs \(named\)\): .*; the run of b ended with exit 7 /);
    expect((await fs.readdir(out)).sort()).to.deep.equal(['runs']);
    expect((await fs.readdir(path.join(out, 'runs'))).sort()).to.deep.equal(['context-a', 'context-b']);
    expect((await fs.readdir(path.join(out, 'runs', 'context-a'))).filter((n) => !n.startsWith('.initc-owner-')).sort(), 'no stale results in a run that never reached its cluster').to.deep.equal(['allure-results', 'plan.json']);
  });

  it('`initc compare --from` that fails leaves no page of an earlier comparison', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-own-from-'));
    made.push(out);
    for (const f of ['compare.html', 'compare.md', 'compare.json']) await fs.writeFile(path.join(out, f), 'earlier');
    const r = await initc(['compare', '--from', RUN_134, path.join(out, 'nope'), '--out', out]);
    expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.usage);
    expect(await fs.readdir(out)).to.deep.equal([]);
  });
});

describe('compare: each run\'s own exit, and failures that differ only in why', () => {
  const done = (label: string, exitCode: number, error?: string): FinishedRun => ({ run: { label, folder: label, args: [] } as PlannedRun, out: `/o/${label}`, exitCode, error });

  it('a run that could not run ends the comparison with its own exit code and meaning; every such run is named', () => {
    const one = runsVerdict([done('1.34', 0), done('1.36', 12, 'no test ran')])!;
    expect(one).to.be.instanceOf(RunExitError);
    expect([one.exitCode, one.message]).to.deep.equal([12, 'the run of 1.36 ended with exit 12 (no test ran: --suite/--grep selected nothing, or every selected test was skipped): no test ran (its folder: /o/1.36)']);
    const two = runsVerdict([done('1.34', 15, 'image'), done('1.36', 70)])!;
    expect(two.exitCode).to.equal(15);
    expect(two.message).to.equal('the run of 1.34 ended with exit 15 (the fixture image cannot be pulled or run, or lacks a command the fixtures need (named)): image (its folder: /o/1.34); the run of 1.36 ended with exit 70 (an internal error (a bug)): see its output above (its folder: /o/1.36)');
    expect(runsVerdict([done('1.34', 9)])!.exitCode).to.equal(ExitCode.buildFailed);
    expect(exitMeaning(99)).to.equal('an exit code initc does not give');
    expect(runsVerdict([done('1.34', 1), done('1.36', 0)])!.exitCode).to.equal(ExitCode.testsFailed);
  });

  const failed = (message: string, status: CompareCell['status'] = 'failed'): CompareCell => ({ status, message, durationMs: 1, observed: [], missingEvidence: [], evidenceProblems: [] });

  it('an assertion failure on one run and a timeout on the other is a difference, with both reasons', () => {
    const assertion = 'expected STATUS Init:CrashLoopBackOff or Init:Error in the last row; observed Init:0/3\nrows...';
    const timeout = 'Timeout of 600000ms exceeded. For async tests and hooks, ensure "done()" is called';
    expect(differencesOf([failed(assertion), failed(timeout)], ['v1.34', 'v1.36'])).to.deep.equal([
      { kind: 'failure', pod: null, detail: `why it failed: failed on v1.34: expected STATUS Init:CrashLoopBackOff or Init:Error in the last row; observed Init:0/3; failed on v1.36: ${timeout}` },
    ]);
    // The same failure read with other numbers and names is the same.
    expect(differencesOf([failed('expected restartCount 4 of init-b in pod crashloop-x7f2k within 90 s'), failed('expected restartCount 4 of init-b in pod crashloop-q1z9a within 120 s')], ['a', 'b'])).to.deep.equal([]);
    expect(failureGist('pod p-1a2b waited 12.5 s at 2026-01-01T00:00:00Z\nmore')).to.equal('pod # waited # s at #');
    expect(differencesOf([failed(assertion), failed(assertion)], ['a', 'b'])).to.deep.equal([]);
    expect(differencesOf([failed(assertion), failed(timeout, 'broken')], ['a', 'b']).map((d) => d.kind)).to.deep.equal(['outcome', 'failure']);
    expect(differencesOf([failed(assertion), null], ['a', 'b']).map((d) => d.kind)).to.deep.equal(['onlyInSome']);
  });

  it('such a row comes first and is not folded into "the same on every run"; the runs\' verdicts and problems are shown', async () => {
    const a = await loadRun(RUN_134, async () => 'x');
    const b = await loadRun(RUN_136, async () => 'x');
    const asTimeout = { ...b, model: { ...b.model, tests: b.model.tests.map((t) => (t.suite === 'onfailure' ? { ...t, message: 'Timeout of 600000ms exceeded.' } : t)) } };
    const withFailure = { ...a, model: { ...a.model, tests: a.model.tests.map((t) => (t.suite === 'onfailure' ? { ...t, status: 'failed' as const, message: 'expected STATUS Init:CrashLoopBackOff' } : t)) } };
    const c = compareRuns([withFailure, asTimeout], '/r');
    const row = c.rows.find((r) => r.suite === 'onfailure')!;
    expect(row.differences.map((d) => d.kind)).to.include('failure');
    expect(c.rows.indexOf(row)).to.be.below(c.rows.findIndex((r) => !r.differs));
    const md = compareMarkdown(c);
    expect(md.slice(md.indexOf('<details>'))).not.to.include('**onfailure**');
    expect(md).to.include('why it failed: failed on v1.34.12: expected STATUS Init:CrashLoopBackOff; failed on v1.36.5: Timeout of 600000ms exceeded.');
    expect(md).to.include('_Timeout of 600000ms exceeded._');
    expect(md).to.include('| verdict | was not shown to conform | does NOT conform |');
    expect(md).to.include('| problems | no plan recorded: which tests never ended is unknown | no plan recorded: which tests never ended is unknown |');
    expect(compareHtml(c)).to.include('<tr><th>verdict</th><td>was not shown to conform</td><td>does NOT conform</td></tr>');
  });

  it('a test whose result file is cut short reads as its status in compare, and an unreadable one as "no result", never "not run"', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-own-cut-'));
    try {
      await fs.cp(path.join(RUN_136, 'allure-results'), path.join(dir, 'allure-results'), { recursive: true });
      const folder = path.join(dir, 'allure-results');
      let onfailure = '';
      for (const f of (await fs.readdir(folder)).filter((n) => n.endsWith('-result.json'))) if ((await fs.readFile(path.join(folder, f), 'utf8')).includes('"onfailure: ')) onfailure = path.join(folder, f);
      const text = await fs.readFile(onfailure, 'utf8');
      await fs.writeFile(onfailure, text.slice(0, text.indexOf('"links"')));
      const cut = compareRuns([await loadRun(RUN_134, async () => 'x'), await loadRun(dir, async () => 'x')], '/r');
      const row = cut.rows.find((r) => r.suite === 'onfailure')!;
      expect(row.cells[1]!.status).to.equal('failed');
      expect(cut.columns[1]!.problems[0]).to.match(/^result file .* cannot be read: /);
      await fs.writeFile(onfailure, '{"uu');
      const lost = compareRuns([await loadRun(RUN_134, async () => 'x'), await loadRun(dir, async () => 'x')], '/r');
      const lostRow = lost.rows.find((r) => r.suite === 'onfailure')!;
      expect(lostRow.cells[1]).to.equal(null);
      expect(compareMarkdown(lost)).to.include('— (no result (a result file of this run cannot be read))');
      expect(compareHtml(lost)).to.include('<td class="absent">no result (a result file of this run cannot be read)</td>');
      expect(compareMarkdown(compareRuns([await loadRun(RUN_134, async () => 'x'), await loadRun(RUN_136, async () => 'x')], '/r'))).to.include('— (not run)');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
