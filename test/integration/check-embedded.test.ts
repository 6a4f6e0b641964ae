/**
 * `initc check` on an embedded cluster of its own (named `chk`, brought up in before() and down in
 * after()), on workloads initc's examples do not have: the Kubernetes documentation's own
 * init-container example, and a bare Pod and a StatefulSet whose init containers run for well under
 * a second. Every fault that can be injected is, and none of them is skipped for a reason of
 * initc's making; the appending init container is caught; the same cluster reached as a plain
 * kubeconfig cluster (no node access) injects no fault and exits 12, never 0.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { ExitCode } from '../../lib/errors.js';
import { loadKubeConfig } from '../../lib/cluster/provider.js';
import { MANAGED_BY_LABEL } from '../../lib/scenario/namespace.js';
import { projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';

const fixture = (name: string) => path.join(projectRoot(), 'test', 'fixtures', 'check', name);
const NAME = 'chk';

interface Outcome {
  exitCode?: number;
  stdout: string;
  stderr: string;
  junit: string;
  /** Every text attachment of the check's Allure results (the evidence: DNS answers, kills, outcomes). */
  attachments: string;
}

describe('initc check on the embedded cluster (integration; root)', function () {
  this.timeout(30 * 60_000);
  let tmp: string;
  let kubeconfig: string;

  const check = async (file: string, args: string[]): Promise<Outcome> => {
    const out = path.join(tmp, path.basename(file, '.yaml'));
    const t0 = Date.now();
    const r = await initc(['check', '-f', fixture(file), '--out', out, ...args]);
    console.log(`    (${file} ${args.join(' ')}: exit ${r.exitCode} in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const junit = await fs.readFile(path.join(out, 'junit.xml'), 'utf8').catch(() => '');
    const results = path.join(out, 'allure-results');
    const texts = (await fs.readdir(results).catch(() => [] as string[])).filter((f) => f.endsWith('-attachment.txt'));
    const attachments = (await Promise.all(texts.map((f) => fs.readFile(path.join(results, f), 'utf8')))).join('\n');
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), junit: junit.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16))), attachments };
  };
  /** The test lines Mocha's spec reporter printed: ✔ passed, N) failed, - skipped. */
  const lines = (o: Outcome) => o.stdout.split('\n').map((l) => l.trim());
  const passed = (o: Outcome, re: RegExp) => expect(lines(o).some((l) => l.startsWith('✔') && re.test(l)), `${re} passed in:\n${o.stdout}`).to.equal(true);
  const failed = (o: Outcome, re: RegExp) => expect(lines(o).some((l) => /^\d+\) /.test(l) && re.test(l)), `${re} failed in:\n${o.stdout}`).to.equal(true);

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the embedded cluster integration test must run as root');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-check-embedded-'));
    const up = await initc(['cluster', 'up', '--name', NAME, '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
    expect(up.exitCode, 'cluster up --name chk').to.equal(0);
    kubeconfig = path.join(tmp, 'kubeconfig');
    const kc = await initc(['cluster', 'kubeconfig', '--name', NAME]);
    await fs.writeFile(kubeconfig, String(kc.stdout));
  });

  after(async () => {
    await initc(['cluster', 'down', '--name', NAME]);
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('the documentation\'s myapp-pod: sandbox loss and node reboot hold; its init containers wait forever on each Service (proven gone from inside the namespace): exit 1', async () => {
    const o = await check('docs-myapp-pod.yaml', ['--local-cluster', NAME, '--faults', 'lose-sandbox,node-reboot,service-outage', '--outage-seconds', '10']);
    expect(o.exitCode, o.stderr + o.stdout).to.equal(ExitCode.testsFailed);
    passed(o, /^✔ Ready: Pod\/myapp-pod/);
    passed(o, /sandbox lost after Ready: .*idempotency not compared \(no --probe\)/);
    passed(o, /node reboot .*idempotency not compared \(no --probe\)/);
    for (const svc of ['myservice', 'mydb']) failed(o, new RegExp(`dependency outage: Service ${svc} gone for 10 s`));
    expect(o.stdout).to.match(/init container init-myservice was still waiting, never ended, never restarted/);
    expect(o.attachments).to.match(/nslookup myservice\.initc-check-myapp-pod-[^ ]+\.svc\.cluster\.local → nxdomain/);
    expect(o.stdout).to.match(/NOT CHECKED idempotency: no --probe was given/);
    expect(o.stdout).to.not.match(/NOT CHECKED (?!idempotency)|\(skipped:/);
  });

  it('a bare Pod with sub-second init containers, one appending: every fault runs; the appending one is caught after the sandbox loss and the node reboot: exit 1', async () => {
    const o = await check('appending-pod.yaml', ['--local-cluster', NAME, '--probe', 'cat /data/config /data/migrations']);
    expect(o.exitCode, o.stderr + o.stdout).to.equal(ExitCode.testsFailed);
    passed(o, /^✔ Ready: Pod\/migrator .*the --probe succeeds on it/);
    failed(o, /sandbox lost after Ready: .*probe output unchanged/);
    failed(o, /node reboot .*probe output unchanged/);
    expect(o.stdout).to.match(/not idempotent: the --probe output after the sandbox loss differs/);
    expect(o.stdout).to.match(/not idempotent: the --probe output after the node reboot differs/);
    // Each runs for well under a second: the embedded cluster's runtime holds it at its start, and the kill never depends on a race.
    for (const victim of ['write-config', 'migrate']) passed(o, new RegExp(`init container ${victim} killed \\(SIGKILL\\) during a fresh start`));
    expect(o.attachments).to.match(/migrate was killed held at its start/);
    expect(o.stdout).to.match(/dependency outage \(skipped: the manifests define no Service to take away\)/);
    expect(o.stdout).to.not.match(/skipped: the pod is|never became Ready|finished before initc could kill it/);
  });

  it('a StatefulSet with sub-second idempotent init containers: every fault (each init container killed, the sandbox loss, the node reboot, its Service\'s outage) holds, none skipped: exit 0', async () => {
    // The faults that keep the pod (the ones that replace it: check-production.test.ts).
    const o = await check('idempotent-statefulset.yaml', ['--local-cluster', NAME, '--probe', 'cat /data/config', '--outage-seconds', '15', '--faults', 'lose-sandbox,kill-init,node-reboot,service-outage']);
    expect(o.exitCode, o.stderr + o.stdout).to.equal(ExitCode.ok);
    passed(o, /sandbox lost after Ready: .*probe output unchanged/);
    passed(o, /node reboot .*probe output unchanged/);
    passed(o, /dependency outage: Service peers gone for 15 s/);
    for (const victim of ['wait-for-peers', 'render-config']) passed(o, new RegExp(`init container ${victim} killed \\(SIGKILL\\) during a fresh start`));
    expect(o.stdout).to.not.match(/NOT CHECKED|\(skipped:/);
    expect((o.junit.match(/<testcase /g) ?? []).length, 'static, Ready, two kills, sandbox, reboot, outage').to.equal(7);
    expect(o.junit).to.not.match(/<skipped|<failure/);
    expect(o.attachments).to.match(/init container wait-for-peers gave up \(exited non-zero\) during the outage/);
    expect(o.stdout).to.not.match(/skipped: the pod is|never became Ready/);
  });

  it('the same cluster by kubeconfig, without node access, and no Service: no fault can be injected: exit 12, each fault named with why', async () => {
    // The faults that need the node (replace-pod, rollout, scale-out and drain act through the API alone).
    const o = await check('appending-pod.yaml', ['--kubeconfig', kubeconfig, '--probe', 'cat /data/config', '--faults', 'lose-sandbox,kill-init,node-reboot,service-outage']);
    expect(o.exitCode, o.stderr + o.stdout).to.equal(ExitCode.nothingRan);
    expect(o.stderr).to.match(/^initc: no fault was injected, so nothing shows how the init containers behave under failure: 4 skipped: the kubeconfig provider offers no access to the node .*; 1 skipped: the manifests define no Service to take away$/m);
    expect(o.stdout).to.match(/NOT CHECKED sandbox lost after Ready: .*\(skipped: the kubeconfig provider offers no access to the node/);
    passed(o, /^✔ Ready: Pod\/migrator/);
  });

  it('an init container that cannot download its configuration (no route out): the failed Ready quotes its exit code and its last log lines; exit 1', async () => {
    const o = await check('downloads-offline.yaml', ['--local-cluster', NAME, '--ready-within', '20', '--faults', 'lose-sandbox']);
    expect(o.exitCode, o.stderr + o.stdout).to.equal(ExitCode.testsFailed);
    failed(o, /Ready: Deployment\/fetcher is applied and its pod becomes Ready within 20 s/);
    expect(o.stdout).to.match(/Why, as its init containers tell it:\n {2}init container fetch-config: .*exit \d+ \(Error\), restarted \d+ time\(s\)\n {4}last log lines(?: of its previous attempt)?:\n {6}fetching http:\/\/example\.com\/config/);
    expect(o.stdout).to.match(/NOT CHECKED sandbox lost after Ready: .*\(skipped: the workload never became Ready\)/);
  });

  it('leaves no namespace of a check behind', async () => {
    const kc = loadKubeConfig(kubeconfig);
    const list = await kc.makeApiClient(CoreV1Api).listNamespace({ labelSelector: `${MANAGED_BY_LABEL}=initc` });
    expect(list.items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata!.name)).to.deep.equal([]);
  });
});
