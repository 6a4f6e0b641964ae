import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { buildResultsModel, parseProperties } from '../../lib/report/build-model.js';
import { observe } from '../../lib/report/observation.js';
import { suitesRevision } from '../../lib/report/revision.js';
import type { ResultsModel, TestRecord } from '../../lib/report/model.js';
import { projectRoot } from '../../lib/util/paths.js';

const RUN_134 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.34');
const RUN_136 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.36');

const test = (m: ResultsModel, suite: string) => {
  const found = m.tests.filter((t) => t.suite === suite);
  expect(found, `tests of suite ${suite}`).to.have.length(1);
  return found[0]!;
};

/** A copy of a sample run's allure-results in a temporary folder, to break on purpose. */
async function copyOfRun(run: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-model-'));
  await fs.cp(path.join(run, 'allure-results'), path.join(dir, 'allure-results'), { recursive: true });
  return dir;
}

async function attachmentFile(dir: string, suite: string, attachmentName: string): Promise<string> {
  const folder = path.join(dir, 'allure-results');
  for (const f of (await fs.readdir(folder)).filter((n) => n.endsWith('-result.json'))) {
    const r = JSON.parse(await fs.readFile(path.join(folder, f), 'utf8'));
    if (!r.labels.some((l: { name: string; value: string }) => l.name === 'parentSuite' && l.value.startsWith(`${suite}:`))) continue;
    for (const s of r.steps) for (const a of s.attachments ?? []) if (a.name === attachmentName) return path.join(folder, a.source);
  }
  throw new Error(`no attachment ${attachmentName} in suite ${suite}`);
}

