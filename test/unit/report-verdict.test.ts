/**
 * The conformance verdict is earned (skips, missing evidence, problems and an unknown plan keep it
 * from "conforms"), planned tests that never ended are broken, a result file cut short keeps its
 * test's verdict, and the suites revision covers every module that decides a verdict.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { V1Node } from '@kubernetes/client-node';
import { nodesEnvironment } from '../../lib/cli/environment.js';
import { planSuiteFiles } from '../../lib/cli/plan-suites.js';
import { ExitCode } from '../../lib/errors.js';
import { buildResultsModel, salvageResult } from '../../lib/report/build-model.js';
import type { ResultsModel, TestRecord } from '../../lib/report/model.js';
import { PLAN_SCHEMA, grepRegExp, planOutcome, plannedTests, readPlan } from '../../lib/report/plan.js';
import type { PlannedTest, RunPlan } from '../../lib/report/plan.js';
import { readResults, runVerdict } from '../../lib/report/results.js';
import { SUITES_REVISION_ROOTS, revisionFiles, suitesRevision } from '../../lib/report/revision.js';
import { conformanceVerdict, verdictSentences, whyNotShown } from '../../lib/report/verdict.js';
import { projectRoot } from '../../lib/util/paths.js';
import { skipInMutationRun } from '../support/mutation-run.js';

const RUN_134 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.34');
const RUN_136 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.36');

const planOf = (m: ResultsModel): PlannedTest[] => m.tests.map((t) => ({ id: t.id, suite: t.suite, title: t.title }));
const named = (t: TestRecord) => `${t.suite} — ${t.title}`;

async function copyOfRun(run: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-verdict-'));
  await fs.cp(path.join(run, 'allure-results'), path.join(dir, 'allure-results'), { recursive: true });
  return dir;
}

async function resultFileOf(dir: string, suite: string): Promise<string> {
  const folder = path.join(dir, 'allure-results');
  for (const f of (await fs.readdir(folder)).filter((n) => n.endsWith('-result.json'))) {
    const text = await fs.readFile(path.join(folder, f), 'utf8');
    if ((JSON.parse(text).labels as Array<{ name: string; value: string }>).some((l) => l.name === 'parentSuite' && l.value.startsWith(`${suite}:`))) return path.join(folder, f);
  }
  throw new Error(`no result of ${suite}`);
}

describe('conformance verdict: earned, never assumed', () => {
  let m134: ResultsModel;
  let m136: ResultsModel;
  before(async () => {
    m134 = await buildResultsModel(RUN_134, { suitesRevision: 'x', plan: null });
    m136 = await buildResultsModel(RUN_136, { suitesRevision: 'x', plan: null });
  });

  /** v1.36's run as if every check passed with its evidence complete, and its plan recorded. */
  const allPassed = (): Pick<ResultsModel, 'tests' | 'problems' | 'plan'> => ({
    tests: m136.tests.map((t) => ({ ...t, status: 'passed' as const, missingEvidence: [], evidenceProblems: [] })),
    problems: [],
    plan: { planned: m136.tests.length, notEnded: [] },
  });

  it('conforms only when every planned check passed with its evidence (the control)', () => {
    const v = conformanceVerdict(allPassed());
    expect(v).to.deep.equal({ outcome: 'conforms', headline: 'conforms', failed: [], notShownFor: [], reasons: [] });
    expect(verdictSentences(v)).to.deep.equal([]);
  });

  it('1 passed and 20 skipped does not conform: the skipped checks are named', () => {
    const base = allPassed();
    const skipped = Array.from({ length: 20 }, (_, i) => ({ ...base.tests[0]!, id: `s > t${i}`, suite: 's', title: `t${i}`, status: 'skipped' as const }));
    const v = conformanceVerdict({ ...base, tests: [base.tests[0]!, ...skipped] });
    expect(v.outcome).to.equal('not shown');
    expect(v.headline).to.equal('was not shown to conform');
    expect(v.notShownFor).to.have.length(20);
    expect(v.notShownFor[0]).to.equal('s — t0 (skipped)');
    expect(verdictSentences(v)[0]).to.match(/^It does not show conformance for: s — t0 \(skipped\); s — t1 \(skipped\); .* s — t19 \(skipped\)\.$/);
  });

  it('missing evidence, evidence not collected, a run problem, or no plan each keep it from "conforms"', () => {
    const withMissing = allPassed();
    withMissing.tests[1] = { ...withMissing.tests[1]!, missingEvidence: ['pod status: its file x cannot be read (ENOENT)'] };
    expect(conformanceVerdict(withMissing).notShownFor).to.deep.equal([`${named(withMissing.tests[1]!)} (1 piece of evidence missing)`]);
    const withProblems = allPassed();
    withProblems.tests[2] = { ...withProblems.tests[2]!, evidenceProblems: ['events: 500', 'log app: 404'] };
    expect(conformanceVerdict(withProblems).notShownFor).to.deep.equal([`${named(withProblems.tests[2]!)} (2 pieces of evidence missing)`]);
    const runProblem = { ...allPassed(), problems: ['environment.properties cannot be read (ENOENT)'] };
    expect(conformanceVerdict(runProblem)).to.include({ outcome: 'not shown', headline: 'was not shown to conform' });
    expect(conformanceVerdict(runProblem).reasons).to.deep.equal(['environment.properties cannot be read (ENOENT)']);
    for (const plan of [null, undefined]) {
      const v = conformanceVerdict({ ...allPassed(), plan });
      expect(v.outcome, String(plan)).to.equal('not shown');
      expect(v.reasons).to.deep.equal(['the run recorded no plan, so whether every planned check ended is unknown']);
      expect(verdictSentences(v)).to.deep.equal(['Also: the run recorded no plan, so whether every planned check ended is unknown.']);
    }
  });

  it('a failure does not conform; nothing passed is "not shown (no check passed)"', () => {
    const v = conformanceVerdict(m136);
    expect(v.outcome).to.equal('does not conform');
    expect(v.headline).to.equal('does NOT conform');
    expect(v.failed).to.deep.equal([named(m136.tests.find((t) => t.status === 'failed')!)]);
    expect(verdictSentences(v)[0]).to.match(/^Failed, broken or never ended: onfailure — /);
    const none = conformanceVerdict({ ...allPassed(), tests: allPassed().tests.map((t) => ({ ...t, status: 'skipped' as const })) });
    expect(none).to.include({ outcome: 'not shown', headline: 'was not shown to conform (no check passed)' });
    expect(whyNotShown({ ...m136.tests[0]!, status: 'passed', missingEvidence: [], evidenceProblems: [] })).to.equal(null);
    // Two failures, one with evidence missing: named once, among the failures; two reasons.
    const two = allPassed();
    two.tests[0] = { ...two.tests[0]!, status: 'failed', missingEvidence: ['x'] };
    two.tests[1] = { ...two.tests[1]!, status: 'broken' };
    const v2 = conformanceVerdict({ ...two, problems: ['p1', 'p2'] });
    expect(v2.notShownFor).to.deep.equal([]);
    expect(verdictSentences(v2)).to.deep.equal([`Failed, broken or never ended: ${named(two.tests[0]!)}; ${named(two.tests[1]!)}.`, 'Also: p1; p2.']);
  });

  it('the model carries the verdict, and v1.34\'s sample run (a skip, a missing attachment) is not shown to conform', async () => {
    const m = await buildResultsModel(RUN_134, { suitesRevision: 'x', plan: planOf(m134) });
    expect(m.plan).to.deep.equal({ planned: 7, notEnded: [] });
    expect(m.verdict!.outcome).to.equal('not shown');
    expect(m.verdict!.notShownFor.map((s) => s.replace(/ — .*\(/, ' (')).sort()).to.deep.equal(['chaos-kill (skipped)', 'order (1 piece of evidence missing)']);
  });
});

