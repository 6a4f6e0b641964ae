/**
 * `initc check` end to end on the kind files' shared cluster (test/support/shared-kind.ts):
 * each workload of examples/check/ through the CLI, asserting the verdicts and the exit codes, and
 * that no namespace of a check is left. About 3–4 minutes with the node image built.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KindCluster } from '../../lib/cluster/kind/kind.js';
import { ExitCode } from '../../lib/errors.js';
import { MANAGED_BY_LABEL } from '../../lib/scenario/namespace.js';
import { projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';
import { sharedKindCluster } from '../support/shared-kind.js';

const example = (name: string) => path.join(projectRoot(), 'examples', 'check', name);

interface Outcome {
  exitCode?: number;
  stdout: string;
  stderr: string;
  out: string;
  seconds: number;
}

describe('initc check (integration; kind)', function () {
  this.timeout(15 * 60_000);
  let cluster: KindCluster;
  let tmp: string;

  const check = async (ex: string, args: string[], file = example(ex)): Promise<Outcome> => {
    const out = path.join(tmp, ex);
    const t0 = Date.now();
    const r = await initc(['check', '-f', file, '--kind-cluster', cluster.clusterName, '--out', out, ...args]);
    const o = { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr), out, seconds: (Date.now() - t0) / 1000 };
    console.log(`    (${ex}: exit ${o.exitCode} in ${o.seconds.toFixed(1)} s)`);
    return o;
  };
  /** The JUnit file, its character references decoded (Mocha's xunit writes │ as &#x2502;). */
  const junit = async (o: Outcome) =>
    (await fs.readFile(path.join(o.out, 'junit.xml'), 'utf8')).replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16))).replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)));

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-check-it-'));
    ({ cluster } = await sharedKindCluster());
  });

  after(async () => {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  let refused: Outcome, appends: Outcome, waits: Outcome, fast: Outcome;

  it('runs the four short checks side by side (none reboots the node)', async () => {
    [refused, appends, waits, fast] = await Promise.all([
      check('probe-on-init', []),
      check('appends-to-volume', ['--faults', 'lose-sandbox', '--probe', 'cat /data/out']),
      check('waits-forever', ['--faults', 'service-outage', '--outage-seconds', '10']),
      check('sub-second', ['--faults', 'kill-init', '--probe', 'cat /data/config /data/migrations'], path.join(projectRoot(), 'test', 'fixtures', 'check', 'appending-pod.yaml')),
    ]);
  });

  it('init containers of well under a second: the node\'s runtime holds each at its start and the kill never depends on a race; exit 0', async () => {
    expect(fast.exitCode, fast.stderr + fast.stdout).to.equal(ExitCode.ok);
    for (const victim of ['write-config', 'migrate']) expect(fast.stdout).to.match(new RegExp(`✔ init container ${victim} killed \\(SIGKILL\\) during a fresh start`));
    const results = path.join(fast.out, 'allure-results');
    const texts = await Promise.all((await fs.readdir(results)).filter((f) => f.endsWith('-attachment.txt')).map((f) => fs.readFile(path.join(results, f), 'utf8')));
    expect(texts.join('\n')).to.match(/migrate was killed held at its start/);
  });

  it('a probe on a plain init container: refused by the API server\'s dry run, exit 16, the field named', () => {
    expect(refused.exitCode, refused.stderr).to.equal(ExitCode.badManifest);
    expect(refused.stdout).to.match(/refused\s+Pod\/probed spec\.initContainers\[0\]\.readinessProbe/);
    expect(refused.stderr).to.match(/initc: the API server refuses the manifests: Pod\/probed spec\.initContainers\[0\]\.readinessProbe: .*may not be set for init containers without restartPolicy=Always/);
  });

  it('an init container appending to a volume: Ready passes, the sandbox loss is caught as not idempotent, both outputs side by side; exit 1', async () => {
    expect(appends.exitCode, appends.stderr + appends.stdout).to.equal(ExitCode.testsFailed);
    expect(appends.stdout).to.match(/FAILED sandbox lost after Ready/);
    expect(appends.stdout).to.match(/not idempotent: the --probe output after the sandbox loss differs/);
    for (const text of [appends.stdout, await junit(appends)]) {
      expect(text).to.match(/migration 0001 applied\s+│ migration 0001 applied/);
      expect(text).to.match(/≠\s+│ migration 0001 applied/);
    }
    const xml = await junit(appends);
    expect(xml).to.match(/<testcase[^>]*Ready:/);
  });

  it('an init container waiting forever on a Service: flagged statically and by the outage check; exit 1', () => {
    expect(waits.exitCode, waits.stderr + waits.stdout).to.equal(ExitCode.testsFailed);
    expect(waits.stdout).to.match(/warning Deployment\/waiter spec\.template\.spec\.initContainers\[0\]\.command\n\s+init container wait-for-backend waits in a loop with no bound/);
    expect(waits.stdout).to.match(/FAILED dependency outage: Service backend gone for 10 s/);
    expect(waits.stdout).to.match(/init container wait-for-backend was still waiting, never ended, never restarted/);
  });

  it('idempotent init code passes every fault that keeps the pod (sandbox lost, each init container killed, node reboot, Service outage); exit 0', async () => {
    const ok = await check('idempotent', ['--probe', 'cat /data/config', '--faults', 'lose-sandbox,kill-init,node-reboot,service-outage']);
    expect(ok.exitCode, ok.stderr + ok.stdout).to.equal(ExitCode.ok);
    const xml = await junit(ok);
    expect((xml.match(/<testcase /g) ?? []).length).to.equal(7);
    expect(xml).to.not.match(/<skipped|<failure/);
    expect(ok.stdout).to.match(/Wall time [\d.]+ s beside the cluster's own recovery times [\d.]+ s/);
  });

  it('leaves no namespace of a check behind', async () => {
    const list = await cluster.kubeConfig().makeApiClient(CoreV1Api).listNamespace({ labelSelector: `${MANAGED_BY_LABEL}=initc` });
    expect(list.items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata!.name)).to.deep.equal([]);
  });
});
