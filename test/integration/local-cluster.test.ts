/**
 * The embedded cluster end to end, on this machine, as root: build (or reuse) the binaries, bring
 * the cluster up, check the node and the server version, run the smoke pod, bring it down and
 * check that nothing of it remains. A cold machine builds everything here (about 15 minutes).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { LocalClusterProvider, fetchServerVersion, isNodeReady } from '../../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { loadKubeConfig } from '../../lib/cluster/provider.js';
import { runSmoke } from '../../fixtures/smoke.js';
import { checkRanInOrder } from '../../lib/checks/behaviours.js';
import { checkStatusAgreement } from '../../lib/checks/status-agreement.js';
import { newRunId } from '../../lib/scenario/namespace.js';
import { initc } from '../support/cli.js';

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
    // Whatever failed above, leave nothing running.
    if ((await provider.status()).state) await initc(['cluster', 'down']);
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

  it('`initc run` passes every conformance suite on it and writes the Allure report and JUnit XML', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-run-'));
    try {
      const run = await initc(['run', '--kubeconfig', provider.layout.kubeconfig, '--out', out], { stdout: 'inherit', stderr: 'inherit' });
      const junit = await fs.readFile(path.join(out, 'junit.xml'), 'utf8');
      const attr = (name: string) => Number(new RegExp(`<testsuite[^>]* ${name}="(\\d+)"`).exec(junit)?.[1] ?? NaN);
      expect(run.exitCode, 'initc run exit code (its output is above; the report is in ' + out + ')').to.equal(0);
      expect(attr('tests'), 'tests in junit.xml').to.be.at.least(17);
      expect(attr('failures') + attr('errors'), 'failed tests in junit.xml').to.equal(0);
      expect(attr('skipped'), 'skipped tests in junit.xml (the embedded cluster supports every feature)').to.equal(0);
      const report = await fs.stat(path.join(out, 'allure-report', 'index.html'));
      expect(report.size, 'single-file Allure report').to.be.greaterThan(100_000);
      const left = await loadKubeConfig(provider.layout.kubeconfig).makeApiClient(CoreV1Api).listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=initc' });
      expect(left.items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata?.name), 'namespaces of the run not deleted').to.deep.equal([]);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
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
});
