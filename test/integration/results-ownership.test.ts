/**
 * Results are the current run's, or none, on the default embedded cluster (root): a run into an
 * --out holding an earlier run's results never shows them, a run of nothing leaves no results.json,
 * and a run with skips does not read as conformant. Uses the cluster as the other integration
 * tests do: reached by its kubeconfig; brought up here only when it is not running, and then
 * brought down again.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { LocalClusterProvider } from '../../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { ExitCode } from '../../lib/errors.js';
import { LOCAL_FIXTURE_IMAGE } from '../../lib/fixture-image.js';
import { buildResultsModel } from '../../lib/report/build-model.js';
import type { ResultsModel } from '../../lib/report/model.js';
import { writeResultsModel } from '../../lib/report/model.js';
import { projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';

const RUN_136 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.36');
const readJson = async <T>(file: string) => JSON.parse(await fs.readFile(file, 'utf8')) as T;

describe('results are the current run\'s, or none (integration; root; the default embedded cluster)', function () {
  this.timeout(20 * 60_000);
  const version = resolveKubeVersion(undefined);
  const provider = new LocalClusterProvider({ version });
  let startedHere = false;
  let work: string;
  const kubeconfig = () => ['--kubeconfig', provider.layout.kubeconfig, '--fixture-image', LOCAL_FIXTURE_IMAGE];

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('this integration test must run as root (the embedded cluster)');
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-results-own-'));
    if (!(await provider.status()).state) {
      const up = await initc(['cluster', 'up', '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
      expect(up.exitCode, 'cluster up exit code (its progress is printed above)').to.equal(0);
      startedHere = true;
    }
  });

  after(async () => {
    if (startedHere && (await provider.status()).state) await initc(['cluster', 'down']);
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('a run into an --out holding an earlier run\'s results shows only its own; a run of nothing into it leaves no results.json', async () => {
    const out = path.join(work, 'reused');
    // An earlier run of another version (v1.36.5, a failure among its tests) left its folder.
    await fs.cp(RUN_136, out, { recursive: true });
    const earlier = await buildResultsModel(RUN_136, { suitesRevision: 'earlier00000', plan: null });
    await writeResultsModel(earlier, out);
    await fs.writeFile(path.join(out, 'conformance.md'), '# initc conformance report: v1.36.5\n\nThe cluster **conforms**\n');

    const run = await initc(['run', ...kubeconfig(), '--suite', 'validation', '--grep', 'livenessProbe', '--report', 'conformance', '--out', out]);
    expect(run.exitCode, String(run.stderr).slice(-3000)).to.equal(0);
    expect(String(run.stderr)).to.match(/removed what an earlier run left \(allure-results, conformance\.md, results\.json\)/);
    const results = await readJson<ResultsModel>(path.join(out, 'results.json'));
    expect(results.cluster.serverVersion).to.equal(version.gitVersion);
    expect(results.totals).to.deep.equal({ tests: 1, passed: 1, failed: 0, broken: 0, skipped: 0 });
    expect(results.tests.map((t) => t.suite)).to.deep.equal(['validation']);
    expect(results.plan).to.deep.equal({ planned: 1, notEnded: [] });
    expect(results.initc.suitesRevision).to.not.equal('earlier00000');
    expect(results.initc.suitesRevision).to.equal((await readJson<{ suitesRevision: string }>(path.join(out, 'plan.json'))).suitesRevision);
    expect((await fs.readdir(path.join(out, 'allure-results'))).filter((f) => f.endsWith('-result.json'))).to.have.length(1);
    expect(await fs.readFile(path.join(out, 'conformance.md'), 'utf8')).to.match(new RegExp(`^# initc conformance report: ${version.gitVersion.replace(/\./g, '\\.')}\\n[\\s\\S]*The cluster \\*\\*conforms\\*\\* to the behaviour initc checks: 1 checks, 1 passed`));
    // compare reads the folder as this run, never as the earlier one.
    const cmp = await initc(['compare', '--from', out, '--out', path.join(work, 'cmp')]);
    expect(cmp.exitCode, String(cmp.stderr)).to.equal(0);
    const comparison = await readJson<{ columns: Array<{ label: string; totals: { tests: number } }> }>(path.join(work, 'cmp', 'compare.json'));
    expect(comparison.columns.map((c) => [c.label, c.totals.tests])).to.deep.equal([[version.gitVersion, 1]]);

    const none = await initc(['run', ...kubeconfig(), '--suite', 'validation', '--grep', 'no test has this title', '--report', 'conformance', '--out', out]);
    expect(none.exitCode, String(none.stderr).slice(-3000)).to.equal(ExitCode.nothingRan);
    for (const f of ['results.json', 'conformance.json', 'conformance.md']) await fs.access(path.join(out, f)).then(() => expect.fail(`${f} of the earlier run is still there`), () => undefined);
    expect((await fs.readdir(path.join(out, 'allure-results'))).filter((f) => f.endsWith('-result.json'))).to.deep.equal([]);
  });

  it('a run with skips does not read as conformant: it names the skipped checks, and says so in results.json', async () => {
    const out = path.join(work, 'skips');
    // Reached by kubeconfig without --node-access, the chaos test that needs the node is skipped; the validation test passes.
    const run = await initc(['run', ...kubeconfig(), '--suite', 'validation,chaos-kill', '--grep', 'livenessProbe|restartPolicy Always, SIGKILL', '--report', 'conformance', '--out', out]);
    expect(run.exitCode, String(run.stderr).slice(-3000)).to.equal(0);
    const results = await readJson<ResultsModel>(path.join(out, 'results.json'));
    expect(results.totals).to.deep.equal({ tests: 2, passed: 1, failed: 0, broken: 0, skipped: 1 });
    expect(results.verdict!.outcome).to.equal('not shown');
    expect(results.verdict!.notShownFor).to.have.length(1);
    expect(results.verdict!.notShownFor[0]).to.match(/^chaos-kill — restartPolicy Always, SIGKILL: .* \(skipped\)$/);
    const md = await fs.readFile(path.join(out, 'conformance.md'), 'utf8');
    expect(md).to.include('The cluster **was not shown to conform** to the behaviour initc checks: 2 checks, 1 passed, 0 failed, 0 broken, 1 skipped.');
    expect(md).to.match(/\nIt does not show conformance for: chaos-kill — restartPolicy Always, SIGKILL: .* \(skipped\)\.\n/);
    expect(md).not.to.include('**conforms**');
  });
});
