/**
 * Many runs at once on one cluster: four `initc run`s reach the same embedded cluster by its
 * kubeconfig (as four CI jobs on different machines would), one of them is killed with SIGKILL
 * while its scenarios run. The three live ones pass with only their own results, `initc gc`
 * removes exactly what the killed one left, and nothing of the live ones. Uses its own embedded
 * cluster (`shrt`), brought up here when it is not running and down again at the end.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { LocalClusterProvider } from '../../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { loadKubeConfig } from '../../lib/cluster/provider.js';
import { LOCAL_FIXTURE_IMAGE } from '../../lib/fixture-image.js';
import { requestJson } from '../../lib/kube/raw.js';
import type { ResultsModel } from '../../lib/report/model.js';
import type { RunPlan } from '../../lib/report/plan.js';
import { LEASE_NAMESPACE } from '../../lib/scenario/liveness.js';
import { initc } from '../support/cli.js';

const CLUSTER = 'shrt';
/**
 * With the crash loop (its back-off alone is 70 s), every run is still under way through the kill,
 * the end of the killed run's workers and gc, whatever the load; with only short suites, runs that
 * started seconds apart were seen done, or not yet begun, when gc ran.
 */
const SUITES = 'order,never,validation,always';
const RUNS = 4;

interface LeaseItem {
  metadata: { name: string; labels?: Record<string, string> };
}

