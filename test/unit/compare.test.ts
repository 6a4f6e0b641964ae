import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../lib/errors.js';
import { compareRuns, differencesOf, loadRun } from '../../lib/report/compare.js';
import type { CompareCell, Comparison } from '../../lib/report/compare.js';
import { buildResultsModel } from '../../lib/report/build-model.js';
import { writeResultsModel } from '../../lib/report/model.js';
import { projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';

const RUN_134 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.34');
const RUN_136 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.36');
const revision = async () => 'x';

function cell(status: CompareCell['status'], sequence: string[] = [], restarts = 0, message: string | null = null): CompareCell {
  return {
    status,
    message,
    durationMs: 1,
    observed: sequence.length ? [{ pod: 'p', statusSequence: sequence, restarts: [{ container: 'init-b', kind: 'init', restartCount: restarts }], finalPhase: 'Pending', points: [], marks: [] }] : [],
    missingEvidence: [],
    evidenceProblems: [],
  };
}

describe('compare: runs side by side', function () {
  this.timeout(30_000);
  let comparison: Comparison;
  before(async () => {
    comparison = compareRuns([await loadRun(RUN_134, revision), await loadRun(RUN_136, revision)], '/reports/compare');
  });
  const row = (suite: string) => comparison.rows.find((r) => r.suite === suite)!;

  it('labels each column with the server version the run recorded, with kubelet and runtime', () => {
    expect(comparison.columns.map((c) => c.label)).to.deep.equal(['v1.34.12', 'v1.36.5']);
    expect(comparison.columns.map((c) => c.cluster.kubeletVersion)).to.deep.equal(['v1.34.12', 'v1.36.5']);
    expect(comparison.columns.map((c) => c.cluster.containerRuntime)).to.deep.equal(['containerd://2.2.9', 'containerd://2.2.9']);
  });

  it('puts the rows that differ first, each saying how', () => {
    expect(comparison.summary).to.deep.equal({ tests: 7, differing: 4 });
    expect(comparison.rows.map((r) => [r.suite, r.differs])).to.deep.equal([
      ['chaos-kill', true],
      ['flaky', true],
      ['onfailure', true],
      ['slow', true],
      ['never', false],
      ['order', false],
      ['validation', false],
    ]);
    expect(row('chaos-kill').differences).to.deep.equal([{ kind: 'outcome', pod: null, detail: 'outcome: skipped on v1.34.12, passed on v1.36.5' }]);
    expect(row('flaky').differences.map((d) => d.kind)).to.deep.equal(['statusSequence']);
    expect(row('flaky').differences[0]!.detail).to.equal(
      'STATUS sequence of pod flaky: v1.34.12: Pending → Init:0/1 → Init:Error → Init:CrashLoopBackOff → PodInitializing → Running; v1.36.5: Pending → Init:0/1 → Init:Error → Init:0/1 → Init:Error → Init:CrashLoopBackOff → Init:0/1 → PodInitializing → Running',
    );
    expect(row('onfailure').differences.map((d) => d.kind)).to.deep.equal(['outcome', 'statusSequence', 'backoff']);
    expect(row('onfailure').differences[2]!.detail).to.match(/^back-off of init-b in pod crashloop-onfailure: restart 2 came 7 s late on v1\.34\.12, 5 s late on v1\.36\.5; /);
    expect(row('slow').differences).to.deep.equal([{ kind: 'onlyInSome', pod: null, detail: 'only in v1.34.12; not run on v1.36.5' }]);
    expect(row('slow').cells[1]).to.equal(null);
    expect(row('order').cells[0]!.missingEvidence).to.have.length(1);
  });

  it('names every kind of difference, and none where the runs agree', () => {
    const labels = ['a', 'b'];
    expect(differencesOf([cell('passed', ['Pending', 'Running'], 1), cell('passed', ['Pending', 'Running'], 1)], labels)).to.deep.equal([]);
    expect(differencesOf([cell('passed', ['Pending', 'Running'], 1), cell('passed', ['Pending', 'Running'], 2)], labels)).to.deep.equal([{ kind: 'restarts', pod: 'p', detail: 'restarts of pod p: a: init-b 1; b: init-b 2' }]);
    expect(differencesOf([cell('passed', ['Pending', 'Running']), cell('passed')], labels)).to.deep.equal([{ kind: 'pods', pod: 'p', detail: 'pod p: no timeline on b' }]);
    // A skipped run observed nothing: only its outcome differs.
    expect(differencesOf([cell('passed', ['Pending', 'Running']), cell('skipped')], labels).map((d) => d.kind)).to.deep.equal(['outcome']);
    expect(differencesOf([null, cell('failed')], labels)).to.deep.equal([{ kind: 'onlyInSome', pod: null, detail: 'only in b; not run on a' }]);
  });

  it('tells runs of the same server version apart by provider, then by number', async () => {
    const a = await loadRun(RUN_134, revision);
    const kind = { ...a, model: { ...a.model, cluster: { ...a.model.cluster, provider: 'kind' } } };
    expect(compareRuns([a, kind], '/r').columns.map((c) => c.label)).to.deep.equal(['v1.34.12 (local)', 'v1.34.12 (kind)']);
    expect(compareRuns([a, a], '/r').columns.map((c) => c.label)).to.deep.equal(['v1.34.12 (local) #1', 'v1.34.12 (local) #2']);
  });

  it('reads a run\'s results.json when it has one, and gives the same comparison as from its Allure results', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-compare-json-'));
    try {
      await writeResultsModel(await buildResultsModel(RUN_136, { suitesRevision: 'x' }), dir);
      const fromJson = compareRuns([await loadRun(RUN_134, revision), await loadRun(dir, revision)], '/reports/compare');
      expect(fromJson.rows).to.deep.equal(comparison.rows);
      expect(fromJson.columns[1]!.source).to.equal(dir);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('links each run\'s Allure report relative to the comparison', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-compare-link-'));
    try {
      await fs.cp(RUN_136, path.join(dir, 'runs', 'v1.36'), { recursive: true });
      await fs.mkdir(path.join(dir, 'runs', 'v1.36', 'allure-report'));
      await fs.writeFile(path.join(dir, 'runs', 'v1.36', 'allure-report', 'index.html'), '<html></html>');
      const c = compareRuns([await loadRun(RUN_134, revision), await loadRun(path.join(dir, 'runs', 'v1.36'), revision)], path.join(dir, 'out'));
      expect(c.columns.map((col) => col.allureReport)).to.deep.equal([null, '../runs/v1.36/allure-report/index.html']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('`initc compare --from A B` writes compare.html, compare.md and compare.json', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-compare-cli-'));
    try {
      const r = await initc(['compare', '--from', RUN_134, RUN_136, '--out', out]);
      expect(r.exitCode, String(r.stderr)).to.equal(0);
      expect((await fs.readdir(out)).sort()).to.deep.equal(['compare.html', 'compare.json', 'compare.md']);
      expect(String(r.stderr)).to.include('v1.34.12 vs v1.36.5: 4 of 7 tests differ');
      const md = await fs.readFile(path.join(out, 'compare.md'), 'utf8');
      expect(md).to.match(/^# initc: v1\.34\.12 vs v1\.36\.5\n/);
      expect(md).to.include('| test | v1.34.12 | v1.36.5 |');
      expect(md.indexOf('**flaky**')).to.be.below(md.indexOf('**never**'));
      const json = JSON.parse(await fs.readFile(path.join(out, 'compare.json'), 'utf8'));
      expect(json.schema).to.equal('initc.dev/compare/v1');
      expect(json.rows.map((x: { suite: string }) => x.suite)).to.deep.equal(comparison.rows.map((x) => x.suite));
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });

  describe('bad input: one line, exit 2', () => {
    let empty: string;
    before(async () => {
      empty = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-compare-bad-'));
      await fs.mkdir(path.join(empty, 'no-results'));
      await fs.writeFile(path.join(empty, 'no-results', 'notes.txt'), 'nothing here');
      await fs.mkdir(path.join(empty, 'wrong-json'));
      await fs.writeFile(path.join(empty, 'wrong-json', 'results.json'), '{"schema": "someone.else/v9"}');
    });
    after(async () => {
      await fs.rm(empty, { recursive: true, force: true });
    });

    it('an unknown version exits 3 before anything starts', async () => {
      const r = await initc(['compare', '--versions', '1.34,1.99', '--out', path.join(empty, 'out')]);
      expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.unknownVersion);
      expect(String(r.stderr)).to.match(/^initc: unsupported Kubernetes version "1\.99"/);
    });

    for (const [what, args, message] of [
      ['nothing to compare', () => ['compare'], /name what to compare: --from DIR\.\.\., --versions 1\.34,1\.36 or --context a,b/],
      ['--from and --versions together', () => ['compare', '--from', RUN_134, '--versions', '1.34,1.36'], /--from and --versions do not go together/],
      ['one version only', () => ['compare', '--versions', '1.34'], /name at least two versions or contexts to compare/],
      ['the same version twice', () => ['compare', '--versions', '1.34,1.34'], /name at least two versions or contexts to compare/],
      ['--provider without --versions', () => ['compare', '--context', 'a,b', '--provider', 'kind'], /--provider goes with --versions/],
      ['--kubeconfig without --context', () => ['compare', '--versions', '1.34,1.36', '--kubeconfig', '/etc/hostname'], /--kubeconfig goes with --context/],
      ['--from with no value', () => ['compare', '--from'], /--from needs a value/],
      ['a folder that does not exist', () => ['compare', '--from', RUN_134, path.join(empty, 'nope')], /--from .*nope: no such folder/],
      ['a folder with no results', () => ['compare', '--from', RUN_134, path.join(empty, 'no-results')], /--from .*no-results: no Allure results \(\*-result\.json\)/],
      ['a results.json of another schema', () => ['compare', '--from', path.join(empty, 'wrong-json')], /is not an initc results file \(schema "someone\.else\/v9"/],
    ] as Array<[string, () => string[], RegExp]>) {
      it(what, async () => {
        const r = await initc([...args(), '--out', path.join(empty, 'out')]);
        const stderr = String(r.stderr);
        expect(r.exitCode, stderr).to.equal(ExitCode.usage);
        expect(stderr).to.match(message);
        expect(stderr.trim().split('\n').filter((l) => !l.startsWith('       ')), stderr).to.have.length(1);
        expect(stderr).not.to.match(/\n\s+at /);
      });
    }
  });
});
