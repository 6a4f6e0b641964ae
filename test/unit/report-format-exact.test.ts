/**
 * The report's formatting (lib/report/format.ts), the model's file (lib/report/model.ts), the
 * conformance page with every section (lib/report/conformance.ts) and the comparison's files
 * (lib/report/compare-files.ts), exactly and at their boundaries.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../lib/errors.js';
import { writeComparison } from '../../lib/report/compare-files.js';
import type { Comparison } from '../../lib/report/compare.js';
import { conformanceMarkdown, writeConformanceReport, writeRunRecords } from '../../lib/report/conformance.js';
import { backoffsLine, backoffText, codeBlock, escapeCell, formatDuration, formatSeconds, latenessText, statusMark } from '../../lib/report/format.js';
import { compareHtml } from '../../lib/report/html.js';
import { compareMarkdown } from '../../lib/report/markdown.js';
import type { ResultsModel, TestRecord, TestStatus } from '../../lib/report/model.js';
import { RESULTS_SCHEMA, modelJson, readResultsModel, writeResultsModel } from '../../lib/report/model.js';
import type { PlannedTest } from '../../lib/report/plan.js';
import { projectRoot } from '../../lib/util/paths.js';

const RUNS = path.join(projectRoot(), 'test', 'fixtures', 'runs');

function test(suite: string, title: string, status: TestStatus, o: Partial<TestRecord> = {}): TestRecord {
  return { id: `${suite} > ${title}`, suite, title, status, durationMs: 999, start: 's', stop: 's', k8sVersion: null, message: null, observed: [], missingEvidence: [], evidenceProblems: [], excerpt: null, ...o };
}

describe('report formatting, exactly', () => {
  it('a table cell: backslashes doubled, pipes escaped, every line break (LF or CRLF) a space', () => {
    expect(escapeCell('a\\b|c\r\nd\ne')).to.equal('a\\\\b\\|c d e');
    expect(escapeCell('plain')).to.equal('plain');
  });

  it('a fence longer than the longest run of backticks, at least three', () => {
    expect(codeBlock('no ticks')).to.equal('```text\nno ticks\n```');
    expect(codeBlock('a `b` ``c``')).to.equal('```text\na `b` ``c``\n```');
    expect(codeBlock('```js\nx\n``` and ````')).to.equal('`````text\n```js\nx\n``` and ````\n`````');
  });

  it('durations: milliseconds below a second, seconds to a tenth below a minute, then minutes and seconds', () => {
    expect(formatDuration(999.4)).to.equal('999 ms');
    expect(formatDuration(1000)).to.equal('1.0 s');
    expect(formatDuration(59_949)).to.equal('59.9 s');
    expect(formatDuration(60_000)).to.equal('1 min 0 s');
    expect(formatDuration(150_600)).to.equal('2 min 31 s');
  });

  it('seconds to a tenth without a trailing ".0"; lateness late, early or on time', () => {
    expect(formatSeconds(7)).to.equal('7 s');
    expect(formatSeconds(4.94)).to.equal('4.9 s');
    expect(formatSeconds(10.04)).to.equal('10 s');
    expect(formatSeconds(100.5)).to.equal('100.5 s');
    expect(latenessText(7.04)).to.equal('7 s late');
    expect(latenessText(-1.26)).to.equal('1.3 s early');
    expect(latenessText(0.04)).to.equal('on time');
    expect(latenessText(-0.04)).to.equal('on time');
  });

  it('back-off lines: each interval with its signed lateness, an attempt never seen ending; none without back-offs', () => {
    const b = { container: 'init-b', intervals: [{ restart: 1, intervalSec: 1, backoffSec: 0, lateSec: 1 }, { restart: 2, intervalSec: 9.5, backoffSec: 10, lateSec: -0.5 }], unendedAttempt: 3 };
    expect(backoffText(b)).to.equal('init-b 1 s (+1 s), 9.5 s (−0.5 s), end of attempt 3 not seen');
    expect(backoffText({ ...b, intervals: [], unendedAttempt: null })).to.equal('init-b ');
    const o = { pod: 'p', statusSequence: [], restarts: [], finalPhase: null, points: [], marks: [] };
    expect(backoffsLine({ ...o, backoffs: [b, { ...b, container: 'init-c', unendedAttempt: null }] })).to.equal('init-b 1 s (+1 s), 9.5 s (−0.5 s), end of attempt 3 not seen; init-c 1 s (+1 s), 9.5 s (−0.5 s)');
    expect(backoffsLine({ ...o, backoffs: [] })).to.equal(null);
    expect(backoffsLine(o)).to.equal(null);
  });

  it('a mark for each verdict', () => {
    expect((['passed', 'failed', 'broken', 'skipped'] as const).map(statusMark)).to.deep.equal(['✅ passed', '❌ failed', '⚠️ broken', '⏭️ skipped']);
  });
});

describe('the results model file, exactly', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-model-exact-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is the model as indented JSON and a newline, in a folder it makes; read back as it was', async () => {
    expect(modelJson({ a: [1], b: null })).to.equal('{\n  "a": [\n    1\n  ],\n  "b": null\n}\n');
    const model = JSON.parse(await fs.readFile(path.join(RUNS, 'expected', 'v1.34-results.json'), 'utf8')) as ResultsModel;
    const file = await writeResultsModel(model, path.join(dir, 'new', 'out'));
    expect(file).to.equal(path.join(dir, 'new', 'out', 'results.json'));
    expect(await fs.readFile(file, 'utf8')).to.equal(modelJson(model));
    expect(await readResultsModel(file)).to.deep.equal(model);
  });

  it('refuses, as bad input, a file that is not JSON or not this schema', async () => {
    const refusal = async (text: string) => {
      await fs.writeFile(path.join(dir, 'results.json'), text);
      const err = await readResultsModel(path.join(dir, 'results.json')).then(() => expect.fail('read'), (e: { exitCode: number; message: string }) => e);
      expect(err.exitCode).to.equal(ExitCode.usage);
      return err.message;
    };
    const file = path.join(dir, 'results.json');
    expect(await refusal('{"schema": "initc.dev/results/v0"}')).to.equal(`${file} is not an initc results file (schema "initc.dev/results/v0", expected "initc.dev/results/v1")`);
    expect(await refusal('{}')).to.equal(`${file} is not an initc results file (schema "undefined", expected "initc.dev/results/v1")`);
    expect(await refusal('{"schema":')).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} cannot be read as JSON: \\w.*JSON`));
    const missing = await readResultsModel(path.join(dir, 'none.json')).then(() => expect.fail('read'), (e: { message: string }) => e.message);
    expect(missing).to.match(/none\.json cannot be read as JSON: ENOENT/);
  });
});

describe('the conformance page, every section, exactly', () => {
  const model = (): ResultsModel => ({
    schema: RESULTS_SCHEMA,
    cluster: { provider: 'kind', serverVersion: null, kubeletVersion: 'v1', containerRuntime: 'c|d', nodeOS: 'os', kernel: 'k', nodes: 'n1, n2' },
    initc: { version: null, suitesRevision: 'rev' },
    run: { start: '2026-01-01T00:00:00.000Z', end: null, chaosSeed: '7', fixtureImage: 'img' },
    totals: { tests: 6, passed: 1, failed: 2, broken: 1, skipped: 2 },
    tests: [
      test('order', 'passes with a gap', 'passed', { evidenceProblems: ['events: 403'] }),
      test('never', 'fails bare', 'failed'),
      test('never', 'fails with a message', 'failed', { message: 'expected X', evidenceProblems: ['log: gone'] }),
      test('flaky', 'breaks', 'broken', { message: 'm', missingEvidence: ['pod status: ENOENT'], evidenceProblems: ['e1'], excerpt: { message: ['first', 'second'], timelines: [{ pod: 'p', rows: 'row 1' }, { pod: 'q', rows: 'row 2' }] } }),
      test('sidecar', 'skips', 'skipped'),
      test('sidecar', 'skips why', 'skipped', { message: 'no sidecars' }),
    ],
    problems: ['environment.properties cannot be read (ENOENT)', 'p2'],
    plan: { planned: 9, notEnded: ['a > *b* _c_ `d` [e] <f> #g |h| \\i'] },
  });

  it('failures with and without message, excerpt, timelines and evidence; skips with and without why; never ended; evidence missing', async () => {
    expect(conformanceMarkdown(model(), 'abc')).to.equal(await fs.readFile(path.join(RUNS, 'expected', 'conformance-every-section.md'), 'utf8'));
  });

  it('evidence a failed test could not collect is in its failure section only: no "missing" section for it', () => {
    const m: ResultsModel = { ...model(), tests: [test('never', 'fails', 'failed', { message: 'x', evidenceProblems: ['log: gone'] })], problems: [], plan: { planned: 1, notEnded: [] } };
    const md = conformanceMarkdown(m, 'x');
    expect(md).to.include('Evidence the run could not collect:\n- log: gone\n');
    expect(md).not.to.include('## Evidence that is missing');
  });

  it('the run\'s span: its duration only when both ends are known', () => {
    const runLine = (run: Partial<ResultsModel['run']>) => conformanceMarkdown({ ...model(), run: { ...model().run, ...run } }, 'x').split('\n').find((l) => l.startsWith('| run |'));
    expect(runLine({ end: '2026-01-01T00:01:01.000Z' })).to.equal('| run | 2026-01-01T00:00:00.000Z → 2026-01-01T00:01:01.000Z (1 min 1 s) |');
    expect(runLine({ start: null, end: '2026-01-01T00:01:01.000Z' })).to.equal('| run | unknown → 2026-01-01T00:01:01.000Z |');
    const nodesLine = (nodes: string | null | undefined) => conformanceMarkdown({ ...model(), cluster: { ...model().cluster, nodes } }, 'x').split('\n').find((l) => l.startsWith('| node(s)'));
    expect(nodesLine(undefined)).to.equal('| node(s) the tests ran on | unknown |');
    expect(nodesLine(null)).to.equal('| node(s) the tests ran on | unknown |');
  });

  it('a run that conforms: no sentences under the headline, no sections after the checks', () => {
    const m: ResultsModel = { ...model(), tests: [test('order', 'a', 'passed')], totals: { tests: 1, passed: 1, failed: 0, broken: 0, skipped: 0 }, problems: [], plan: { planned: 1, notEnded: [] } };
    const md = conformanceMarkdown(m, 'x');
    expect(md.split('\n').slice(0, 5)).to.deep.equal(['# initc conformance report: unknown', '', 'The cluster **conforms** to the behaviour initc checks: 1 checks, 1 passed, 0 failed, 0 broken, 0 skipped.', '', '| | |']);
    expect(md.endsWith('| order | a | ✅ passed | 999 ms |\n')).to.equal(true);
  });

  it('writes conformance.json as the model\'s exact bytes and the page with their digest; run records with the revision and plan given', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-conf-exact-'));
    try {
      const files = await writeConformanceReport(model(), path.join(dir, 'out'));
      expect(files.json).to.equal(path.join(dir, 'out', 'conformance.json'));
      expect(files.markdown).to.equal(path.join(dir, 'out', 'conformance.md'));
      expect(await fs.readFile(files.json, 'utf8')).to.equal(modelJson(model()));
      expect(files.sha256).to.match(/^[0-9a-f]{64}$/);
      expect(await fs.readFile(files.markdown, 'utf8')).to.equal(conformanceMarkdown(model(), files.sha256));
      const plan: PlannedTest[] = [{ id: 'order > x', suite: 'order', title: 'x' }];
      const records = await writeRunRecords(path.join(RUNS, 'v1.34', 'allure-results'), path.join(dir, 'rec'), { suitesRevision: 'given', reports: [], plan });
      expect(records.model.initc.suitesRevision).to.equal('given');
      expect(records.model.plan).to.deep.equal({ planned: 1, notEnded: ['order > x'] });
      expect(records.results).to.equal(path.join(dir, 'rec', 'results.json'));
      expect(records.conformance).to.equal(undefined);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the comparison\'s files', () => {
  it('writes compare.html, compare.md and compare.json of one comparison, in a folder it makes', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-cmp-files-'));
    try {
      const c = JSON.parse(await fs.readFile(path.join(RUNS, 'expected', 'compare.json'), 'utf8')) as Comparison;
      const out = path.join(dir, 'a', 'b');
      const files = await writeComparison(c, out);
      expect(files).to.deep.equal({ html: path.join(out, 'compare.html'), markdown: path.join(out, 'compare.md'), json: path.join(out, 'compare.json') });
      expect(await fs.readFile(files.html, 'utf8')).to.equal(compareHtml(c));
      expect(await fs.readFile(files.markdown, 'utf8')).to.equal(compareMarkdown(c));
      expect(await fs.readFile(files.json, 'utf8')).to.equal(modelJson(c));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