describe('many runs at once on one cluster (integration; root; its own embedded cluster shrt)', function () {
  this.timeout(10 * 60_000);
  const provider = new LocalClusterProvider({ version: resolveKubeVersion(undefined), name: CLUSTER });
  let startedHere = false;
  let work = '';

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('this integration test must run as root (the embedded cluster)');
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-concurrent-'));
    if (!(await provider.status()).running) {
      const up = await initc(['cluster', 'up', '--name', CLUSTER, '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
      expect(up.exitCode, 'cluster up exit code (its progress is printed above)').to.equal(0);
      startedHere = true;
    }
  });

  after(async () => {
    if (startedHere) await initc(['cluster', 'down', '--name', CLUSTER]);
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it(`${RUNS} concurrent runs, one killed with SIGKILL mid-run: the live ones pass with only their own results; gc then removes exactly the killed one's objects`, async () => {
    const kc = loadKubeConfig(provider.layout.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const until = async (what: string, met: () => Promise<boolean>, timeoutMs = 180_000) => {
      for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) if (await met()) return;
      expect.fail(`${what} within ${timeoutMs / 1000}s`);
    };
    const leases = async () => (await requestJson<{ items: LeaseItem[] }>(kc, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NAMESPACE}/leases`).catch(() => ({ items: [] }))).items;
    /** The namespaces of one run (by its run-id label) that are not being deleted. */
    const namespacesOf = async (runId: string) =>
      (await core.listNamespace({ labelSelector: `initc.dev/run=${runId}` })).items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata!.name!).sort();
    const scenarioNamespaces = async (runId: string) => (await namespacesOf(runId)).filter((n) => !n.startsWith('initc-fixture-image'));
    const groupAlive = (pgid: number) => {
      try {
        process.kill(-pgid, 0);
        return true;
      } catch {
        return false;
      }
    };

    const started = Date.now();
    const runs = Array.from({ length: RUNS }, (_, i) => {
      const out = path.join(work, `run-${i + 1}`);
      // Each in its own process group, so that the killed one's whole tree can be seen to end.
      const child = initc(['run', '--kubeconfig', provider.layout.kubeconfig, '--fixture-image', LOCAL_FIXTURE_IMAGE, '--suite', SUITES, '--out', out], { detached: true });
      const run = { out, child, said: '', runId: '' };
      child.stderr?.on('data', (d: Buffer) => {
        run.said += d.toString();
        run.runId ||= /▸ suites .* \(run (\S+)\)/.exec(run.said)?.[1] ?? '';
      });
      return run;
    });
    const [victim, ...live] = runs as [(typeof runs)[0], ...typeof runs];
    try {
      await until('every run says its run id', async () => runs.every((r) => r.runId)).catch((err: Error) => {
        throw new Error(`${err.message}; they said:\n${runs.map((r) => r.said.slice(-1500)).join('\n---\n')}`);
      });
      expect(new Set(runs.map((r) => r.runId)).size, 'four distinct run ids').to.equal(RUNS);
      // Killed once every run's scenarios are under way: the process holding the run's Lease (tsx runs initc in a child of the pid execa knows).
      await until('every run\'s scenarios under way', async () => (await Promise.all(runs.map((r) => scenarioNamespaces(r.runId)))).every((ns) => ns.length > 0));
      const lease = (await leases()).find((l) => l.metadata.labels?.['initc.dev/run'] === victim.runId);
      const pid = Number(lease?.metadata.labels?.['initc.dev/pid']);
      expect(pid, 'the victim\'s pid, from its Lease').to.be.greaterThan(1);
      process.kill(pid, 'SIGKILL');
      // Its Mocha workers end when their parent's channel closes: no process of its group is left to make objects.
      await until('the killed run\'s process group (its Mocha workers) ends', async () => !groupAlive(victim.child.pid!), 60_000);
      await victim.child.catch(() => undefined);

      const victimLeft = await namespacesOf(victim.runId);
      expect(victimLeft.length, 'what the killed run left, before gc').to.be.at.least(1);
      const liveBefore = await Promise.all(live.map((r) => scenarioNamespaces(r.runId)));
      expect(liveBefore.flat().length, `live runs have namespaces while gc runs (${((Date.now() - started) / 1000).toFixed(0)} s in; what they said:\n${live.map((r) => `${r.runId}: ${r.said.slice(-800)}`).join('\n---\n')})`).to.be.at.least(1);

      // --keep-cluster: gc must not stop any embedded cluster on this shared machine.
      const gc = await initc(['gc', '--kubeconfig', provider.layout.kubeconfig, '--keep-cluster']);
      expect(gc.exitCode, String(gc.stderr)).to.equal(0);
      const removed = [...String(gc.stdout).matchAll(/^remove namespace (\S+) \(run (\S+)\): (.*)$/gm)];
      expect(removed.map((m) => m[1]).sort(), `gc removed exactly the killed run's namespaces:\n${String(gc.stdout)}`).to.deep.equal(victimLeft);
      for (const m of removed) expect(m[2]).to.equal(victim.runId);
      for (const m of removed) expect(m[3]).to.match(/^its run's process is gone \(pid \d+ on this machine, /);
      expect(String(gc.stdout)).to.include(`remove Lease run-${victim.runId} (`);
      const kept = [...String(gc.stdout).matchAll(/^keep namespace (\S+) \(run (\S+)\): its run is alive/gm)].map((m) => m[2]!);
      expect(kept.length, 'gc saw the live runs\' namespaces and kept them').to.be.at.least(1);
      for (const k of kept) expect(live.map((r) => r.runId)).to.include(k);
      expect(await namespacesOf(victim.runId), 'the killed run\'s namespaces, after gc').to.deep.equal([]);
      const leaseRuns = new Set((await leases()).map((l) => l.metadata.labels?.['initc.dev/run']));
      expect(leaseRuns.has(victim.runId), 'the killed run\'s Lease, after gc').to.equal(false);
      for (const r of live) expect(String(gc.stdout), 'gc left the live runs\' Leases').not.to.include(`Lease run-${r.runId} `);
    } finally {
      // Awaited whatever failed above, so that no run outlives this test.
      for (const r of runs) await r.child.catch(() => undefined);
    }
    for (const r of live) {
      const result = await r.child;
      expect(result.exitCode, `live run ${r.runId} (${r.out}): ${String(result.stderr).slice(-3000)}`).to.equal(0);
      const plan = JSON.parse(await fs.readFile(path.join(r.out, 'plan.json'), 'utf8')) as RunPlan;
      const results = JSON.parse(await fs.readFile(path.join(r.out, 'results.json'), 'utf8')) as ResultsModel;
      // Its own results only: as many as it planned, every one passed, none of another run's folder.
      expect(results.totals.tests, `run ${r.runId}: results`).to.equal(plan.tests.length);
      expect(results.totals.passed).to.equal(plan.tests.length);
      expect(results.plan).to.deep.equal({ planned: plan.tests.length, notEnded: [] });
      expect((await fs.readdir(path.join(r.out, 'allure-results'))).filter((f) => f.endsWith('-result.json'))).to.have.length(plan.tests.length);
      expect(await namespacesOf(r.runId), `run ${r.runId} deleted its own namespaces at its end`).to.deep.equal([]);
    }
    const leaseRuns = new Set((await leases()).map((l) => l.metadata.labels?.['initc.dev/run']));
    for (const r of runs) expect(leaseRuns.has(r.runId), `Lease of ${r.runId} at the end`).to.equal(false);
    console.log(`      (${RUNS} concurrent runs, kill, gc and the live runs' ends: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  });
});
