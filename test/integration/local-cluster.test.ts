/**
 * The embedded cluster end to end, on this machine, as root: build (or reuse) the binaries, bring
 * the cluster up, check the node and the server version, run the smoke pod, bring it down and
 * check that nothing of it remains. A cold machine builds everything here (about 15 minutes).
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { LocalClusterProvider, fetchServerVersion, isNodeReady } from '../../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { procStartTime } from '../../lib/cluster/local/processes.js';
import { ExitCode } from '../../lib/errors.js';
import { loadKubeConfig } from '../../lib/cluster/provider.js';
import { runSmoke } from '../../fixtures/smoke.js';
import { checkRanInOrder } from '../../lib/checks/behaviours.js';
import { checkStatusAgreement } from '../../lib/checks/status-agreement.js';
import { LEASE_NAMESPACE, holdRunLease } from '../../lib/scenario/liveness.js';
import { createRunNamespace, deleteNamespace, deleteRunNamespaces, newRunId, runLabels } from '../../lib/scenario/namespace.js';
import { requestJson } from '../../lib/kube/raw.js';
import { initc } from '../support/cli.js';
import { execa } from 'execa';
import { buildFixtureImage, importImage } from '../../lib/cluster/local/images.js';
import { PAUSE_IMAGE } from '../../lib/cluster/local/configs.js';
import { LOCAL_FIXTURE_IMAGE } from '../../lib/fixture-image.js';
import { readResults } from '../../lib/report/results.js';
import { claimedSlots } from '../../lib/cluster/local/slots.js';

describe('embedded cluster (integration; root)', function () {
  this.timeout(80 * 60_000);
  const version = resolveKubeVersion(undefined);
  const provider = new LocalClusterProvider({ version });

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the embedded cluster integration test must run as root (it creates interfaces, mounts and cgroups)');
    if ((await provider.status()).state) {
      console.log('    (an embedded cluster was running: bringing it down so this test starts from nothing)');
      await provider.destroy({ progress: { info: () => undefined, step: (_t, w) => w({ update: () => undefined }) } });
    }
  });

  after(async () => {
    // Whatever failed above, leave nothing running: no run of this file, no cluster.
    if (fullRun) await fullRun.run;
    if ((await provider.status()).state) await initc(['cluster', 'down']);
  });

  /**
   * `initc run` of every suite with the embedded cluster's own provider (it offers node access, so
   * the chaos suites run too). Started by the test of killed runs as its live run, so that gc and
   * a later run work beside a real run, and judged by the test after it; the whole run is the
   * longest wait of this file, and the two overlap instead of taking turns.
   */
  let fullRun: { out: string; run: ReturnType<typeof initc> } | undefined;
  const startFullRun = async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-run-'));
    return { out, run: initc(['run', '--out', out], { stdout: 'inherit', stderr: 'inherit' }) };
  };

  it('the node address already on the host exits 5 before anything is started, and leaves nothing', async () => {
    const dev = 'initc-t5';
    await execa('ip', ['link', 'add', dev, 'type', 'bridge']); // not a dummy: this VM's kernel has no dummy type, and a bridge holds an address as well
    try {
      await execa('ip', ['addr', 'add', `${provider.layout.network.nodeIP}/32`, 'dev', dev]);
      const r = await initc(['cluster', 'up']);
      expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.portTaken);
      expect(String(r.stderr)).to.match(new RegExp(`address 10\\.253\\.0\\.1 \\(of the embedded cluster "initc"\\) is already on interface ${dev}`));
      expect(String(r.stderr).trim().split('\n').filter((l) => l.startsWith('initc:'))).to.have.length(1);
      expect(await provider.leftovers(), 'a refused up leaves nothing').to.deep.equal([]);
    } finally {
      await execa('ip', ['link', 'del', dev]);
    }
  });

  it('`initc cluster up` brings up a node that is Ready, serving the pinned version', async () => {
    const up = await initc(['cluster', 'up', '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
    expect(up.exitCode, 'cluster up exit code (its progress is printed above)').to.equal(0);
    const kc = loadKubeConfig(provider.layout.kubeconfig);
    const node = await kc.makeApiClient(CoreV1Api).readNode({ name: provider.layout.nodeName });
    expect(isNodeReady(node), `node conditions: ${JSON.stringify(node.status?.conditions)}`).to.equal(true);
    expect(node.status?.nodeInfo?.kubeletVersion).to.equal(version.gitVersion);
    expect(node.status?.nodeInfo?.containerRuntimeVersion).to.match(/^containerd:\/\/2\./);
    expect(await fetchServerVersion(kc)).to.equal(version.gitVersion);
  });

  it('a second `initc cluster up` finds the running cluster', async () => {
    const again = await initc(['cluster', 'up', '--no-merge-kubeconfig']);
    expect(again.exitCode, String(again.stderr)).to.equal(0);
    expect(String(again.stderr)).to.include('already running');
    const status = await initc(['cluster', 'status', '--json']);
    const s = JSON.parse(String(status.stdout));
    expect(s.running).to.equal(true);
    expect(s.nodeReady).to.equal(true);
    expect(s.processes.map((p: { name: string }) => p.name)).to.include.members(['etcd', 'kube-apiserver', 'kubelet', 'containerd', 'coredns', 'kube-proxy']);
  });

  it('runs a pod whose two init containers write their lines in order before the app starts', async () => {
    const kc = loadKubeConfig(provider.layout.kubeconfig);
    const result = await runSmoke(kc, newRunId());
    expect(result.pod.status?.phase).to.equal('Running');
    checkRanInOrder({ rows: result.rows, ledger: result.ledger }, ['init-a', 'init-b'], 'app');
    checkStatusAgreement([{ pod: 'smoke', rows: result.rows }]);
    const inits = result.pod.status?.initContainerStatuses ?? [];
    expect(inits.map((c) => [c.name, c.state?.terminated?.exitCode])).to.deep.equal([['init-a', 0], ['init-b', 0]]);
  });

  it('Ctrl-C during `initc run` exits 130, deletes the run\'s namespaces and leaves the cluster running', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-int-'));
    const child = initc(['run', '--suite', 'never,order,chaos-kill', '--out', out]);
    let seen = '';
    child.stderr?.on('data', (d: Buffer) => (seen += d.toString()));
    child.stdout?.on('data', (d: Buffer) => (seen += d.toString()));
    for (let i = 0; i < 120 && !/init-b|✔ exit code 3|✔ three init/.test(seen); i++) await new Promise((r) => setTimeout(r, 250));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, seen.slice(-2000)).to.equal(ExitCode.interrupted);
    const left = await loadKubeConfig(provider.layout.kubeconfig).makeApiClient(CoreV1Api).listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=initc' });
    expect(left.items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata?.name), 'namespaces of the interrupted run').to.deep.equal([]);
    const s = await provider.status();
    expect(s.running && s.nodeReady, 'every component runs and the node is Ready').to.equal(true);
  });

  it('a cluster that lacks the local fixture image: --fixture-image names one `initc image load` put there under another name, and the run passes; an image it cannot run exits 15', async () => {
    const state = (await provider.status()).state!;
    const ctr = (...args: string[]) => execa(state.binaries!.ctr, ['--address', provider.layout.containerdSocket, '-n', 'k8s.io', ...args]);
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-image-'));
    const renamed = 'localhost/other/busybox:renamed';
    let reported = false;
    try {
      // The local fixture image's archive, under another name.
      const layout = path.join(work, 'layout');
      await fs.mkdir(layout);
      await execa('tar', ['-xf', await buildFixtureImage(), '-C', layout]);
      const index = JSON.parse(await fs.readFile(path.join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ annotations: Record<string, string> }> };
      index.manifests[0]!.annotations = { 'io.containerd.image.name': renamed, 'org.opencontainers.image.ref.name': 'renamed' };
      await fs.writeFile(path.join(layout, 'index.json'), JSON.stringify(index));
      const archive = path.join(work, 'renamed.tar');
      await execa('tar', ['-cf', archive, '-C', layout, '.']);
      const load = await initc(['image', 'load', archive]);
      expect(load.exitCode, String(load.stderr)).to.equal(0);
      expect((await ctr('images', 'ls', '-q')).stdout.split('\n')).to.include(renamed);
      await ctr('images', 'rm', LOCAL_FIXTURE_IMAGE);

      const kubeconfig = ['--kubeconfig', provider.layout.kubeconfig];
      const run = await initc(['run', ...kubeconfig, '--suite', 'order', '--fixture-image', renamed, '--out', path.join(work, 'out')]);
      expect(run.exitCode, String(run.stderr).slice(-3000)).to.equal(0);
      expect(String(run.stderr)).to.include(`fixture image ${renamed} (--fixture-image)`);
      const results = await readResults(path.join(work, 'out', 'allure-results'));
      expect(results.filter((r) => r.status === 'passed').length, 'passed tests of the order suite').to.be.at.least(1);

      const missing = await initc(['run', ...kubeconfig, '--suite', 'order', '--fixture-image', LOCAL_FIXTURE_IMAGE, '--out', path.join(work, 'out2')]);
      expect(missing.exitCode, String(missing.stderr).slice(-2000)).to.equal(ExitCode.fixtureImage);
      expect(String(missing.stderr)).to.match(new RegExp(`initc: the fixture image ${LOCAL_FIXTURE_IMAGE} cannot run on this cluster: container check cannot get its image .*ErrImagePull`));
      const noShell = await initc(['run', ...kubeconfig, '--suite', 'order', '--fixture-image', PAUSE_IMAGE, '--out', path.join(work, 'out3')]);
      expect(noShell.exitCode, String(noShell.stderr).slice(-2000)).to.equal(ExitCode.fixtureImage);
      expect(String(noShell.stderr)).to.include(`initc: the fixture image ${PAUSE_IMAGE} has no working sh`);
      expect(String(noShell.stderr)).not.to.match(/\n\s+at /);
    } finally {
      await importImage(state.binaries!.ctr, provider.layout.containerdSocket, await buildFixtureImage());
      await ctr('images', 'rm', renamed).catch(() => undefined);
      await fs.rm(work, { recursive: true, force: true });
      // The node reports its images with a lag; later runs by kubeconfig choose their fixture image from that report.
      const core = loadKubeConfig(provider.layout.kubeconfig).makeApiClient(CoreV1Api);
      for (let i = 0; i < 240 && !reported; i++) {
        const node = await core.readNode({ name: provider.layout.nodeName });
        reported = Boolean(node.status?.images?.some((im) => im.names?.includes(LOCAL_FIXTURE_IMAGE)));
        if (!reported) await new Promise((r) => setTimeout(r, 500));
      }
    }
    // Said here, not swallowed (and after the finally, so it never hides the test's own failure): later tests that choose the image from the node's report would fail far from the cause.
    expect(reported, `the node reports ${LOCAL_FIXTURE_IMAGE} again within 120 s of its re-import`).to.equal(true);
    const left = await loadKubeConfig(provider.layout.kubeconfig).makeApiClient(CoreV1Api).listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=initc' });
    expect(left.items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata?.name), 'namespaces the runs left').to.deep.equal([]);
  });

  it('after `kill -9` of a run, `initc report --from` builds the report and JUnit of the tests that had finished, and exits 1 naming those that never ended', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-killed-'));
    // Its own process group, so that kill -9 reaches the CLI, its Mocha workers and all.
    const child = initc(['run', '--suite', 'validation,order,always', '--out', out], { detached: true });
    const results = path.join(out, 'allure-results');
    const finished = async () => (await fs.readdir(results).catch(() => [] as string[])).filter((f) => f.endsWith('-result.json')).length;
    for (let i = 0; i < 240 && (await finished()) < 3; i++) await new Promise((r) => setTimeout(r, 250));
    process.kill(-child.pid!, 'SIGKILL');
    await child.catch(() => undefined);
    const kept = await finished();
    expect(kept, 'results on disk when the run was killed').to.be.at.least(3);
    await fs.access(path.join(out, 'junit.xml')).then(() => expect.fail('a killed run wrote its JUnit'), () => undefined);
    const report = await initc(['report', '--from', out, '--out', out]);
    // The run planned 8 tests and was killed before they all ended: its report is no pass.
    expect(report.exitCode, String(report.stderr)).to.equal(ExitCode.testsFailed);
    expect(String(report.stderr)).to.match(/initc: \d+ planned test\(s\) never ended \(/);
    const junit = await fs.readFile(path.join(out, 'junit.xml'), 'utf8');
    const tests = [...junit.matchAll(/<testsuite[^>]* tests="(\d+)"/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(tests, 'tests in the JUnit built afterwards').to.equal(kept);
    expect((await fs.stat(path.join(out, 'allure-report', 'index.html'))).size).to.be.greaterThan(100_000);
    // What the killed run left in the cluster (its namespaces) is not this test's subject: remove it.
    await deleteRunNamespaces(loadKubeConfig(provider.layout.kubeconfig));
    await fs.rm(out, { recursive: true, force: true });
  });

  it('`initc gc` removes exactly what dead runs left (no Lease, or an expired one) and keeps a live run\'s namespaces; --dry-run only says so', async () => {
    const kc = loadKubeConfig(provider.layout.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const live = await holdRunLease(kc, 'gc-live');
    try {
      const liveNs = await createRunNamespace(kc, 'gc-live', 'gc-live');
      const expiredNs = await createRunNamespace(kc, 'gc-expired', 'gc-expired');
      const orphanNs = await createRunNamespace(kc, 'gc-no-lease', 'gc-no-lease');
      await requestJson(kc, 'POST', `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`, {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'run-gc-expired', labels: runLabels('gc-expired') }, spec: { holderIdentity: 'elsewhere/1', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.000000Z' } },
      });
      const alive = async (ns: string) => core.readNamespace({ name: ns }).then((n) => !n.metadata?.deletionTimestamp, () => false);

      const dry = await initc(['gc', '--dry-run']);
      expect(dry.exitCode, String(dry.stderr)).to.equal(0);
      expect(String(dry.stdout)).to.include(`would remove namespace ${expiredNs} (run gc-expired): its run's Lease expired`);
      expect(String(dry.stdout)).to.include(`would remove namespace ${orphanNs} (run gc-no-lease): its run holds no Lease`);
      expect(String(dry.stdout)).to.match(new RegExp(`keep namespace ${liveNs} \\(run gc-live\\): its run is alive`));
      expect([await alive(liveNs), await alive(expiredNs), await alive(orphanNs)], 'nothing removed by --dry-run').to.deep.equal([true, true, true]);

      const gc = await initc(['gc']);
      expect(gc.exitCode, String(gc.stderr)).to.equal(0);
      expect([await alive(liveNs), await alive(expiredNs), await alive(orphanNs)], 'live, expired, no Lease').to.deep.equal([true, false, false]);
      const leases = await requestJson<{ items: Array<{ metadata: { name: string } }> }>(kc, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`);
      // (A run killed by an earlier test may still hold an unexpired Lease: only this test's count here.)
      expect(leases.items.map((l) => l.metadata.name).filter((n) => n.startsWith('run-gc-'))).to.deep.equal(['run-gc-live']);
      await deleteNamespace(kc, liveNs);
    } finally {
      await live.stop();
    }
  });

  it('runs killed at several moments: `initc gc`, and separately a new run, remove exactly what the dead runs left while a live run on the same cluster (the run of every suite, judged next) keeps its namespaces', async () => {
    const kc = loadKubeConfig(provider.layout.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    // The fixture image named: by kubeconfig, the default follows the node's reported images, which lag behind a re-import.
    const kubeconfig = ['--kubeconfig', provider.layout.kubeconfig, '--fixture-image', LOCAL_FIXTURE_IMAGE];
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-crash-'));
    const leaseNames = async () => new Set((await requestJson<{ items: Array<{ metadata: { name: string } }> }>(kc, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`)).items.map((l) => l.metadata.name));
    const namespacesOf = async (runId: string) => (await core.listNamespace({ labelSelector: `initc.dev/run=${runId}` })).items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata!.name!);
    const until = async (what: string, met: () => Promise<boolean>, timeoutMs = 120_000, everyMs = 200) => {
      for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, everyMs))) if (await met()) return;
      expect.fail(`${what} within ${timeoutMs / 1000}s`);
    };
    // Each look is a CLI process (about a CPU-second): every 2 s, not back to back, through a Lease's 40 s.
    const GC_POLL_MS = 2_000;
    /** Starts a run in its own process group; resolves with its run id (from its new Lease) once `moment` holds, then kills it with SIGKILL. */
    const killRunWhen = async (name: string, suites: string, moment: (runId: string, out: string, said: string) => Promise<boolean>) => {
      const before = await leaseNames();
      const out = path.join(work, name);
      const child = initc(['run', ...kubeconfig, '--suite', suites, '--out', out], { detached: true });
      let said = '';
      child.stderr?.on('data', (d: Buffer) => (said += d.toString()));
      let runId = '';
      await until(`${name}: its Lease`, async () => {
        runId = [...(await leaseNames())].find((l) => !before.has(l))?.slice('run-'.length) ?? '';
        return Boolean(runId);
      });
      await until(`${name}: the moment to kill it`, () => moment(runId, out, said));
      process.kill(-child.pid!, 'SIGKILL');
      await child.catch(() => undefined);
      return runId;
    };
    const resultsIn = async (out: string) => (await fs.readdir(path.join(out, 'allure-results')).catch(() => [] as string[])).filter((f) => f.endsWith('-result.json')).length;

    // The live run is the run of every suite, which the next test awaits and judges: it outlives the kills and gc below.
    const liveBefore = await leaseNames();
    fullRun = await startFullRun();
    let liveId = '';
    await until('the live run\'s Lease', async () => {
      liveId = [...(await leaseNames())].find((l) => !liveBefore.has(l))?.slice('run-'.length) ?? '';
      return Boolean(liveId);
    });
    await until('the live run\'s scenarios under way (its output is above)', async () => (await namespacesOf(liveId)).some((n) => !n.startsWith('initc-fixture-image')));
    try {
      const leaseOnly = await killRunWhen('right after its Lease', 'order', async (_id, _out, said) => said.includes('▸ fixture image'));
      const midSuite = await killRunWhen('with scenarios running', 'order,never', async (id) => (await namespacesOf(id)).some((n) => !n.startsWith('initc-fixture-image')));
      const deadLeft = [...(await namespacesOf(leaseOnly)), ...(await namespacesOf(midSuite))];
      expect(deadLeft.length, 'namespaces the killed runs left').to.be.at.least(1);
      const liveNs = await namespacesOf(liveId);
      expect(liveNs.length, 'the live run has namespaces while gc runs').to.be.at.least(1);

      // A dead run's Lease stays valid for up to 40 s after its last renewal: until then it looks alive.
      await until('the killed runs\' Leases expire', async () => !String((await initc(['gc', '--dry-run'])).stdout).includes(`(run ${midSuite}): its run is alive`), 90_000, GC_POLL_MS);
      const gc = await initc(['gc']);
      expect(gc.exitCode, String(gc.stderr)).to.equal(0);
      for (const ns of deadLeft) expect(String(gc.stdout)).to.include(`namespace ${ns} (run `);
      expect(String(gc.stdout), 'gc touched no namespace of the live run').not.to.match(new RegExp(`remove namespace \\S+ \\(run ${liveId}\\)`));
      expect([...(await namespacesOf(leaseOnly)), ...(await namespacesOf(midSuite))], 'what the killed runs left, after gc').to.deep.equal([]);
      const leases = await leaseNames();
      expect([leases.has(`run-${leaseOnly}`), leases.has(`run-${midSuite}`), leases.has(`run-${liveId}`)], 'Leases: killed, killed, live').to.deep.equal([false, false, true]);

      const withResults = await killRunWhen('after tests finished', 'validation,order', async (_id, out) => (await resultsIn(out)) >= 2);
      const left = await namespacesOf(withResults);
      await until('the third killed run\'s Lease expires', async () => !String((await initc(['gc', '--dry-run'])).stdout).includes(`(run ${withResults}): its run is alive`), 90_000, GC_POLL_MS);
      const liveNow = await namespacesOf(liveId);
      const next = await initc(['run', ...kubeconfig, '--suite', 'validation', '--out', path.join(work, 'next')]);
      expect(next.exitCode, String(next.stderr).slice(-2000)).to.equal(0);
      expect(String(next.stderr)).to.include('removed what dead runs left');
      for (const ns of left) expect(String(next.stderr)).to.include(`namespace ${ns} (`);
      expect(String(next.stderr)).to.include(`Lease run-${withResults}`);
      for (const ns of liveNow) expect(String(next.stderr), 'the new run removed nothing of the live run').not.to.include(`namespace ${ns} (`);
      expect(await namespacesOf(withResults)).to.deep.equal([]);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });


  it('`initc run` passes every conformance and chaos suite on it (while the test above killed other runs and gc ran) and writes the Allure report and JUnit XML; the node runs as before', async () => {
    fullRun ??= await startFullRun();
    const { out } = fullRun;
    try {
      const run = await fullRun.run;
      const junit = await fs.readFile(path.join(out, 'junit.xml'), 'utf8');
      const attr = (name: string) => [...junit.matchAll(new RegExp(`<testsuite[^>]* ${name}="(\\d+)"`, 'g'))].reduce((sum, m) => sum + Number(m[1]), 0);
      expect(run.exitCode, 'initc run exit code (its output is above; the report is in ' + out + ')').to.equal(0);
      expect(attr('tests'), 'tests in junit.xml').to.be.at.least(32);
      expect(attr('failures') + attr('errors'), 'failed tests in junit.xml').to.equal(0);
      // Only the gated suites skip, each test saying which gate the default cluster (1.34) runs off; nothing else.
      const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')) as { tests: Array<{ suite: string; status: string; message: string | null }> };
      const skipped = results.tests.filter((t) => t.status === 'skipped');
      expect(attr('skipped'), 'skipped tests in junit.xml and results.json').to.equal(skipped.length);
      for (const t of skipped) {
        expect(t.suite, `skipped: ${t.suite}: ${t.message}`).to.be.oneOf(['restart-rules', 'restart-all', 'env-files', 'resize-init']);
        expect(t.message, `${t.suite}'s skip reason`).to.match(/^(ContainerRestartRules|RestartAllContainersOnContainerExits|EnvFiles|InPlacePodVerticalScalingInitContainers): the API server (dropped|refused)/);
      }
      const report = await fs.stat(path.join(out, 'allure-report', 'index.html'));
      expect(report.size, 'single-file Allure report').to.be.greaterThan(100_000);
      // The node-wide suite ran on an embedded cluster of its own, at the same time, and its results joined the run's.
      const nodeWide = results.tests.filter((t) => t.suite === 'chaos-node');
      expect(nodeWide.length, 'chaos-node tests in results.json').to.be.at.least(4);
      expect(nodeWide.filter((t) => t.status !== 'passed'), 'chaos-node tests that did not pass').to.deep.equal([]);
      expect((await fs.readdir(path.join(out, 'node-suites'))).sort(), 'the node-wide suites\' own run folder').to.include.members(['allure-results', 'junit.xml']);
      expect(await new LocalClusterProvider({ version, name: 'initc-wn' }).leftovers(), 'what the node-wide suites\' own cluster left').to.deep.equal([]);
      const s = await provider.status();
      expect(s.running && s.nodeReady, `after the chaos suites every component runs and the node is Ready: ${JSON.stringify(s.processes)}`).to.equal(true);
      const left = await loadKubeConfig(provider.layout.kubeconfig).makeApiClient(CoreV1Api).listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=initc' });
      expect(left.items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata?.name), 'namespaces of the run not deleted').to.deep.equal([]);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });

  it('`initc run` that runs no test exits 12, not 0', async () => {
    const run = await initc(['run', '--kubeconfig', provider.layout.kubeconfig, '--fixture-image', LOCAL_FIXTURE_IMAGE, '--grep', 'no test has this title', '--out', await fs.mkdtemp(path.join(os.tmpdir(), 'initc-none-'))]);
    expect(run.exitCode, String(run.stderr)).to.equal(ExitCode.nothingRan);
    expect(String(run.stderr)).to.match(/no test ran/);
  });

  it('while another live process holds the cluster, `up`, `down` and `run` refuse with exit 13 and the cluster keeps running', async () => {
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await fs.writeFile(provider.layout.lockFile, JSON.stringify({ pid: holder.pid, startTime: await procStartTime(holder.pid!), purpose: 'initc run (test holder)', since: new Date().toISOString() }));
      for (const args of [['cluster', 'down'], ['cluster', 'up', '--no-merge-kubeconfig'], ['run', '--suite', 'order']]) {
        const r = await initc(args);
        expect(r.exitCode, `initc ${args.join(' ')}: ${String(r.stderr)}`).to.equal(ExitCode.busy);
        expect(String(r.stderr)).to.match(/is busy: `initc run \(test holder\)` \(pid \d+\)/);
      }
      expect((await provider.status()).running, 'the cluster still runs').to.equal(true);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    // The holder died without releasing: the next taker takes the stale lock over.
    const status = await initc(['cluster', 'up', '--no-merge-kubeconfig']);
    expect(status.exitCode, String(status.stderr)).to.equal(0);
    await fs.access(provider.layout.lockFile).then(() => expect.fail('up left its lock behind'), () => undefined);
  });

  it('a named cluster of another version runs side by side with the default one: own context, address and ranges; suites pass on both at once; its lock and `down` leave the default cluster alone', async () => {
    const named = new LocalClusterProvider({ version: resolveKubeVersion('1.36'), name: 'side' });
    try {
      const bad = await initc(['cluster', 'up', '--name', 'Side_1']);
      expect(bad.exitCode, String(bad.stderr)).to.equal(ExitCode.usage);
      expect(String(bad.stderr)).to.match(/"Side_1" is not a cluster name/);
      const up = await initc(['cluster', 'up', '--name', 'side', '--k8s-version', '1.36', '--no-merge-kubeconfig']);
      expect(up.exitCode, String(up.stderr)).to.equal(0);
      const list = JSON.parse(String((await initc(['cluster', 'list', '--json'])).stdout)) as Array<{ name: string; context: string; gitVersion: string; state: string; nodeIP: string }>;
      // Other tests' named clusters may run meanwhile (test/support/lanes.ts): only these two are this test's.
      const ours = list.filter((c) => c.name === 'initc' || c.name === 'side');
      expect(ours.map((c) => [c.name, c.context, c.gitVersion, c.state])).to.deep.equal([
        ['initc', 'initc', version.gitVersion, 'running'],
        ['side', 'initc-side', 'v1.36.5', 'running'],
      ]);
      expect(ours[1]!.nodeIP).not.to.equal(ours[0]!.nodeIP);
      const nodes = await initc(['kubectl', '--name', 'side', 'get', 'nodes', '-o', 'name']);
      expect(String(nodes.stdout).trim()).to.equal('node/initc-side-node');
      expect(await fetchServerVersion(loadKubeConfig(named.layout.kubeconfig))).to.equal('v1.36.5');

      // Services, DNS and pod networking on both at once: each kube-proxy keeps its own rules in its own namespace.
      const [a, b] = await Promise.all([
        initc(['run', '--suite', 'network,order', '--no-chaos', '--out', await fs.mkdtemp(path.join(os.tmpdir(), 'initc-side-a-'))]),
        initc(['run', '--local-cluster', 'side', '--k8s-version', '1.36', '--suite', 'network,order', '--no-chaos', '--out', await fs.mkdtemp(path.join(os.tmpdir(), 'initc-side-b-'))]),
      ]);
      expect(a.exitCode, `default cluster's run: ${String(a.stdout).slice(-3000)}${String(a.stderr)}`).to.equal(0);
      expect(b.exitCode, `named cluster's run: ${String(b.stdout).slice(-3000)}${String(b.stderr)}`).to.equal(0);
      expect((await named.status()).running, 'a run on a cluster that was running leaves it running').to.equal(true);

      const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
      try {
        await fs.writeFile(named.layout.lockFile, JSON.stringify({ pid: holder.pid, startTime: await procStartTime(holder.pid!), purpose: 'initc run (test holder)', since: new Date().toISOString() }));
        const refused = await initc(['cluster', 'down', '--name', 'side']);
        expect(refused.exitCode, String(refused.stderr)).to.equal(ExitCode.busy);
        expect(String(refused.stderr)).to.match(/the embedded cluster "side" is busy/);
        expect((await initc(['cluster', 'status'])).exitCode, 'the default cluster is not held by side\'s lock').to.equal(0);
      } finally {
        holder.kill('SIGKILL');
        await new Promise((r) => holder.once('exit', r));
      }
      const down = await initc(['cluster', 'down', '--name', 'side']);
      expect(down.exitCode, String(down.stderr)).to.equal(0);
      expect(await named.leftovers()).to.deep.equal([]);
      expect(claimedSlots().filter((c) => c.name === 'side'), 'its slot is given back').to.deep.equal([]);
      expect((await provider.status()).running, 'the default cluster still runs').to.equal(true);
      expect((await provider.status()).nodeReady, 'and its node is Ready').to.equal(true);
    } finally {
      if ((await named.status()).state || claimedSlots().some((c) => c.name === 'side')) await initc(['cluster', 'down', '--name', 'side']);
    }
  });

  it('`initc cluster down` leaves no process, mount, interface, chain or folder of the cluster', async () => {
    const pidsBefore = (await provider.status()).processes.map((p) => p.pid);
    expect(pidsBefore.length).to.be.greaterThan(0);
    const down = await initc(['cluster', 'down']);
    expect(down.exitCode, String(down.stderr)).to.equal(0);
    expect(await provider.leftovers()).to.deep.equal([]);
    const status = await initc(['cluster', 'status']);
    expect(status.exitCode).to.equal(10);
  });
  it('`initc compare --versions 1.34,1.36` runs each version on its own embedded cluster, side by side, labels the columns with what the servers said, and shows the 1.35 STATUS change of a killed init container', async () => {
    expect((await provider.status()).state, 'no embedded cluster runs before the comparison').to.equal(undefined);
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-compare-'));
    try {
      const r = await initc(['compare', '--versions', '1.34,1.36', '--suite', 'chaos-kill', '--grep', 'restartPolicy Always, SIGKILL', '--out', out], { all: true });
      console.log(String(r.all));
      expect(r.exitCode, 'initc compare exit code (its output is above)').to.equal(0);
      const cmp = JSON.parse(await fs.readFile(path.join(out, 'compare.json'), 'utf8')) as {
        columns: Array<{ cluster: { serverVersion: string; kubeletVersion: string; provider: string } }>;
        rows: Array<{ suite: string; differs: boolean; differences: Array<{ kind: string; detail: string }>; cells: Array<{ status: string }> }>;
      };
      expect(cmp.columns.map((c) => [c.cluster.serverVersion, c.cluster.kubeletVersion, c.cluster.provider])).to.deep.equal([
        ['v1.34.12', 'v1.34.12', 'local'],
        ['v1.36.5', 'v1.36.5', 'local'],
      ]);
      const killed = cmp.rows.find((x) => x.suite === 'chaos-kill');
      expect(killed?.cells.map((c) => c.status), 'the killed-init-container test on both versions').to.deep.equal(['passed', 'passed']);
      // From 1.35 a restarting init container is counted as not done: STATUS goes back to Init:1/3 (SPEC.md, printPod).
      const status = killed!.differences.find((d) => d.kind === 'statusSequence');
      expect(status?.detail, JSON.stringify(killed)).to.match(/v1\.34\.12: [^;]*Init:Error → Init:2\/3[^;]*; v1\.36\.5: [^;]*Init:Error → Init:1\/3 → Init:2\/3/);
      expect(killed!.differs).to.equal(true);
      for (const f of ['compare.html', 'compare.md']) expect((await fs.stat(path.join(out, f))).size, f).to.be.greaterThan(1000);
      // Side by side: each version's run (from its first step, the cluster's start) began before the
      // other's suites ended. Its tests alone take seconds: under load one cluster's start can outlast them.
      const lines = String(r.all).split('\n');
      const began = (v: string) => lines.findIndex((l) => l.startsWith(`[${v}] `));
      const suitesEnded = (v: string) => lines.findIndex((l) => l.startsWith(`[${v}] ✔ suites `));
      expect([began('1.34'), began('1.36'), suitesEnded('1.34'), suitesEnded('1.36')].every((i) => i >= 0), 'each run\'s first step and its suites\' end in the output').to.equal(true);
      expect(began('1.34'), 'the 1.34 run began before the 1.36 run\'s suites ended').to.be.lessThan(suitesEnded('1.36'));
      expect(began('1.36'), 'the 1.36 run began before the 1.34 run\'s suites ended').to.be.lessThan(suitesEnded('1.34'));
      expect(await provider.leftovers(), 'the default cluster was not touched').to.deep.equal([]);
      expect(claimedSlots().filter((c) => c.name.startsWith('cmp-')), 'each run stopped its cluster and gave its slot back').to.deep.equal([]);
      expect(String((await execa('ip', ['netns', 'list'])).stdout)).not.to.match(/initc-cmp-/);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });
});
