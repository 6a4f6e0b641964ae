/**
 * initc as its users get it (integration; root; the registry reachable): `npm pack` in the
 * repository (its prepack compiles afresh and stamps the suites revision), the tarball installed
 * into an empty folder with a fresh npm cache, its bin first on PATH, and every command run from a
 * folder that is not the repository: --version, --help, `cluster up` of an embedded cluster of its
 * own (`pkg`), `check` on a packed example, `run` of three suites, `compare` of that run,
 * `cluster down`. Also through `npm exec` (npx) from the tarball. The cluster's Kubernetes build is
 * the shared one under the build cache (~/.cache/initc, keyed by the Go sources the package holds).
 */
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import type { Options } from 'execa';
import { ExitCode } from '../../lib/errors.js';
import type { ResultsModel } from '../../lib/report/model.js';
import { REVISION_STAMP, suitesRevision } from '../../lib/report/revision.js';
import { projectRoot } from '../../lib/util/paths.js';
import { initc as initcFromSource } from '../support/cli.js';

const NAME = 'pkg';
const manifest = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/** Where a packed file may come from; anything else (tests, reports, caches, sources, maps) may not be packed. */
const PACKED = [/^package\.json$/, /^README\.md$/, /^dist\/(lib|suites|fixtures)\/.+\.js$/, /^dist\/suites-revision\.txt$/, /^lib\/cluster\/(local|storage)\/go\/.+\.go$/, /^schemas\/[\w.-]+\.json$/, /^examples\/.+\.ya?ml$/];

