/**
 * `initc check` with the faults that re-run init code in production (replace-pod, rollout,
 * scale-out, drain), on an embedded cluster of its own (named `fltt`, brought up in before() and
 * down in after()) with its default StorageClass: the migration examples of examples/check, whose
 * init container records a migration in a file on a PersistentVolumeClaim. The unsafe one (guarded
 * by a marker in the pod's emptyDir) holds under a sandbox loss and is caught by replace-pod and
 * scale-out; the safe one (a lock and a look at the data first) passes every new fault, replace-pod
 * through the Eviction API; the same behind a PodDisruptionBudget that allows no eviction fails
 * replace-pod --evict (429) and the drain (blocked), naming the budget. Each prints its wall time beside the cluster's recovery per fault.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../lib/errors.js';
import { projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';

const NAME = 'fltt';
const PROBE = 'wc -l < /db/schema_migrations';
const example = (name: string) => (name.endsWith('.yaml') ? path.join(projectRoot(), 'test', 'fixtures', 'check', name) : path.join(projectRoot(), 'examples', 'check', name));

interface Outcome {
  exitCode?: number;
  stdout: string;
  stderr: string;
  /** Every text attachment of the check's Allure results (probe outputs, drain outcomes, replicas' init runs). */
  attachments: string;
}

describe('initc check: the faults that re-run init code in production (integration; root)', function () {
  this.timeout(10 * 60_000);
  let tmp: string;

  const check = async (name: string, args: string[]): Promise<Outcome> => {
    const out = path.join(tmp, name);
    const t0 = Date.now();
    const r = await initc(['check', '-f', example(name), '--local-cluster', NAME, '--probe', PROBE, '--out', out, ...args]);
    const stdout = String(r.stdout);
    console.log(`    (${name} ${args.join(' ')}: exit ${r.exitCode} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${stdout.split('\n').filter((l) => /^(Recovery|Wall time)/.test(l)).join('; ')})`);
    const results = path.join(out, 'allure-results');
    const texts = (await fs.readdir(results).catch(() => [] as string[])).filter((f) => f.endsWith('-attachment.txt'));
    const attachments = (await Promise.all(texts.map((f) => fs.readFile(path.join(results, f), 'utf8')))).join('\n');
    return { exitCode: r.exitCode, stdout, stderr: String(r.stderr), attachments };
  };
  const lines = (o: Outcome) => o.stdout.split('\n').map((l) => l.trim());
  const passed = (o: Outcome, re: RegExp) => expect(lines(o).some((l) => l.startsWith('✔') && re.test(l)), `${re} passed in:\n${o.stdout}`).to.equal(true);
  const failed = (o: Outcome, re: RegExp) => expect(lines(o).some((l) => /^\d+\) /.test(l) && re.test(l)), `${re} failed in:\n${o.stdout}`).to.equal(true);

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the embedded cluster integration test must run as root');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-check-production-'));
    const up = await initc(['cluster', 'up', '--name', NAME, '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
    expect(up.exitCode, `cluster up --name ${NAME}`).to.equal(0);
  });

  after(async () => {
    await initc(['cluster', 'down', '--name', NAME]);
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('the unsafe migration holds under a sandbox loss, and is caught by replace-pod (the new pod applies it again) and scale-out (3 replicas apply it): exit 1 naming both', async () => {
    const o = await check('migration-unsafe', ['--faults', 'lose-sandbox,replace-pod,scale-out']);
    expect(o.exitCode, o.stderr + o.stdout).to.equal(ExitCode.testsFailed);
    passed(o, /^✔ sandbox lost after Ready: .*probe output unchanged/);
    failed(o, /replace-pod: a pod deleted through the API/);
    failed(o, /scale-out: 3 replicas at once/);
    expect(o.stdout).to.match(/FAILED replace-pod: /);
    expect(o.stdout).to.match(/FAILED scale-out: /);
    expect(o.stdout).to.match(/not idempotent: the --probe output after the pod was deleted and replaced differs from the one before it \(exit 0 before, 0 after\)\n\s+before │ after\n\s+─+┼─+\n≠ 1\s+│ 2/);
    expect(o.stdout).to.match(/not applied once: expected the --probe output after 3 replicas started at once .*\n\s+before │ after\n\s+─+┼─+\n≠ 2\s+│ 4/);
    expect(o.attachments).to.match(/the probe just before the fault: the workload claims a PersistentVolumeClaim/);
    expect(o.attachments).to.match(/PROVEN: pod migrator-\S+ \(uid \w+\) gone, a new pod of the same owner/);
    expect(o.stderr).to.match(/^initc: 2 check\(s\) failed or broke/m);
  });

  it('the safe migration passes every new fault (replace-pod by eviction, rollout, scale-out to 3, drain on one node: stayed Pending for want of another node, then Ready once uncordoned): exit 0', async () => {
    const o = await check('migration-safe', ['--faults', 'replace-pod,rollout,scale-out,drain', '--evict']);
    expect(o.exitCode, o.stderr + o.stdout).to.equal(ExitCode.ok);
    passed(o, /^✔ replace-pod: a pod evicted through the Eviction API \(PodDisruptionBudgets honoured\)/);
    passed(o, /^✔ rollout: restart annotation/);
    passed(o, /^✔ scale-out: 3 replicas at once.*the probe \(run once, all Ready\) shows the init step applied once/);
    passed(o, /^✔ drain: the node of its pod cordoned/);
    expect(o.stdout).to.not.match(/NOT CHECKED|\(skipped:/);
    expect(o.stdout).to.match(/Recovery: replace-pod [\d.]+ s, rollout [\d.]+ s, scale-out [\d.]+ s, drain [\d.]+ s/);
    expect(o.attachments).to.match(/: stayed Pending \(no other schedulable node\) — migrator-\S+: 0\/1 nodes are available: 1 node\(s\) were unschedulable\..* \(not a verdict on the workload: the cluster had no other node to take it\)/);
    expect(o.attachments).to.match(/PROVEN: node initc-fltt-node cordoned and each of the workload's pods on it evicted/);
    expect(o.attachments).to.match(/PROVEN: 3 pods, each running its init containers/);
    expect(o.attachments).to.match(/0001_create_users: already applied/);
  });

  it('behind a PodDisruptionBudget of minAvailable 1: replace-pod --evict is refused (429) and the drain is blocked, each failing with the budget named: exit 1', async () => {
    const o = await check('pdb-blocks.yaml', ['--faults', 'replace-pod,drain', '--evict']);
    expect(o.exitCode, o.stderr + o.stdout).to.equal(ExitCode.testsFailed);
    failed(o, /replace-pod: a pod evicted through the Eviction API/);
    failed(o, /drain: the node of its pod cordoned/);
    expect(o.stdout).to.match(/expected the eviction of pod migrator-\S+ allowed; observed the Eviction API refused it \(HTTP 429\): Cannot evict pod as it would violate the pod's disruption budget\.; look at the PodDisruptionBudgets selecting it/);
    expect(o.stdout).to.match(/the drain: 1 of 1 pod\(s\) did not move:\n\s*- migrator-\S+: expected the eviction of pod migrator-\S+ allowed, so that its node can be drained; observed the Eviction API refused it \(HTTP 429\)/);
    expect(o.attachments).to.match(/"kind":"blocked"/);
    expect(o.stdout).to.not.match(/\(skipped:/);
  });
});
