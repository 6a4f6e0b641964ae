/**
 * The results model built from hand-made Allure folders (lib/report/build-model.ts, observation.ts),
 * exactly: what the recorded runs (report-golden.test.ts) never show — broken and unfinished
 * tests, skip reasons from each source, excerpts cut to their length, timelines that are not
 * timelines, result files that cannot be read, ids that repeat, several server versions, a plan
 * read from the folder, and the run's identity from the tests' labels.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../lib/errors.js';
import { formatTimeline } from '../../lib/observe/pod-rows.js';
import type { TimelineRow } from '../../lib/observe/pod-rows.js';
import { allureResultsFolder, buildResultsModel, parseProperties, salvageResult } from '../../lib/report/build-model.js';
import { observe, timelineOf } from '../../lib/report/observation.js';
import type { RecordedRow } from '../../lib/report/observation.js';

const ENV = 'server=v1.34.1\nprovider=local\n';

interface Attachment {
  name: string;
  source: string;
  content?: string;
}
interface Result {
  name: string;
  status?: string;
  start?: number;
  stop?: number;
  message?: string;
  statusDetails?: object;
  labels?: Array<{ name: string; value: string }>;
  attachments?: Attachment[];
  nested?: Attachment[];
}

let dir: string;
let folder: string;
async function write(results: Result[], env: string | null = ENV): Promise<void> {
  folder = path.join(dir, 'allure-results');
  await fs.mkdir(folder, { recursive: true });
  if (env !== null) await fs.writeFile(path.join(folder, 'environment.properties'), env);
  for (const [i, r] of results.entries()) {
    const attachments = [...(r.attachments ?? []), ...(r.nested ?? [])];
    for (const a of attachments) if (a.content !== undefined) await fs.writeFile(path.join(folder, a.source), a.content);
    const json = {
      name: r.name,
      status: r.status ?? 'passed',
      ...(r.statusDetails ? { statusDetails: r.statusDetails } : r.message === undefined ? {} : { statusDetails: { message: r.message } }),
      steps: [{ name: 'step', attachments: (r.attachments ?? []).map(({ name, source }) => ({ name, source })), steps: [{ name: 'inner', attachments: (r.nested ?? []).map(({ name, source }) => ({ name, source })) }] }],
      labels: r.labels ?? [{ name: 'parentSuite', value: 'order: in order' }],
      start: r.start ?? 1_000_000,
      ...(r.stop === undefined ? { stop: (r.start ?? 1_000_000) + 2000 } : Number.isNaN(r.stop) ? {} : { stop: r.stop }),
    };
    await fs.writeFile(path.join(folder, `r${String(i).padStart(2, '0')}-result.json`), JSON.stringify(json));
  }
}

function row(elapsedMs: number, status: string, restartCount = 0): RecordedRow {
  return { seq: elapsedMs, receivedAt: '', elapsedMs, resourceVersion: String(elapsedMs), event: 'MODIFIED', phase: 'Pending', status, ready: '0/1', restarts: restartCount, conditions: {}, containers: [{ name: 'init-a', kind: 'init', state: 'running', restartCount } as never] };
}
const timeline = (pod: string, rows: RecordedRow[], marks: Array<{ elapsedMs: number; at: string; text: string }> = []): Attachment => ({ name: `timeline ${pod} (JSON)`, source: `${pod}-tl.json`, content: JSON.stringify({ rows, marks }) });

describe('results model from hand-made Allure folders, exactly', () => {
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-build-exact-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a run folder holds allure-results/; a folder without one is taken as it is', async () => {
    expect(await allureResultsFolder(dir)).to.equal(dir);
    await write([{ name: 'a' }]);
    expect(await allureResultsFolder(dir)).to.equal(folder);
  });

  it('refuses, as bad input, a folder that does not exist or holds no result file', async () => {
    const refusal = (d: string) => buildResultsModel(d, { suitesRevision: 'r' }).then(() => expect.fail('built'), (e: { exitCode: number; message: string }) => [e.exitCode, e.message]);
    expect(await refusal(path.join(dir, 'none'))).to.deep.equal([ExitCode.usage, `${path.join(dir, 'none')}: no such folder`]);
    await fs.writeFile(path.join(dir, 'x-result.txt'), '{}');
    expect(await refusal(dir)).to.deep.equal([ExitCode.usage, `${dir}: no Allure results (*-result.json) in ${dir}`]);
  });

  it('a broken test and one of an unknown status get an excerpt; the unknown one is broken, saying so when it has no message', async () => {
    await write([
      { name: 'breaks', status: 'broken', message: `first\n${Array.from({ length: 30 }, (_, i) => `line ${i + 2}`).join('\n')}` },
      { name: 'unfinished', status: 'unknown' },
      { name: 'unfinished with a message', status: 'unknown', message: '  it said why  ' },
      { name: 'fails bare', status: 'failed', statusDetails: {} },
      { name: 'passes blank', status: 'passed', message: '   ' },
    ]);
    const m = await buildResultsModel(dir, { suitesRevision: 'r', plan: null });
    const t = (title: string) => m.tests.find((x) => x.title === title)!;
    expect(t('breaks').excerpt!.message).to.have.length(25);
    expect(t('breaks').excerpt!.message.slice(0, 2)).to.deep.equal(['first', 'line 2']);
    expect(t('breaks').excerpt!.message.at(-1)).to.equal('line 25');
    expect([t('unfinished').status, t('unfinished').message]).to.deep.equal(['broken', 'Allure status "unknown" (the test did not finish)']);
    expect(t('unfinished').excerpt).to.deep.equal({ message: ['Allure status "unknown" (the test did not finish)'], timelines: [] });
    expect([t('unfinished with a message').status, t('unfinished with a message').message]).to.deep.equal(['broken', 'it said why']);
    expect([t('fails bare').message, t('fails bare').excerpt]).to.deep.equal([null, { message: [''], timelines: [] }]);
    expect([t('passes blank').message, t('passes blank').excerpt]).to.deep.equal([null, null]);
    expect(m.totals).to.deep.equal({ tests: 5, passed: 1, failed: 1, broken: 3, skipped: 0 });
  });

  it('a skip\'s reason: its "skipped" attachment, else the title\'s "(skipped: …)", else its message; none otherwise', async () => {
    await write([
      { name: 'a (skipped: in the title)', status: 'skipped', message: 'stated', attachments: [{ name: 'skipped', source: 'a.txt', content: '  from the attachment \n' }] },
      { name: 'b (skipped: in the title)', status: 'skipped', message: 'stated', attachments: [{ name: 'skipped', source: 'b.txt', content: '  \n' }] },
      { name: 'c', status: 'skipped', message: 'stated' },
      { name: 'd', status: 'skipped' },
      { name: 'e', status: 'failed', message: 'expected X', attachments: [{ name: 'skipped', source: 'e.txt', content: 'not a skip' }] },
    ]);
    const m = await buildResultsModel(dir, { suitesRevision: 'r', plan: null });
    expect(m.tests.map((t) => [t.id, t.message])).to.deep.equal([
      ['order > a', 'from the attachment'],
      ['order > b', 'in the title'],
      ['order > c', 'stated'],
      ['order > d', null],
      ['order > e', 'expected X'],
    ]);
  });

  it('timelines: by pod name, nested attachments too; one that is not JSON or holds no rows is missing evidence; other names are not timelines', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(i * 1000, i < 5 ? 'Pending' : 'Init:0/1'));
    const marks = [{ elapsedMs: 500, at: 'a', text: 'before the excerpt' }, { elapsedMs: 2000, at: 'b', text: 'at its first row' }, { elapsedMs: 9500, at: 'c', text: 'in it' }];
    await write([
      {
        name: 'fails',
        status: 'failed',
        message: 'm',
        attachments: [timeline('zeta', rows, marks), { name: 'timeline bad (JSON)', source: 'bad.json', content: '{"rows": [' }, { name: 'timeline none (JSON)', source: 'none.json', content: '{"marks": []}' }, { name: 'old timeline x (JSON)', source: 'x.json', content: '[]' }, { name: 'timeline y (JSON) copy', source: 'y.json', content: '[]' }],
        nested: [timeline('alpha', [], [{ elapsedMs: 0, at: 'z', text: 'from the start' }]), { name: 'evidence problems', source: 'ep.txt', content: 'events: 403\n\n  \nlogs: gone\n' }],
      },
    ]);
    const t = (await buildResultsModel(dir, { suitesRevision: 'r', plan: null })).tests[0]!;
    expect(t.observed.map((o) => o.pod)).to.deep.equal(['alpha', 'zeta']);
    expect(t.missingEvidence).to.deep.equal([`timeline bad (JSON): bad.json is not valid JSON (${(() => { try { JSON.parse('{"rows": ['); } catch (e) { return (e as Error).message; } return ''; })()})`, 'timeline none (JSON): none.json holds no timeline rows']);
    expect(t.evidenceProblems).to.deep.equal(['events: 403', 'logs: gone']);
    expect(t.excerpt!.timelines).to.deep.equal([
      { pod: 'alpha', rows: formatTimeline([], [{ elapsedMs: 0, at: 'z', text: 'from the start' }]) },
      { pod: 'zeta', rows: formatTimeline(rows.slice(-8) as TimelineRow[], marks.slice(1)) },
    ]);
    expect(t.excerpt!.timelines[1]!.rows).to.include('at its first row').and.not.include('before the excerpt');
  });

  it('the cluster from environment.properties; without it, the most common provider and server label; several servers are a problem', async () => {
    const labels = (provider: string, server: string) => [{ name: 'parentSuite', value: 'order: x' }, { name: 'provider', value: provider }, { name: 'k8sVersion', value: server }];
    await write([{ name: 'a', labels: labels('kind', 'v1.35.0') }, { name: 'b', labels: labels('local', 'v1.34.1') }, { name: 'c', labels: labels('local', 'v1.34.1') }], 'error=the API server did not answer\n');
    const m = await buildResultsModel(dir, { suitesRevision: 'r', plan: null });
    expect(m.cluster).to.deep.equal({ provider: 'local', serverVersion: 'v1.34.1', kubeletVersion: null, containerRuntime: null, nodeOS: null, kernel: null, nodes: null, featureGates: null, askedFor: null, kubeletBackoff: null });
    expect(m.problems).to.deep.equal(["the run could not read the cluster's versions: the API server did not answer", 'the tests carry several server versions (v1.35.0, v1.34.1): results of different clusters were merged']);
    expect(m.tests.map((t) => t.k8sVersion)).to.deep.equal(['v1.35.0', 'v1.34.1', 'v1.34.1']);
    await fs.rm(folder, { recursive: true });
    await write([{ name: 'a', labels: [{ name: 'parentSuite', value: 'order: x' }] }], null);
    const bare = await buildResultsModel(dir, { suitesRevision: 'r', plan: null });
    expect([bare.cluster.provider, bare.cluster.serverVersion, bare.tests[0]!.k8sVersion]).to.deep.equal([null, null, null]);
    expect(bare.problems).to.deep.equal(["environment.properties cannot be read (ENOENT): the cluster's identity comes from the tests' labels alone"]);
  });

  it('the same test twice or three times: ids numbered in start order; the plan read from plan.json beside the results', async () => {
    await write([{ name: 't', start: 3000 }, { name: 't', start: 1000 }, { name: 't', start: 2000 }, { name: 'u', start: 500, stop: 400 }]);
    await fs.writeFile(path.join(dir, 'plan.json'), JSON.stringify({ schema: 'initc.dev/plan/v1', tests: [{ id: 'order > t', suite: 'order', title: 't' }, { id: 'order > v', suite: 'order', title: 'v' }] }));
    const m = await buildResultsModel(dir, { suitesRevision: 'r' });
    expect(m.tests.map((t) => [t.id, t.start, t.durationMs])).to.deep.equal([
      ['order > t', new Date(1000).toISOString(), 2000],
      ['order > t #2', new Date(2000).toISOString(), 2000],
      ['order > t #3', new Date(3000).toISOString(), 2000],
      ['order > u', new Date(500).toISOString(), 0],
      ['order > v', new Date(500).toISOString(), 0],
    ]);
    expect(m.plan).to.deep.equal({ planned: 2, notEnded: ['order > v'] });
    expect(m.tests.at(-1)).to.deep.equal({
      id: 'order > v',
      suite: 'order',
      title: 'v',
      status: 'broken',
      durationMs: 0,
      start: new Date(500).toISOString(),
      stop: new Date(500).toISOString(),
      k8sVersion: null,
      message: 'never ended: the run planned this test but has no result of it (the run was killed or cut short, or its result file is missing)',
      observed: [],
      missingEvidence: [],
      evidenceProblems: [],
      excerpt: { message: ['never ended: the run planned this test but has no result of it (the run was killed or cut short, or its result file is missing)'], timelines: [] },
    });
    expect(m.run).to.deep.equal({ start: new Date(500).toISOString(), end: new Date(5000).toISOString(), chaosSeed: null, fixtureImage: null });
  });

  it('result files that cannot be read: in name order, a folder is named as one, a cut one is kept (at the run\'s start, its own label first), one without a name is dropped', async () => {
    await write([{ name: 'whole', start: 5000, labels: [{ name: 'parentSuite', value: 'order: x' }] }]);
    await fs.mkdir(path.join(folder, 'a-result.json'));
    await fs.writeFile(path.join(folder, 'b-result.json'), '{"uuid":"u","name":"cut","status":"failed","statusDetails":{"message":"expected A"},"steps":[');
    await fs.writeFile(path.join(folder, 'c-result.json'), '{"uuid":"u","name":"labelled","status":"passed","labels":[{"name":"parentSuite","value":"never: y"}],"start":7000,"st');
    await fs.writeFile(path.join(folder, 'd-result.json'), '{"uuid":"u","na');
    const plan = [{ id: 'flaky > cut', suite: 'flaky', title: 'cut' }, { id: 'flaky > labelled', suite: 'flaky', title: 'labelled' }, { id: 'order > whole', suite: 'order', title: 'whole' }];
    const m = await buildResultsModel(dir, { suitesRevision: 'r', plan });
    const parseError = (text: string) => {
      try {
        JSON.parse(text);
      } catch (e) {
        return (e as Error).message.split('\n')[0];
      }
      return '';
    };
    expect(m.problems).to.deep.equal([
      'result file a-result.json cannot be read: EISDIR: illegal operation on a directory, read',
      `result file b-result.json cannot be read: ${parseError('{"uuid":"u","name":"cut","status":"failed","statusDetails":{"message":"expected A"},"steps":[')}; its test "cut" is kept with the status it shows (failed)`,
      `result file c-result.json cannot be read: ${parseError('{"uuid":"u","name":"labelled","status":"passed","labels":[{"name":"parentSuite","value":"never: y"}],"start":7000,"st')}; its test "labelled" is kept with the status it shows (passed)`,
      `result file d-result.json cannot be read: ${parseError('{"uuid":"u","na')}`,
    ]);
    expect(m.tests.map((t) => [t.id, t.status, t.start, t.durationMs])).to.deep.equal([
      ['flaky > cut', 'failed', new Date(5000).toISOString(), 0],
      ['never > labelled', 'passed', new Date(7000).toISOString(), 0],
      ['order > whole', 'passed', new Date(5000).toISOString(), 2000],
      ['flaky > labelled', 'broken', new Date(5000).toISOString(), 0],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    const cut = m.tests.find((t) => t.id === 'flaky > cut')!;
    expect(cut.message).to.equal(`its result file b-result.json is cut short or not JSON (${parseError('{"uuid":"u","name":"cut","status":"failed","statusDetails":{"message":"expected A"},"steps":[')}): only its name and status could be read\nexpected A`);
    expect(cut.missingEvidence).to.deep.equal(['its result file cannot be read: its evidence is unknown']);
    expect(m.tests.find((t) => t.id === 'never > labelled')!.message).to.match(/^its result file c-result\.json is cut short or not JSON \(.*\): only its name and status could be read$/);
  });

  it('a cut result without a start, alone: at the epoch, as is a test that never ended; no plan, no suite from it', async () => {
    await fs.mkdir(path.join(dir, 'allure-results'));
    await fs.writeFile(path.join(dir, 'allure-results', 'a-result.json'), '{"name": "order: cut", "status": "broken"');
    const m = await buildResultsModel(dir, { suitesRevision: 'r', plan: [{ id: 'never > gone', suite: 'never', title: 'gone' }] });
    expect(m.tests.map((t) => [t.id, t.start, t.stop])).to.deep.equal([
      ['never > gone', new Date(0).toISOString(), new Date(0).toISOString()],
      ['order > order: cut', new Date(0).toISOString(), new Date(0).toISOString()],
    ]);
    expect(m.run.start).to.equal(null);
    expect(m.run.end).to.equal(null);
    const noPlan = await buildResultsModel(dir, { suitesRevision: 'r', plan: null });
    expect(noPlan.tests.map((t) => t.suite)).to.deep.equal(['order']);
    expect(noPlan.plan).to.equal(null);
  });

  it('salvage reads spaced and compact JSON alike: status, start, every label, the message', () => {
    const spaced = '{ "name" : "t" , "status" : "failed" , "statusDetails" : {  "message" : "m \\"q\\"" }, "labels": [ { "name" : "parentSuite" , "value" : "order: x" }, { "name" : "k8sVersion" , "value" : "v1" }, { "name" : "provider" , "value" : "kind" } ], "start" : 42 , "st';
    expect(salvageResult(spaced)).to.deep.equal({ name: 't', status: 'failed', start: 42, stop: NaN, labels: [{ name: 'parentSuite', value: 'order: x' }, { name: 'k8sVersion', value: 'v1' }, { name: 'provider', value: 'kind' }], statusDetails: { message: 'm "q"' } });
    const compact = '{"name":"t","status":"skipped","statusDetails":{"message":"m"},"labels":[{"name":"provider","value":"local"}],"start":7,"';
    expect(salvageResult(compact)).to.deep.equal({ name: 't', status: 'skipped', start: 7, stop: NaN, labels: [{ name: 'provider', value: 'local' }], statusDetails: { message: 'm' } });
    expect(salvageResult('{"name":"bad \\q escape","status":"passed"')).to.equal(undefined);
  });

  it('environment.properties: comments (even with a separator), blank lines, lines without one, either separator, escapes, indentation', () => {
    expect(parseProperties('# a=b\n! c=d\n\n   \nno separator\n  server : v1.34.1  \nkey\\:with\\ colon=x=y\nmsg=line\\none\\ttab\\\\\nurl=http://h/#top!\na#b=c\nescaped\\=only\nsep=a\u2028b\n')).to.deep.equal({
      server: 'v1.34.1',
      'key:with colon': 'x=y',
      msg: 'line\none\ttab\\',
      url: 'http://h/#top!',
      'a#b': 'c',
      sep: 'a\u2028b',
    });
  });
});

describe('pod observations, exactly', () => {
  it('a timeline attachment: {rows, marks}, rows alone (older runs); anything else is none', () => {
    const rows = [row(0, 'Pending')];
    const marks = [{ elapsedMs: 1, at: 'a', text: 'x' }];
    expect(timelineOf({ rows, marks })).to.deep.equal({ rows, marks });
    expect(timelineOf({ rows })).to.deep.equal({ rows, marks: [] });
    expect(timelineOf({ rows, marks: 'no' })).to.deep.equal({ rows, marks: [] });
    expect(timelineOf(rows)).to.deep.equal({ rows, marks: [] });
    for (const none of [null, undefined, {}, { rows: 'x' }, 'rows', 3]) expect(timelineOf(none), String(none)).to.equal(undefined);
    // Rows of another shape (a malformed or foreign attachment) are no timeline, rather than a crash later.
    expect(timelineOf({ rows: [...rows, { seq: 2, status: 'x' }] })).to.equal(undefined);
    expect(timelineOf([null])).to.equal(undefined);
    expect(timelineOf({ rows: [] })).to.deep.equal({ rows: [], marks: [] });
  });

  it('a timeline without rows: no sequence, restarts or points; the marks kept', () => {
    expect(observe('p', [], [{ elapsedMs: 5, at: 'a', text: 'killed' }])).to.deep.equal({ pod: 'p', statusSequence: [], restarts: [], backoffs: [], finalPhase: null, points: [], marks: [{ elapsedMs: 5, text: 'killed' }] });
  });
});