/** What `npm pack` reads in the repository, copied into `work`/source (node_modules linked): the files `files` names and what compiles them. */
async function copyForPacking(work: string): Promise<string> {
  const source = path.join(work, 'source');
  const parts = ['package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'scripts/prepack', 'lib', 'suites', 'fixtures', 'schemas', 'examples'];
  for (const part of parts) await fs.cp(path.join(projectRoot(), part), path.join(source, part), { recursive: true, preserveTimestamps: true });
  await fs.symlink(path.join(projectRoot(), 'node_modules'), path.join(source, 'node_modules'));
  return source;
}

describe('the npm package, installed into an empty folder and run from elsewhere (integration; root; npm registry)', function () {
  this.timeout(20 * 60_000);
  let work: string;
  let prefix: string;
  let elsewhere: string;
  let tarball: string;
  let packed: string[];
  let env: NodeJS.ProcessEnv;
  let clusterStarted = false;

  /** The installed initc, from a folder that is not the repository. */
  const initc = (args: string[], opts: Options = {}) => execa('initc', args, { reject: false, cwd: elsewhere, env, ...opts });

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('this integration test must run as root (the embedded cluster)');
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-package-'));
    prefix = path.join(work, 'prefix');
    elsewhere = path.join(work, 'elsewhere');
    await fs.mkdir(prefix);
    await fs.mkdir(elsewhere);
    let t0 = Date.now();
    // Packed from a copy of the sources: its prepack compiles dist/ afresh, which must not happen
    // under the other tests that run the repository's dist/ meanwhile (test/support/lanes.ts).
    const source = await copyForPacking(work);
    const pack = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: source, reject: false });
    expect(pack.exitCode, String(pack.stderr)).to.equal(0);
    const [info] = JSON.parse(String(pack.stdout)) as Array<{ filename: string; size: number; entryCount: number; files: Array<{ path: string }> }>;
    tarball = path.join(work, info!.filename);
    packed = info!.files.map((f) => f.path).sort();
    console.log(`    (npm pack: ${info!.filename}, ${info!.size} bytes, ${info!.entryCount} files, in ${seconds(t0)} s)`);
    t0 = Date.now();
    const install = await execa('npm', ['install', '--prefix', prefix, '--cache', path.join(work, 'cache'), '--no-audit', '--no-fund', tarball], { cwd: elsewhere, reject: false });
    expect(install.exitCode, String(install.stderr)).to.equal(0);
    console.log(`    (npm install of the tarball into an empty folder, fresh cache: ${seconds(t0)} s)`);
    env = { ...process.env, PATH: `${path.join(prefix, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}` };
  });

  after(async () => {
    // Whatever happened above: the cluster of this test is down at the end.
    if (clusterStarted) await initcFromSource(['cluster', 'down', '--name', NAME]);
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('the tarball holds the compiled CLI, suites and fixtures, the Go sources, schemas and examples, and nothing else', () => {
    for (const f of packed) expect(PACKED.some((re) => re.test(f)), `${f} is packed`).to.equal(true);
    expect(packed).to.include.members([
      'package.json',
      'README.md',
      'dist/lib/cli/main.js',
      'dist/suites/order.spec.js',
      'dist/suites/chaos/node.spec.js',
      'dist/fixtures/pod.js',
      REVISION_STAMP,
      'lib/cluster/local/go/kube/main.go',
      'lib/cluster/local/go/coredns/main.go',
      'lib/cluster/local/go/pause/main.go',
      'schemas/results-v1.schema.json',
      'schemas/compare-v1.schema.json',
      'examples/github-actions.yml',
      'examples/check/probe-on-init/pod.yaml',
    ]);
    expect(packed.filter((f) => /(^|\/)test\/|\.ts$|\.map$|reports\/|allure-|node_modules|\.stryker|^dist\/scripts\//.test(f))).to.deep.equal([]);
  });

  it('only the runtime dependencies are installed: no tsx, TypeScript or Stryker', async () => {
    const modules = await fs.readdir(path.join(prefix, 'node_modules'));
    expect(modules).to.include.members(['initc', 'mocha', 'allure', 'allure-mocha', 'yargs']);
    expect(modules.filter((m) => ['tsx', 'typescript', '@stryker-mutator', 'ts-node', 'ajv'].includes(m))).to.deep.equal([]);
    const installed = JSON.parse(await fs.readFile(path.join(prefix, 'node_modules', 'initc', 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).to.equal(manifest.version);
  });

  it('initc --version is the package\'s version; --help lists the commands', async () => {
    const version = await initc(['--version']);
    expect(version.exitCode, String(version.stderr)).to.equal(0);
    expect(String(version.stdout).trim()).to.equal(manifest.version);
    const help = await initc(['--help']);
    expect(help.exitCode, String(help.stderr)).to.equal(0);
    for (const c of ['cluster', 'run', 'check', 'report', 'compare', 'gc']) expect(String(help.stdout)).to.match(new RegExp(`^  initc ${c}\\b`, 'm'));
  });

  it('npx from the tarball runs the same CLI', async () => {
    // The cache the install above filled: npx installs again into its own folder, from it.
    const npx = await execa('npm', ['exec', '--yes', '--prefer-offline', '--cache', path.join(work, 'cache'), '--package', tarball, '--', 'initc', '--version'], { cwd: elsewhere, reject: false });
    expect(npx.exitCode, String(npx.stderr)).to.equal(0);
    expect(String(npx.stdout).trim()).to.equal(manifest.version);
  });

  it('cluster up, check, run order,never,validation, compare and cluster down, all from the installed package', async () => {
    let t0 = Date.now();
    const up = await initc(['cluster', 'up', '--name', NAME, '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
    clusterStarted = true;
    expect(up.exitCode, 'cluster up --name pkg (its progress is printed above)').to.equal(0);
    console.log(`    (cluster up: ${seconds(t0)} s)`);

    // check: the packed example the API server refuses (the cluster answers; exit 16).
    const example = path.join(prefix, 'node_modules', 'initc', 'examples', 'check', 'probe-on-init', 'pod.yaml');
    const check = await initc(['check', '-f', example, '--local-cluster', NAME, '--out', path.join(work, 'check')]);
    expect(check.exitCode, String(check.stderr)).to.equal(ExitCode.badManifest);
    expect(String(check.stderr)).to.match(/initc: the API server refuses the manifests: Pod\/probed spec\.initContainers\[0\]\.readinessProbe: .*may not be set for init containers without restartPolicy=Always/);

    t0 = Date.now();
    const out = path.join(work, 'out');
    const run = await initc(['run', '--local-cluster', NAME, '--suite', 'order,never,validation', '--out', out]);
    console.log(`    (run order,never,validation: exit ${run.exitCode} in ${seconds(t0)} s)`);
    expect(run.exitCode, String(run.stderr).slice(-3000)).to.equal(0);
    const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')) as ResultsModel;
    expect([...new Set(results.tests.map((t) => t.suite))].sort()).to.deep.equal(['never', 'order', 'validation']);
    expect(results.totals.tests).to.be.greaterThan(0);
    expect(results.totals).to.deep.include({ passed: results.totals.tests, failed: 0, broken: 0, skipped: 0 });
    // The version and the suites revision are the package's: the revision of the sources it was packed from.
    expect(results.initc.version).to.equal(manifest.version);
    expect(results.initc.suitesRevision).to.equal(await suitesRevision(projectRoot()));
    expect((await fs.readFile(path.join(prefix, 'node_modules', 'initc', REVISION_STAMP), 'utf8')).trim()).to.equal(results.initc.suitesRevision);
    // The Allure CLI ran from the installed dependencies: the HTML report and JUnit are there.
    expect((await fs.stat(path.join(out, 'allure-report', 'index.html'))).size).to.be.greaterThan(10_000);
    expect(await fs.readFile(path.join(out, 'junit.xml'), 'utf8')).to.match(/<testsuites>[\s\S]*<testcase /);
    // Nothing was written into the folder it ran from but what it was asked to.
    expect(await fs.readdir(elsewhere)).to.deep.equal([]);

    const compare = await initc(['compare', '--from', out, '--out', path.join(work, 'cmp')]);
    expect(compare.exitCode, String(compare.stderr)).to.equal(0);
    const comparison = JSON.parse(await fs.readFile(path.join(work, 'cmp', 'compare.json'), 'utf8')) as { columns: Array<{ totals: { tests: number } }> };
    expect(comparison.columns.map((c) => c.totals.tests)).to.deep.equal([results.totals.tests]);

    const down = await initc(['cluster', 'down', '--name', NAME]);
    expect(down.exitCode, String(down.stderr)).to.equal(0);
    clusterStarted = false;
  });
});