describe('the plan: which tests a run meant to run, and which never ended', () => {
  const tree = {
    title: '',
    tests: [],
    suites: [
      { title: 'order: in order', tests: [{ title: 'a runs first' }, { title: 'b Runs' }], suites: [] },
      { title: 'validation: fields', tests: [], suites: [{ title: 'nested', tests: [{ title: 'c' }], suites: [] }] },
    ],
  };

  it('lists every test under its top-level describe, filtered by --grep as Mocha reads it (full title, /re/flags)', () => {
    expect(plannedTests(tree)).to.deep.equal([
      { id: 'order > a runs first', suite: 'order', title: 'a runs first' },
      { id: 'order > b Runs', suite: 'order', title: 'b Runs' },
      { id: 'validation > c', suite: 'validation', title: 'c' },
    ]);
    expect(plannedTests(tree, 'runs').map((t) => t.title)).to.deep.equal(['a runs first']);
    expect(plannedTests(tree, '/runs/i').map((t) => t.title)).to.deep.equal(['a runs first', 'b Runs']);
    expect(plannedTests(tree, 'fields nested c').map((t) => t.id)).to.deep.equal(['validation > c']);
    expect(plannedTests({ title: 'root', tests: [], suites: [{ title: '', tests: [{ title: 'd' }], suites: [] }] }, '^ d$').map((t) => t.id), 'Mocha joins an empty describe title too, never the root\'s').to.deep.equal([' > d']);
    expect(grepRegExp('/a.b/').source).to.equal('a.b');
    expect(grepRegExp('/a.b/i').flags).to.equal('i');
    expect(grepRegExp('x/a/').source, 'a pattern that only ends like /re/').to.equal('x\\/a\\/');
    expect(grepRegExp('/a/x').source, 'no such flag: the whole text is the pattern').to.equal('\\/a\\/x');
    expect(grepRegExp('a|b').test('b')).to.equal(true);
  });

  it('plans the real suite files without running them, and a later load of the same files still defines their tests', async function () {
    this.timeout(60_000);
    // Loading the real suites inside a test loads the verdict modules again under it: Stryker would
    // take every load-time mutant of them for one this test covers, and run each in a new process.
    skipInMutationRun();
    const files = ['order.spec.ts', 'validation.spec.ts'].map((f) => path.join(projectRoot(), 'suites', f));
    const planned = await planSuiteFiles(files);
    const m134 = await buildResultsModel(RUN_134, { suitesRevision: 'x', plan: null });
    const recorded = m134.tests.filter((t) => t.suite === 'order' || t.suite === 'validation').map((t) => t.id);
    expect(planned.map((t) => t.id).filter((id) => recorded.includes(id)).sort()).to.deep.equal([...recorded].sort());
    expect(planned.filter((t) => t.suite === 'validation')).to.have.length(6);
    expect((await planSuiteFiles(files, 'livenessProbe')).map((t) => t.id)).to.deep.equal([planned.find((t) => t.title.startsWith('livenessProbe'))!.id]);
    expect(await planSuiteFiles(files)).to.deep.equal(planned);
  });

  it('counts repeats: a planned test with no result never ended', () => {
    const p = (id: string) => ({ id, suite: id.split(' > ')[0]!, title: id.split(' > ')[1]! });
    expect(planOutcome([p('a > x'), p('a > x'), p('b > y')], ['a > x', 'b > y'])).to.deep.equal({ planned: 3, notEnded: ['a > x'] });
    expect(planOutcome([p('a > x')], ['a > x', 'c > z'])).to.deep.equal({ planned: 1, notEnded: [] });
  });

  it('a killed run: each planned test without a result is a broken test, the verdict does not conform, and the run is no pass (exit 1)', async () => {
    const m134 = await buildResultsModel(RUN_134, { suitesRevision: 'x', plan: null });
    const killed: PlannedTest = { id: 'always > only the failing init container restarts', suite: 'always', title: 'only the failing init container restarts' };
    const m = await buildResultsModel(RUN_134, { suitesRevision: 'x', plan: [...planOf(m134), killed] });
    expect(m.plan).to.deep.equal({ planned: 8, notEnded: [killed.id] });
    const t = m.tests.find((x) => x.id === killed.id)!;
    expect(t.status).to.equal('broken');
    expect(t.message).to.equal('never ended: the run planned this test but has no result of it (the run was killed or cut short, or its result file is missing)');
    expect(t.start).to.equal(m.run.start);
    expect(m.totals).to.deep.equal({ tests: 8, passed: 6, failed: 0, broken: 1, skipped: 1 });
    expect(m.verdict!.outcome).to.equal('does not conform');
    const results = await readResults(path.join(RUN_134, 'allure-results'));
    const verdict = runVerdict(results, 0, m.plan!.notEnded)!;
    expect([verdict.exitCode, verdict.message]).to.deep.equal([ExitCode.testsFailed, `1 planned test(s) never ended (${killed.id}); see the report`]);
    expect(runVerdict(results, 0, [])).to.equal(undefined);
    expect(runVerdict(results, 2, ['x > y'])!.message).to.equal('2 test(s) failed or broke, and 1 planned test(s) never ended (x > y); see the report');
  });

  it('reads plan.json from the run folder or beside its allure-results/, and refuses one that is not a plan', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-plan-'));
    try {
      expect(await readPlan(dir)).to.equal(undefined);
      const plan: RunPlan = { schema: PLAN_SCHEMA, startedAt: 't', suitesRevision: 'r', suites: ['order'], grep: null, owner: { host: 'h', pid: 1, startTime: '1', command: 'c' }, tests: [] };
      await fs.writeFile(path.join(dir, 'plan.json'), JSON.stringify(plan));
      expect(await readPlan(path.join(dir, 'allure-results'))).to.deep.equal(plan);
      await fs.mkdir(path.join(dir, 'results'));
      expect(await readPlan(path.join(dir, 'results')), 'only allure-results/ looks beside itself').to.equal(undefined);
      const refused = async (text: string, message: RegExp) => {
        await fs.writeFile(path.join(dir, 'plan.json'), text);
        const err = await readPlan(dir).then(() => expect.fail('read'), (e: { exitCode: number; message: string }) => e);
        expect(err.exitCode).to.equal(ExitCode.usage);
        expect(err.message).to.match(message);
      };
      await refused('{"schema": "other", "tests": []}', /plan\.json is not an initc plan \(schema "other", expected "initc\.dev\/plan\/v1"\)$/);
      await refused('{"schema": "initc.dev/plan/v1"}', /plan\.json is not an initc plan \(schema "initc\.dev\/plan\/v1", expected/);
      await refused('{', /plan\.json cannot be read as JSON: \w+ \w+ .*JSON/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a result file cut short', () => {
  it('keeps its test with the status it shows (a failure is not "not run"), its evidence missing, the problem named', async () => {
    const dir = await copyOfRun(RUN_136);
    try {
      const file = await resultFileOf(dir, 'onfailure');
      const text = await fs.readFile(file, 'utf8');
      await fs.writeFile(file, text.slice(0, text.indexOf('"links"')));
      const m = await buildResultsModel(dir, { suitesRevision: 'x', plan: null });
      const t = m.tests.find((x) => x.suite === 'onfailure')!;
      expect(t.status).to.equal('failed');
      expect(t.id).to.match(/^onfailure > only the failing init container restarts/);
      expect(t.message).to.match(new RegExp(`^its result file ${path.basename(file)} is cut short or not JSON \\(.*\\): only its name and status could be read\\nexpected STATUS`));
      expect(t.missingEvidence).to.deep.equal(['its result file cannot be read: its evidence is unknown']);
      expect(m.problems).to.have.length(1);
      expect(m.problems[0]).to.match(new RegExp(`^result file ${path.basename(file)} cannot be read: .*; its test "only the failing init container restarts.*" is kept with the status it shows \\(failed\\)$`));
      expect(m.totals.failed).to.equal(1);
      expect(t.k8sVersion).to.equal('v1.36.5');
      // Cut before its labels: the plan gives it its suite, so it is the planned test, not one that never ended.
      const planned = planOf(await buildResultsModel(RUN_136, { suitesRevision: 'x', plan: null }));
      await fs.writeFile(file, text.slice(0, text.indexOf('"steps"') + 20));
      const withPlan = await buildResultsModel(dir, { suitesRevision: 'x', plan: planned });
      expect(withPlan.plan).to.deep.equal({ planned: 6, notEnded: [] });
      expect(withPlan.tests.find((x) => x.id === t.id)!.status).to.equal('failed');
      const withoutPlan = await buildResultsModel(dir, { suitesRevision: 'x', plan: null });
      expect(withoutPlan.tests.find((x) => x.title === t.title)!.suite, 'no label, no plan: the suite is unknown').to.equal(t.title.split(':')[0]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('reads name, status, start and labels from compact or spaced JSON; nothing without a name', () => {
    const compact = '{"uuid":"u","name":"a \\"quoted\\" test","status":"broken","statusDetails":{"message":"m"},"steps":[{"name":"s","status":"passed"}],"labels":[{"name":"parentSuite","value":"order: x"},{"name":"k8sVersion","value":"v1.34.12"}],"start":1700000000000,"st';
    expect(salvageResult(compact)).to.deep.equal({ name: 'a "quoted" test', status: 'broken', start: 1700000000000, stop: NaN, labels: [{ name: 'parentSuite', value: 'order: x' }, { name: 'k8sVersion', value: 'v1.34.12' }], statusDetails: { message: 'm' } });
    expect(salvageResult('{"uuid": "u", "name": "t", "status": "weird"')).to.deep.include({ name: 't', status: 'broken', labels: [] });
    expect(salvageResult('{"uuid": "u", "name": "t"')!.status).to.equal('broken');
    expect(salvageResult('{"uuid": "u", "na')).to.equal(undefined);
  });
});

describe('the suites revision covers every module that decides a verdict', () => {
  it('hashes lib/check, lib/observe, lib/chaos, the scenario kit, the ledger parser and the report\'s verdicts too', async () => {
    const files = await revisionFiles(projectRoot());
    for (const f of ['lib/observe/status.ts', 'lib/observe/wait.ts', 'lib/scenario/kit.ts', 'lib/pod/ledger.ts', 'lib/report/verdict.ts', 'lib/report/results.ts', 'lib/report/plan.ts', 'lib/checks/behaviours.ts', 'suites/order.spec.ts']) expect(files, f).to.include(f);
    expect(files.some((f) => f.startsWith('lib/check/'))).to.equal(true);
    expect(files.some((f) => f.startsWith('lib/chaos/'))).to.equal(true);
    expect(files).not.to.include('lib/report/html.ts');
    expect(files).not.to.include('lib/cli/run.ts');
    expect(SUITES_REVISION_ROOTS).to.include('lib/scenario/kit.ts');
  });

  it('an edit to the STATUS port, or to the scenario kit, gives another revision', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-rev-'));
    try {
      for (const d of ['lib/observe', 'lib/scenario', 'lib/checks']) await fs.mkdir(path.join(root, d), { recursive: true });
      await fs.writeFile(path.join(root, 'lib/observe/status.ts'), 'a');
      await fs.writeFile(path.join(root, 'lib/scenario/kit.ts'), 'k');
      await fs.writeFile(path.join(root, 'lib/scenario/namespace.ts'), 'n');
      const first = await suitesRevision(root);
      await fs.writeFile(path.join(root, 'lib/scenario/namespace.ts'), 'n2');
      expect(await suitesRevision(root), 'namespace.ts decides no verdict').to.equal(first);
      await fs.writeFile(path.join(root, 'lib/observe/status.ts'), 'b');
      const second = await suitesRevision(root);
      expect(second).to.not.equal(first);
      await fs.writeFile(path.join(root, 'lib/scenario/kit.ts'), 'k2');
      expect(await suitesRevision(root)).to.not.equal(second);
      expect(await revisionFiles(root)).to.deep.equal(['lib/observe/status.ts', 'lib/scenario/kit.ts']);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('the environment names the node(s) the tests ran on', () => {
  const node = (name: string, kubelet: string, o: { cordoned?: boolean; taint?: string } = {}): V1Node => ({
    metadata: { name },
    spec: { unschedulable: o.cordoned, taints: o.taint ? [{ key: 'k', effect: o.taint }] : undefined },
    status: { nodeInfo: { kubeletVersion: kubelet, containerRuntimeVersion: 'containerd://2.2.9', osImage: 'Debian', kernelVersion: '6.1', architecture: 'amd64', bootID: '', kubeProxyVersion: '', machineID: '', operatingSystem: 'linux', systemUUID: '' } },
  });

  it('the pinned node; else the schedulable nodes, one value where they agree and each node\'s where they differ', () => {
    const nodes = [node('cp', 'v1.33.1', { taint: 'NoSchedule' }), node('w1', 'v1.34.12'), node('w2', 'v1.34.10'), node('off', 'v1.30.0', { cordoned: true })];
    expect(nodesEnvironment(nodes, 'cp')).to.deep.equal({ nodes: 'cp', kubelet: 'v1.33.1', 'container runtime': 'containerd://2.2.9', 'node OS': 'Debian', kernel: '6.1' });
    expect(nodesEnvironment(nodes)).to.deep.equal({ nodes: 'w1, w2', kubelet: 'w1: v1.34.12, w2: v1.34.10', 'container runtime': 'containerd://2.2.9', 'node OS': 'Debian', kernel: '6.1' });
    expect(nodesEnvironment([nodes[0]!, node('w3', 'v1.34.12', { taint: 'NoExecute' })])).to.include({ nodes: 'cp, w3', kubelet: 'cp: v1.33.1, w3: v1.34.12' });
    expect(nodesEnvironment(nodes, 'gone').nodes).to.equal('w1, w2');
    expect(nodesEnvironment([])).to.deep.equal({});
    // A soft taint keeps a node schedulable; a node that reports nothing is named "?" with unknown values.
    expect(nodesEnvironment([node('soft', 'v1.34.12', { taint: 'PreferNoSchedule' }), node('hard', 'v1.34.12', { taint: 'NoSchedule' })]).nodes).to.equal('soft');
    expect(nodesEnvironment([{}, { metadata: { name: 'bare' }, status: {} }])).to.deep.equal({ nodes: '?, bare', kubelet: 'unknown', 'container runtime': 'unknown', 'node OS': 'unknown', kernel: 'unknown' });
    expect(nodesEnvironment([{}, node('w', 'v1.34.12')], 'w').nodes).to.equal('w');
  });
});
