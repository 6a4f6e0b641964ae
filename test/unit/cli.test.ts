import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode, InitcError } from '../../lib/errors.js';
import { SUITES, selectSuites, startOrder } from '../../lib/cli/suite-table.js';
import { generateAllureReport } from '../../lib/report/allure.js';
import { runVerdict } from '../../lib/report/results.js';
import type { ResultFile } from '../../lib/report/results.js';
import { initc } from '../support/cli.js';
import { skipInMutationRun } from '../support/mutation-run.js';

/** One line on stderr, no stack trace. */
function expectOneLineError(r: { stderr: unknown; exitCode?: number }, code: number, pattern: RegExp) {
  const stderr = String(r.stderr);
  expect(r.exitCode, stderr).to.equal(code);
  expect(stderr).to.match(pattern);
  expect(stderr).not.to.match(/\n\s+at /);
}

describe('initc command line: bad input', function () {
  this.timeout(60_000);

  it('an unknown flag exits 2', async () => {
    expectOneLineError(await initc(['cluster', 'status', '--no-such-flag']), ExitCode.usage, /Unknown argument/i);
  });

  it('an unknown command exits 2', async () => {
    expectOneLineError(await initc(['bogus']), ExitCode.usage, /Unknown argument|command/i);
  });

  it('an unknown Kubernetes version exits 3', async () => {
    expectOneLineError(await initc(['cluster', 'up', '--k8s-version', '1.99']), ExitCode.unknownVersion, /unsupported Kubernetes version "1\.99"/);
  });

  for (const [args, message] of [
    [['run', '--out'], /Not enough arguments following: out/],
    [['run', '--out='], /--out needs a value/],
    [['run', '--jobs', 'abc'], /--jobs must be a whole number of at least 1, not "abc"/],
    [['run', '--jobs', '0'], /--jobs must be a whole number of at least 1, not "0"/],
    [['run', '--jobs', '1.5'], /--jobs must be a whole number/],
    [['run', '--grep', '('], /--grep is not a valid regular expression/],
    [['run', '--kubeconfig'], /Not enough arguments following: kubeconfig/],
    [['run', '--context='], /--context needs a value/],
    [['run', '--k8s-version='], /--k8s-version needs a value/],
    [['run', '--suite'], /--suite needs a value/],
    [['run', '--feature-gates', 'ContainerRestartRules'], /^initc: --feature-gates: "ContainerRestartRules" is not NAME=true or NAME=false/],
    [['run', '--kubeconfig', '/nonexistent', '--feature-gates', 'ContainerRestartRules=true'], /--feature-gates and --kubelet-config set up a cluster initc starts; an existing cluster/],
    [['check', '-f', 'examples/check/appends-to-volume', '--kubelet-config', 'featureGates.A=true'], /--kubelet-config: featureGates is initc's to set/],
    [['cluster', 'up', '--feature-gates', 'A=maybe'], /--feature-gates: A must be true or false, not "maybe"/],
    [['compare', '--from', 'a', 'b', '--feature-gates', 'A=true'], /--feature-gates and --kubelet-config go with --versions/],
    [['run', '--provider', 'kind', '--nodes', '0'], /^initc: --nodes must be a whole number from 1 to 4, not 0$/m],
    [['run', '--provider', 'kind', '--nodes', '5'], /--nodes must be a whole number from 1 to 4, not 5$/m],
    [['run', '--provider', 'kind', '--nodes', '1.5'], /--nodes must be a whole number from 1 to 4, not 1\.5$/m],
    [['run', '--provider', 'kind', '--nodes', 'two'], /--nodes must be a whole number from 1 to 4, not NaN$/m],
    [['compare', '--context', 'a,b', '--nodes', '2'], /--nodes goes with --versions \(the clusters compare starts\)/],
    [['run', '--kubeconfig', '/nonexistent', '--nodes', '1'], /--nodes sets up a cluster initc starts; an existing cluster \(--kubeconfig, --context\) has the nodes it has/],
  ] as Array<[string[], RegExp]>) {
    it(`\`initc ${args.join(' ')}\` exits 2 before doing anything`, async () => {
      expectOneLineError(await initc(args), ExitCode.usage, message);
    });
  }

  it('an unknown suite exits 2', () => {
    expect(() => selectSuites(['smoke,nosuch'])).to.throw(/unknown suite nosuch/);
    expect(selectSuites(['all'])).to.include.members(['order', 'sidecar']).and.not.include('smoke');
    expect(selectSuites(['smoke'])).to.deep.equal(['smoke']);
  });

  it('a phase starts its longest suite files first, ties in the order given; every suite has its time', () => {
    expect(startOrder(['order', 'chaos-kill', 'never', 'onfailure', 'always'])).to.deep.equal(['chaos-kill', 'onfailure', 'always', 'order', 'never']);
    expect(startOrder(['deadline', 'service'])).to.deep.equal(['deadline', 'service']);
    expect(startOrder(['service', 'deadline'])).to.deep.equal(['service', 'deadline']);
    const all = selectSuites(['all']);
    expect(startOrder(all)).to.have.members(all).and.have.length(all.length);
    expect(startOrder(all).slice(0, 3)).to.deep.equal(['chaos-kill', 'onfailure', 'always']);
    for (const [name, info] of Object.entries(SUITES)) expect(info.seconds, name).to.be.a('number').and.be.greaterThan(0);
  });

  it('a kubeconfig that cannot be read exits 7', async () => {
    expectOneLineError(await initc(['run', '--kubeconfig', '/nonexistent/kubeconfig']), ExitCode.kubeconfig, /cannot be read/);
  });

  it('a kubeconfig whose cluster cannot be reached exits 7', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-kc-'));
    const file = path.join(dir, 'config');
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    await fs.writeFile(file, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
    try {
      expectOneLineError(await initc(['run', '--kubeconfig', file]), ExitCode.kubeconfig, /cannot be reached/);
      expectOneLineError(await initc(['run', '--kubeconfig', file, '--context', 'nope']), ExitCode.kubeconfig, /has no context "nope"/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('the embedded cluster without root exits 4', async function () {
    if (process.getuid?.() !== 0) this.skip(); // only root can drop to another user to try
    const r = await initc(['cluster', 'up'], { uid: 65534, gid: 65534, env: { ...process.env, HOME: '/tmp' } });
    expectOneLineError(r, ExitCode.notRoot, /needs root/);
  });

});

describe('initc run verdict', () => {
  const result = (status: string, name = status): ResultFile => ({ name, status, start: 0, stop: 1, labels: [] });
  const code = (results: ResultFile[], mochaFailures = 0) => runVerdict(results, mochaFailures)?.exitCode ?? ExitCode.ok;

  it('passes when something passed and nothing failed (skips beside passes are fine)', () => {
    expect(code([result('passed'), result('skipped')])).to.equal(ExitCode.ok);
  });
  it('fails (1) on a failed or broken test, or a failing hook Mocha counted', () => {
    expect(code([result('passed'), result('failed')])).to.equal(ExitCode.testsFailed);
    expect(code([result('passed'), result('broken')])).to.equal(ExitCode.testsFailed);
    expect(code([result('passed')], 1)).to.equal(ExitCode.testsFailed);
    expect(runVerdict([result('failed'), result('broken')], 0)?.message).to.equal('2 test(s) failed or broke; see the report');
  });
  it('is not a pass (12) when nothing ran or everything was skipped', () => {
    expect(code([])).to.equal(ExitCode.nothingRan);
    expect(code([result('skipped', 'a'), result('skipped', 'b')])).to.equal(ExitCode.nothingRan);
    expect(runVerdict([], 0)?.message).to.match(/no test ran/);
    expect(runVerdict([result('skipped', 'sidecar test')], 0)?.message).to.match(/all 1 were skipped \(sidecar test\)/);
  });
});

describe('initc run report', function () {
  this.timeout(60_000);
  // It runs allure, a process of its own: skipped in the mutation run (test/support/mutation-run.ts).
  beforeEach(skipInMutationRun);

  it('an Allure report that cannot be generated is exit 11 (not "component did not come up"), naming the results folder', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-report-'));
    try {
      const err = await generateAllureReport(path.join(dir, 'allure-results'), path.join(dir, 'allure-report')).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(InitcError);
      expect((err as InitcError).exitCode).to.equal(ExitCode.reportFailed);
      expect((err as InitcError).message).to.include(`allure generate failed on ${path.join(dir, 'allure-results')}`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('initc interrupted', function () {
  this.timeout(90_000);

  for (const [signal, code] of [['SIGINT', ExitCode.interrupted], ['SIGTERM', ExitCode.terminated]] as const) {
    it(`${signal} while the cluster does not answer exits ${code} at once, with one line`, async () => {
      // A loopback server that accepts connections and never answers.
      const sockets: net.Socket[] = [];
      const server = net.createServer((s) => sockets.push(s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-kc-'));
      const file = path.join(dir, 'config');
      await fs.writeFile(file, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${(server.address() as net.AddressInfo).port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`);
      try {
        const child = initc(['run', '--kubeconfig', file]);
        let seen = '';
        child.stderr?.on('data', (d: Buffer) => (seen += d.toString()));
        // Up to 40 s: under a loaded machine's CPU the CLI takes a while to reach the cluster step.
        for (let i = 0; i < 400 && !seen.includes('connect to the cluster'); i++) await new Promise((r) => setTimeout(r, 100));
        expect(seen, 'the run reached the step that connects to the cluster').to.include('connect to the cluster');
        const sent = Date.now();
        child.kill(signal);
        const r = await child;
        expect(r.exitCode, String(r.stderr)).to.equal(code);
        expect(Date.now() - sent, 'it stops waiting for the cluster at once').to.be.below(5000);
        expect(String(r.stderr)).to.match(/initc: interrupted while connecting to the cluster/);
        expect(String(r.stderr)).not.to.match(/\n\s+at /);
      } finally {
        for (const s of sockets) s.destroy();
        server.close();
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('initc report --from', function () {
  this.timeout(60_000);
  let dir: string;
  const write = async (folder: string, name: string, status: string) => {
    await fs.mkdir(folder, { recursive: true });
    const uuid = `${name}-${status}-0000-0000-000000000000`;
    await fs.writeFile(path.join(folder, `${uuid}-result.json`), JSON.stringify({ uuid, name, status, stage: 'finished', start: 1000, stop: 2000, statusDetails: status === 'failed' ? { message: 'expected a; observed b' } : {}, labels: [{ name: 'parentSuite', value: 'order: one at a time' }], steps: [], attachments: [], parameters: [], links: [] }));
  };
  beforeEach(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-report-'))));
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('merges the results of two runs into one report and junit.xml, and exits 1 when one failed', async () => {
    await write(path.join(dir, 'run-a', 'allure-results'), 'passes', 'passed');
    await write(path.join(dir, 'run-b'), 'fails', 'failed');
    const out = path.join(dir, 'out');
    const r = await initc(['report', '--from', path.join(dir, 'run-a'), path.join(dir, 'run-b'), '--out', out]);
    expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.testsFailed);
    const junit = await fs.readFile(path.join(out, 'junit.xml'), 'utf8');
    expect(junit).to.include('<testsuite name="order" tests="2" failures="1" errors="0" skipped="0"');
    expect((await fs.stat(path.join(out, 'allure-report', 'index.html'))).size).to.be.greaterThan(10_000);
    expect(String(r.stdout)).to.match(/order\s+1\s+1\s+0\s+0/);
  });

  it('a folder that does not exist, or holds no results, exits 2 with one line', async () => {
    expectOneLineError(await initc(['report', '--from', path.join(dir, 'nothing-here')]), ExitCode.usage, /--from .*nothing-here: no such folder/);
    await fs.mkdir(path.join(dir, 'empty'));
    expectOneLineError(await initc(['report', '--from', path.join(dir, 'empty')]), ExitCode.usage, /no Allure results \(\*-result\.json\)/);
    expectOneLineError(await initc(['report']), ExitCode.usage, /Missing required argument: from/);
  });
});