describe('results model (initc.dev/results/v1) from a run folder', () => {
  let m134: ResultsModel;
  let m136: ResultsModel;
  before(async () => {
    m134 = await buildResultsModel(RUN_134, { suitesRevision: 'abc123' });
    m136 = await buildResultsModel(path.join(RUN_136, 'allure-results'), { suitesRevision: 'abc123' });
  });

  it('carries the cluster identity the run recorded, initc version, revision, seed, fixture image and span', () => {
    expect(m134.schema).to.equal('initc.dev/results/v1');
    expect(m134.cluster).to.deep.equal({ provider: 'local', serverVersion: 'v1.34.12', kubeletVersion: 'v1.34.12', containerRuntime: 'containerd://2.2.9', nodeOS: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.18.44-fc-v595', nodes: null, featureGates: null, askedFor: null, kubeletBackoff: null });
    expect(m136.cluster.serverVersion).to.equal('v1.36.5');
    expect(m134.initc).to.deep.equal({ version: '0.1.0', suitesRevision: 'abc123' });
    expect(m134.run.chaosSeed).to.equal('1234567');
    expect(m134.run.fixtureImage).to.equal('localhost/initc/fixture:v1');
    const starts = m134.tests.map((t) => t.start).sort();
    const stops = m134.tests.map((t) => t.stop).sort();
    expect(m134.run.start).to.equal(starts[0]);
    expect(m134.run.end).to.equal(stops.at(-1));
    expect(m134.problems).to.deep.equal([]);
  });

  it('counts the verdicts', () => {
    expect(m134.totals).to.deep.equal({ tests: 7, passed: 6, failed: 0, broken: 0, skipped: 1 });
    expect(m136.totals).to.deep.equal({ tests: 6, passed: 5, failed: 1, broken: 0, skipped: 0 });
  });

  it('gives a test the same id in every run, a skipped one too (its title without the skip reason), and the skip reason as its message', () => {
    const skipped = test(m134, 'chaos-kill');
    const ran = test(m136, 'chaos-kill');
    expect(skipped.status).to.equal('skipped');
    expect(skipped.id).to.equal(ran.id);
    expect(skipped.id).to.match(/^chaos-kill > restartPolicy Always, SIGKILL: /).and.not.include('skipped:');
    expect(skipped.message).to.match(/offers no access to the node/);
    expect(skipped.observed).to.deep.equal([]);
    expect(m134.tests.map((t) => t.id)).to.deep.equal([...m134.tests.map((t) => t.id)].sort((a, b) => a.localeCompare(b)));
  });

  it('summarises each pod timeline: STATUS sequence, final restarts and phase, chart points', () => {
    const flaky = test(m134, 'flaky').observed;
    expect(flaky.map((o) => o.pod)).to.deep.equal(['flaky']);
    expect(flaky[0]!.statusSequence).to.deep.equal(['Pending', 'Init:0/1', 'Init:Error', 'Init:CrashLoopBackOff', 'PodInitializing', 'Running']);
    expect(flaky[0]!.restarts).to.deep.include({ container: 'init-flaky', kind: 'init', restartCount: 2 });
    expect(flaky[0]!.finalPhase).to.equal('Running');
    expect(test(m136, 'flaky').observed[0]!.statusSequence).to.deep.equal(['Pending', 'Init:0/1', 'Init:Error', 'Init:0/1', 'Init:Error', 'Init:CrashLoopBackOff', 'Init:0/1', 'PodInitializing', 'Running']);
    const never = test(m134, 'never').observed[0]!;
    expect(never.finalPhase).to.equal('Failed');
    expect(never.points.map((p) => p.status)).to.deep.equal(['Pending', 'Init:0/3', 'Init:1/3', 'Init:Error', 'Init:Error']);
    expect(never.points.map((p) => p.elapsedMs)).to.deep.equal([...never.points.map((p) => p.elapsedMs)].sort((a, b) => a - b));
    expect(test(m136, 'chaos-kill').observed[0]!.marks.length).to.be.greaterThan(0);
  });

  it('keeps the failure message and an excerpt of the failed test\'s evidence', () => {
    const failed: TestRecord = test(m136, 'onfailure');
    expect(failed.status).to.equal('failed');
    expect(failed.message).to.match(/^expected STATUS Init:CrashLoopBackOff/);
    expect(failed.excerpt!.message[0]).to.equal(failed.message!.split('\n')[0]);
    expect(failed.excerpt!.timelines.map((t) => t.pod)).to.deep.equal(['crashloop-onfailure']);
    expect(failed.excerpt!.timelines[0]!.rows.split('\n')).to.have.length(9);
    expect(failed.excerpt!.timelines[0]!.rows).to.match(/^#\s+t\+s\s+rv/).and.include('init-b:running↻4');
    expect(test(m136, 'order').excerpt).to.equal(null);
  });

  it('names an attachment whose file is missing, without dropping the test', () => {
    const order = test(m134, 'order');
    expect(order.missingEvidence).to.have.length(1);
    expect(order.missingEvidence[0]).to.match(/^pod order status: its file \S+-attachment cannot be read \(ENOENT\)$/);
    expect(order.observed.map((o) => o.pod)).to.deep.equal(['order']);
  });

  it('names a missing or unreadable timeline, and a missing environment, in the model', async () => {
    const dir = await copyOfRun(RUN_136);
    try {
      await fs.rm(await attachmentFile(dir, 'flaky', 'timeline flaky (JSON)'));
      await fs.writeFile(await attachmentFile(dir, 'never', 'timeline never (JSON)'), '{"rows": [');
      await fs.rm(path.join(dir, 'allure-results', 'environment.properties'));
      const m = await buildResultsModel(dir, { suitesRevision: 'x' });
      const flaky = test(m, 'flaky');
      expect(flaky.status).to.equal('passed');
      expect(flaky.observed).to.deep.equal([]);
      expect(flaky.missingEvidence).to.have.length(1);
      expect(flaky.missingEvidence[0]).to.match(/^timeline flaky \(JSON\): its file .* cannot be read \(ENOENT\)/);
      expect(test(m, 'never').missingEvidence[0]).to.match(/^timeline never \(JSON\): .* is not valid JSON/);
      expect(m.problems.join('\n')).to.match(/environment\.properties cannot be read \(ENOENT\)/);
      // The identity falls back to what the tests' labels say.
      expect(m.cluster.serverVersion).to.equal('v1.36.5');
      expect(m.cluster.provider).to.equal('local');
      expect(m.cluster.kubeletVersion).to.equal(null);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a folder that does not exist or holds no results', async () => {
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-model-empty-'));
    try {
      await buildResultsModel(path.join(empty, 'nope'), { suitesRevision: 'x' }).then(() => expect.fail('no error'), (err: Error) => expect(err.message).to.match(/no such folder/));
      await buildResultsModel(empty, { suitesRevision: 'x' }).then(() => expect.fail('no error'), (err: Error) => expect(err.message).to.match(/no Allure results/));
    } finally {
      await fs.rm(empty, { recursive: true, force: true });
    }
  });

  it('reads environment.properties as Java properties (escaped spaces in keys)', () => {
    expect(parseProperties('provider=local\ncontainer\\ runtime=containerd://2.2.9\n# comment\n\nnode\\ OS=Debian GNU/Linux 12 (bookworm)\n')).to.deep.equal({
      provider: 'local',
      'container runtime': 'containerd://2.2.9',
      'node OS': 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('draws a STATUS change and the last row as chart points, with the server\'s STATUS', () => {
    const row = (elapsedMs: number, status: string, serverStatus?: string) => ({ seq: 0, receivedAt: '', elapsedMs, resourceVersion: '1', event: 'MODIFIED' as const, phase: 'Pending', status, serverStatus, ready: '0/1', restarts: 0, conditions: {}, containers: [] });
    const o = observe('p', [row(0, 'Pending'), row(5, 'Init:0/1', 'Init:0/1'), row(9, 'Init:0/1', 'Init:0/1'), row(12, 'mine', 'Init:Error')], []);
    expect(o.points).to.deep.equal([{ elapsedMs: 0, status: 'Pending' }, { elapsedMs: 5, status: 'Init:0/1' }, { elapsedMs: 12, status: 'Init:Error' }]);
    expect(o.statusSequence).to.deep.equal(['Pending', 'Init:0/1', 'Init:Error']);
    expect(observe('p', [row(0, 'Pending'), row(7, 'Pending')], []).points).to.deep.equal([{ elapsedMs: 0, status: 'Pending' }, { elapsedMs: 7, status: 'Pending' }]);
  });

  it('the suites revision is a short hash that changes when a check changes', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-rev-'));
    try {
      await fs.mkdir(path.join(root, 'lib', 'checks'), { recursive: true });
      await fs.mkdir(path.join(root, 'suites'), { recursive: true });
      await fs.writeFile(path.join(root, 'lib', 'checks', 'a.ts'), 'export const a = 1;\n');
      await fs.writeFile(path.join(root, 'suites', 'x.spec.ts'), 'x\n');
      const first = await suitesRevision(root);
      expect(first).to.match(/^[0-9a-f]{12}$/);
      expect(await suitesRevision(root)).to.equal(first);
      await fs.writeFile(path.join(root, 'lib', 'checks', 'a.ts'), 'export const a = 2;\n');
      expect(await suitesRevision(root)).to.not.equal(first);
      expect(await suitesRevision()).to.match(/^[0-9a-f]{12}$/);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
