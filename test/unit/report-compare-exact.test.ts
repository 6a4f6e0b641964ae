/**
 * The comparison (lib/report/compare.ts) and its Markdown (lib/report/markdown.ts) on small
 * hand-made runs, exactly: labels of three runs of one version, every kind of difference with
 * three columns, the order of rows, each run's problems, and a run folder that cannot be loaded.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../lib/errors.js';
import { absentText, compareRuns, differenceHeadline, differencesOf, failureGist, loadRun } from '../../lib/report/compare.js';
import type { CompareCell, CompareColumn, Comparison, LoadedRun } from '../../lib/report/compare.js';
import { compareMarkdown } from '../../lib/report/markdown.js';
import type { PodObservation, ResultsModel, TestRecord, TestStatus } from '../../lib/report/model.js';
import { RESULTS_SCHEMA, writeResultsModel } from '../../lib/report/model.js';

function test(suite: string, title: string, status: TestStatus, o: Partial<TestRecord> = {}): TestRecord {
  return { id: `${suite} > ${title}`, suite, title, status, durationMs: 5, start: 's', stop: 's', k8sVersion: null, message: null, observed: [], missingEvidence: [], evidenceProblems: [], excerpt: null, ...o };
}

function model(tests: TestRecord[], o: { server?: string | null; provider?: string | null; problems?: string[]; plan?: ResultsModel['plan'] } = {}): ResultsModel {
  const count = (s: TestStatus) => tests.filter((t) => t.status === s).length;
  return {
    schema: RESULTS_SCHEMA,
    cluster: { provider: o.provider === undefined ? 'local' : o.provider, serverVersion: o.server === undefined ? 'v1.34.1' : o.server, kubeletVersion: null, containerRuntime: null, nodeOS: null, kernel: null },
    initc: { version: null, suitesRevision: 'r' },
    run: { start: null, end: null, chaosSeed: null, fixtureImage: null },
    totals: { tests: tests.length, passed: count('passed'), failed: count('failed'), broken: count('broken'), skipped: count('skipped') },
    tests,
    problems: o.problems ?? [],
    ...('plan' in o ? { plan: o.plan } : {}),
  };
}

const run = (m: ResultsModel, folder = '/runs/x'): LoadedRun => ({ folder, model: m, allureReport: null });

function obs(pod: string, sequence: string[], restarts: Array<[string, number]> = []): PodObservation {
  return { pod, statusSequence: sequence, restarts: restarts.map(([container, restartCount]) => ({ container, kind: 'init', restartCount })), finalPhase: null, points: [], marks: [] };
}

function cell(status: TestStatus, o: Partial<CompareCell> = {}): CompareCell {
  return { status, message: null, durationMs: 1, observed: [], missingEvidence: [], evidenceProblems: [], ...o };
}

describe('compare, exactly', () => {
  it('labels runs by server version; by provider when two share it; by number when those are the same too; unknown ones said so', () => {
    const labels = (ms: ResultsModel[]) => compareRuns(ms.map((m) => run(m)), '/o').columns.map((c) => c.label);
    const t = [test('order', 'a', 'passed')];
    expect(labels([model(t), model(t, { provider: 'kind' }), model(t), model(t, { server: 'v1.36.0' })])).to.deep.equal(['v1.34.1 (local) #1', 'v1.34.1 (kind)', 'v1.34.1 (local) #2', 'v1.36.0']);
    expect(labels([model(t, { server: null }), model(t, { server: null, provider: null })])).to.deep.equal(['unknown version (local)', 'unknown version (unknown provider)']);
  });

  it('names each run\'s problems: its own, planned tests that never ended, no plan; none when its plan ended', () => {
    const t = [test('order', 'a', 'passed')];
    const c = compareRuns([run(model(t, { problems: ['environment.properties cannot be read'], plan: { planned: 3, notEnded: ['order > b', 'order > c'] } })), run(model(t, { plan: null })), run(model(t)), run(model(t, { plan: { planned: 1, notEnded: [] } }))], '/o');
    expect(c.columns.map((col) => col.problems)).to.deep.equal([
      ['environment.properties cannot be read', '2 of 3 planned tests never ended'],
      ['no plan recorded: which tests never ended is unknown'],
      ['no plan recorded: which tests never ended is unknown'],
      [],
    ]);
    expect(c.columns.map((col) => col.verdict)).to.deep.equal(['was not shown to conform', 'was not shown to conform', 'was not shown to conform', 'conforms']);
    // A verdict the model carries is shown as it is.
    const carried = model(t, { plan: { planned: 1, notEnded: [] } });
    expect(compareRuns([run({ ...carried, verdict: { outcome: 'not shown', headline: 'as recorded', failed: [], notShownFor: [], reasons: [] } })], '/o').columns[0]!.verdict).to.equal('as recorded');
  });

  it('orders rows: behaviour that differs (with or without a missing run), then tests only some ran, then the same; by id within each', () => {
    const a = model([test('z', 'differs', 'passed'), test('m', 'only-here', 'passed'), test('b', 'same', 'passed'), test('y', 'both', 'failed'), test('a', 'only-here-too', 'passed')]);
    const b = model([test('z', 'differs', 'failed'), test('b', 'same', 'passed'), test('y', 'both', 'passed')]);
    const c = model([test('z', 'differs', 'failed'), test('b', 'same', 'passed')]);
    const comparison = compareRuns([run(a), run(b), run(c)], '/o');
    expect(comparison.rows.map((r) => [r.id, r.differs, r.differences.map((d) => d.kind)])).to.deep.equal([
      ['y > both', true, ['onlyInSome', 'outcome']],
      ['z > differs', true, ['outcome']],
      ['a > only-here-too', true, ['onlyInSome']],
      ['m > only-here', true, ['onlyInSome']],
      ['b > same', false, []],
    ]);
    expect(comparison.summary).to.deep.equal({ tests: 5, differing: 4 });
  });

  it('every kind of difference over three runs, worded exactly', () => {
    const labels = ['a', 'b', 'c'];
    expect(differencesOf([cell('failed', { message: 'x 1' }), null, cell('passed')], labels)).to.deep.equal([
      { kind: 'onlyInSome', pod: null, detail: 'only in a, c; not run on b' },
      { kind: 'outcome', pod: null, detail: 'outcome: failed on a, passed on c' },
    ]);
    expect(differencesOf([cell('passed'), null, null], labels)[0]!.detail).to.equal('only in a; not run on b, c');
    expect(differencesOf([cell('failed', { message: 'expected A\nrows' }), cell('broken'), cell('failed', { message: 'expected A 2' })], labels)).to.deep.equal([
      { kind: 'outcome', pod: null, detail: 'outcome: failed on a, broken on b, failed on c' },
      { kind: 'failure', pod: null, detail: 'why it failed: failed on a: expected A; broken on b: (no message); failed on c: expected A 2' },
    ]);
    const pods = differencesOf(
      [
        cell('passed', { observed: [obs('q', ['Pending', 'Running'], [['init-a', 1], ['init-b', 2]]), obs('p', ['Pending'])] }),
        cell('passed', { observed: [obs('p', ['Pending']), obs('q', ['Pending', 'Running'], [['init-a', 1], ['init-b', 0]])] }),
        cell('passed', { observed: [obs('q', ['Pending', 'Init:0/1'], [['init-a', 0]])] }),
      ],
      labels,
    );
    // Pods in name order, each looked up by its name in every run.
    expect(pods).to.deep.equal([
      { kind: 'pods', pod: 'p', detail: 'pod p: no timeline on c' },
      { kind: 'statusSequence', pod: 'q', detail: 'STATUS sequence of pod q: a: Pending → Running; b: Pending → Running; c: Pending → Init:0/1' },
      { kind: 'restarts', pod: 'q', detail: 'restarts of pod q: a: init-a 1, init-b 2; b: init-a 1; c: none' },
    ]);
    expect(differencesOf([cell('passed', { observed: [obs('p', ['Pending'])] }), cell('passed'), cell('passed')], labels)[0]!.detail).to.equal('pod p: no timeline on b, c');
  });

  it('a failure\'s gist: its first line, trimmed, without numbers or words holding one; nothing for no message', () => {
    expect(failureGist('  waited 12 s for pod-3x  \nmore 5')).to.equal('waited # s for #');
    expect(failureGist(null)).to.equal('');
    expect(failureGist('')).to.equal('');
  });

  it('a difference in a few words: a STATUS sequence by its pod, any other by its detail', () => {
    expect(differenceHeadline({ kind: 'statusSequence', pod: 'p', detail: 'long' })).to.equal('STATUS sequence of pod p differs');
    expect(differenceHeadline({ kind: 'restarts', pod: 'p', detail: 'restarts of pod p: a: none' })).to.equal('restarts of pod p: a: none');
    const column = (problems: string[]) => ({ problems }) as unknown as CompareColumn;
    expect(absentText(column(['x', 'result file a-result.json cannot be read: …']))).to.equal('no result (a result file of this run cannot be read)');
    expect(absentText(column(['the result file']))).to.equal('not run');
  });
});

describe('compare: run folders that cannot be compared', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-compare-exact-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  const refusal = async (folder: string) => {
    const err = await loadRun(folder, async () => 'r').then(() => expect.fail('loaded'), (e: { exitCode: number; message: string }) => e);
    expect(err.exitCode).to.equal(ExitCode.usage);
    return err.message;
  };

  it('a folder that does not exist, a file, an empty folder, a results.json without tests', async () => {
    expect(await refusal(path.join(dir, 'none'))).to.equal(`--from ${path.join(dir, 'none')}: no such folder`);
    await fs.writeFile(path.join(dir, 'file'), 'x');
    expect(await refusal(path.join(dir, 'file'))).to.equal(`--from ${path.join(dir, 'file')}: no such folder`);
    await fs.mkdir(path.join(dir, 'empty', 'allure-results'), { recursive: true });
    expect(await refusal(path.join(dir, 'empty'))).to.equal(`--from ${path.join(dir, 'empty')}: no Allure results (*-result.json) in ${path.join(dir, 'empty', 'allure-results')}`);
    await writeResultsModel(model([]), path.join(dir, 'json'));
    expect(await refusal(path.join(dir, 'json'))).to.equal(`--from ${path.join(dir, 'json')}: its results.json holds no test results`);
  });

  it('a results.json with tests loads as it is', async () => {
    const m = model([test('order', 'a', 'passed')]);
    await writeResultsModel(m, dir);
    expect(await loadRun(dir, async () => expect.fail('no revision needed'))).to.deep.equal({ folder: dir, model: m, allureReport: null });
  });
});

describe('compare.md, exactly', () => {
  const column = (label: string, o: Partial<CompareColumn> = {}): CompareColumn => ({
    label,
    cluster: { provider: null, serverVersion: null, kubeletVersion: null, containerRuntime: null, nodeOS: null, kernel: null },
    initc: { version: null, suitesRevision: 'r1' },
    run: { start: null, end: null, chaosSeed: null, fixtureImage: null },
    totals: { tests: 1, passed: 1, failed: 0, broken: 0, skipped: 0 },
    verdict: 'conforms',
    problems: [],
    source: '/s',
    allureReport: null,
    ...o,
  });

  it('unknowns, problems, failed and broken cells, several pods, evidence gaps, back-offs in one cell only, only differing rows', () => {
    const withBackoff = { ...obs('p|1', ['Pending', 'Init:Error'], [['init-a', 0], ['init-b', 3], ['init-c', 1]]), backoffs: [{ container: 'init-b', intervals: [{ restart: 1, intervalSec: 1, backoffSec: 0, lateSec: 1 }], unendedAttempt: null }] };
    const c: Comparison = {
      schema: 'initc.dev/compare/v1',
      columns: [column('a'), column('b', { problems: ['x', 'result file f cannot be read'], cluster: { provider: 'kind', serverVersion: 'v1', kubeletVersion: 'v1', containerRuntime: 'containerd://2', nodeOS: null, kernel: null }, initc: { version: '0.1.0', suitesRevision: 'r2' } })],
      summary: { tests: 2, differing: 2 },
      rows: [
        {
          id: 's > t',
          suite: 's',
          title: 't',
          differs: true,
          differences: [{ kind: 'outcome', pod: null, detail: 'outcome: failed on a, broken on b' }],
          cells: [cell('failed', { message: 'expected A\nrows', observed: [withBackoff, obs('q', ['Pending'])], missingEvidence: ['m1', 'm2'], evidenceProblems: ['e1', 'e2'] }), cell('broken', { message: 'cannot read' })],
        },
        { id: 's > u', suite: 's', title: 'u', differs: true, differences: [{ kind: 'onlyInSome', pod: null, detail: 'only in a; not run on b' }], cells: [cell('skipped', { message: 'no node' }), null] },
      ],
    };
    expect(compareMarkdown(c)).to.equal(
      [
        '# initc: a vs b',
        '',
        '| | a | b |',
        '|---|---|---|',
        '| kubelet | unknown | v1 |',
        '| runtime | unknown | containerd://2 |',
        '| provider | unknown | kind |',
        '| kubelet back-off | not recorded (10 s doubling to 300 s assumed) | not recorded (10 s doubling to 300 s assumed) |',
        '| initc, suites | unknown, r1 | 0.1.0, r2 |',
        '| results | 1 passed, 0 failed, 0 broken, 0 skipped | 1 passed, 0 failed, 0 broken, 0 skipped |',
        '| verdict | conforms | conforms |',
        '| problems | none | x; result file f cannot be read |',
        '',
        '2 of 2 tests differ between the runs.',
        '',
        "Back-off: each restart's interval after the attempt before it ended, and (±) how late that was against the kubelet's CrashLoopBackOff: the first restart at once, then the schedule each run's kubelet reported (the kubelet back-off row; by default 10 s doubling to 300 s).",
        '',
        '## Where they differ',
        '',
        '| test | a | b |',
        '|---|---|---|',
        '| **s** t | ❌ failed<br>_expected A_<br>p\\|1: `Pending → Init:Error` restarts: init-b 3, init-c 1<br>back-off: init-b 1 s (+1 s)<br>q: `Pending` restarts: none<br>missing evidence: m1; m2<br>evidence not collected: e1; e2 | ⚠️ broken<br>_cannot read_ |',
        '| **s** u | ⏭️ skipped<br>_no node_ | — (no result (a result file of this run cannot be read)) |',
        '',
        '### How',
        '',
        '- **s** t',
        '  - outcome: failed on a, broken on b',
        '- **s** u',
        '  - only in a; not run on b',
        '',
      ].join('\n'),
    );
  });

  it('only rows that are the same: no back-off legend, no "Where they differ"; cells without messages or evidence', () => {
    const c: Comparison = {
      schema: 'initc.dev/compare/v1',
      columns: [column('a'), column('b')],
      summary: { tests: 1, differing: 0 },
      // The second cell is from results written before initc recorded evidence problems.
      rows: [{ id: 's > t', suite: 's', title: 't', differs: false, differences: [], cells: [cell('failed', { observed: [obs('p', ['Pending'], [['init-a', 0]])] }), { ...cell('skipped'), evidenceProblems: undefined as unknown as string[] }] }],
    };
    expect(compareMarkdown(c)).to.equal(
      [
        '# initc: a vs b',
        '',
        '| | a | b |',
        '|---|---|---|',
        '| kubelet | unknown | unknown |',
        '| runtime | unknown | unknown |',
        '| provider | unknown | unknown |',
        '| kubelet back-off | not recorded (10 s doubling to 300 s assumed) | not recorded (10 s doubling to 300 s assumed) |',
        '| initc, suites | unknown, r1 | unknown, r1 |',
        '| results | 1 passed, 0 failed, 0 broken, 0 skipped | 1 passed, 0 failed, 0 broken, 0 skipped |',
        '| verdict | conforms | conforms |',
        '| problems | none | none |',
        '',
        '0 of 1 tests differ between the runs.',
        '',
        '<details><summary>The same on every run (1)</summary>',
        '',
        '| test | a | b |',
        '|---|---|---|',
        '| **s** t | ❌ failed<br>`Pending` restarts: none | ⏭️ skipped |',
        '',
        '</details>',
        '',
      ].join('\n'),
    );
  });
});
