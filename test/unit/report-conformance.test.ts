import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { conformanceMarkdown, upstreamBugsReproduced, writeConformanceReport, writeRunRecords } from '../../lib/report/conformance.js';
import { buildResultsModel } from '../../lib/report/build-model.js';
import { projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';

const RUN_134 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.34');
const RUN_136 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.36');
const sha256File = async (file: string) => createHash('sha256').update(await fs.readFile(file)).digest('hex');

describe('conformance report (Markdown + JSON of one run)', function () {
  this.timeout(60_000);
  let out: string;
  beforeEach(async () => {
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-conformance-'));
  });
  afterEach(async () => {
    await fs.rm(out, { recursive: true, force: true });
  });

  it('prints the SHA-256 of the exact conformance.json bytes written beside it, and that JSON is the model', async () => {
    const model = await buildResultsModel(RUN_136, { suitesRevision: 'feedc0ffee12' });
    const files = await writeConformanceReport(model, out);
    const digest = await sha256File(files.json);
    expect(files.sha256).to.equal(digest);
    const markdown = await fs.readFile(files.markdown, 'utf8');
    expect(markdown).to.include(`**SHA-256 of \`conformance.json\`:** \`${digest}\``);
    expect(JSON.parse(await fs.readFile(files.json, 'utf8'))).to.deep.equal(model);
    // An edit to the JSON no longer matches the digest printed.
    await fs.appendFile(files.json, ' ');
    expect(await sha256File(files.json)).to.not.equal(digest);
  });

  it('says who was tested, with what, when; every check with its verdict; the failure\'s evidence', async () => {
    const { markdown } = await writeConformanceReport(await buildResultsModel(RUN_136, { suitesRevision: 'feedc0ffee12' }), out);
    const md = await fs.readFile(markdown, 'utf8');
    expect(md).to.match(/^# initc conformance report: v1\.36\.5\n/);
    expect(md).to.include('**does NOT conform**').and.include('6 checks, 5 passed, 1 failed, 0 broken, 0 skipped');
    for (const cell of ['| server (gitVersion) | v1.36.5 |', '| kubelet | v1.36.5 |', '| container runtime | containerd://2.2.9 |', '| provider | local |', 'suites revision `feedc0ffee12`', '| chaos seed | 1234567 |']) expect(md).to.include(cell);
    expect(md).to.match(/\| run \| 2026-11-26T23:10:35\.742Z → 2026-11-26T23:12:19\.682Z \(1 min 44 s\) \|/);
    expect(md.match(/^\| (chaos-kill|flaky|never|onfailure|order|validation) \| .* \| (✅ passed|❌ failed) \| .* \|$/gm)).to.have.length(6);
    const failure = md.slice(md.indexOf('## Failures'));
    expect(failure).to.include('### FAILED: onfailure — only the failing init container restarts');
    expect(failure).to.include('expected STATUS Init:CrashLoopBackOff or Init:Error');
    expect(failure).to.include('Last rows of the timeline of pod `crashloop-onfailure`').and.include('init-b:running↻4');
  });

  it('names the known upstream bugs a failed check says it reproduces (stale-sandbox), and none otherwise', async () => {
    const model = await buildResultsModel(RUN_136, { suitesRevision: 'feedc0ffee12' });
    expect(upstreamBugsReproduced(model.tests)).to.deep.equal([]);
    expect(conformanceMarkdown(model, 'x')).to.not.include('## Known upstream bugs reproduced');
    const failed = model.tests.find((t) => t.status === 'failed')!;
    failed.message = 'expected every init container (init-a, init-b) to run again; observed init-b skipped — reproduces the known upstream bug kubernetes/kubernetes#137710 (also #124002): the kubelet took app 1 as proof';
    const line = `${failed.suite} — ${failed.title}: reproduces the known upstream bug kubernetes/kubernetes#137710 (also #124002); its evidence is under "Failures"`;
    expect(upstreamBugsReproduced(model.tests)).to.deep.equal([line]);
    const md = conformanceMarkdown(model, 'x');
    // Markdown-escaped as every line of prose from a test: `#` would not link, `_` would not emphasise.
    expect(md).to.include(`## Known upstream bugs reproduced\n\n- ${line.replace(/([\\`*_[\]<#|])/g, '\\$1')}\n\n## Failures, with their evidence`);
    expect(md).to.include('kubernetes/kubernetes\\#137710 (also \\#124002)');
    failed.status = 'broken';
    expect(upstreamBugsReproduced(model.tests), 'a broken check proves no bug').to.deep.equal([]);
    failed.status = 'failed';
    failed.message = null;
    expect(upstreamBugsReproduced(model.tests)).to.deep.equal([]);
  });

  it('lists each skip with why, and evidence that went missing; neither reads as "conforms"', async () => {
    const { markdown } = await writeConformanceReport(await buildResultsModel(RUN_134, { suitesRevision: 'x' }), out);
    const md = await fs.readFile(markdown, 'utf8');
    // 6 passed and 1 skipped, one attachment missing: not shown to conform, and the page says for which checks.
    expect(md).to.include('The cluster **was not shown to conform** to the behaviour initc checks: 7 checks, 6 passed, 0 failed, 0 broken, 1 skipped.');
    expect(md).not.to.include('**conforms**');
    expect(md).to.match(/\nIt does not show conformance for: chaos-kill — restartPolicy Always, SIGKILL: .* \(skipped\); order — three init containers .* \(1 piece of evidence missing\)\.\n/);
    expect(md).to.include('Also: the run recorded no plan, so whether every planned check ended is unknown.');
    expect(md).to.match(/## Skipped, and why\n\n- chaos-kill — restartPolicy Always, SIGKILL: .*: the kubeconfig provider offers no access to the node/);
    expect(md).to.match(/## Evidence that is missing\n\n- order — .*: pod order status: its file \S+ cannot be read \(ENOENT\)/);
  });

  it('results.json is always written; conformance only when asked', async () => {
    const plain = await writeRunRecords(path.join(RUN_134, 'allure-results'), out, { suitesRevision: 'x', reports: [] });
    expect(plain.conformance).to.equal(undefined);
    expect(await fs.readdir(out)).to.deep.equal(['results.json']);
    const withReport = await writeRunRecords(path.join(RUN_134, 'allure-results'), out, { suitesRevision: 'x', reports: ['conformance'] });
    expect(await fs.readFile(withReport.results, 'utf8')).to.equal(await fs.readFile(withReport.conformance!.json, 'utf8'));
  });

  it('`initc report --from RUN --report conformance` writes results.json and the conformance report (exit 1: a test failed)', async () => {
    const r = await initc(['report', '--from', RUN_136, '--out', out, '--report', 'conformance']);
    expect(r.exitCode, String(r.stderr)).to.equal(1);
    expect(await fs.readdir(out)).to.include.members(['results.json', 'conformance.json', 'conformance.md', 'junit.xml', 'allure-report']);
    const digest = await sha256File(path.join(out, 'conformance.json'));
    expect(String(r.stderr)).to.include(`conformance: ${path.join(out, 'conformance.md')} (SHA-256 of ${path.join(out, 'conformance.json')}: ${digest})`);
    expect(await fs.readFile(path.join(out, 'conformance.md'), 'utf8')).to.include(digest);
  });

  it('`--report` takes only known reports, before anything starts', async () => {
    for (const command of ['run', 'report']) {
      const r = await initc([command, '--report', 'pdf', ...(command === 'report' ? ['--from', RUN_136] : [])]);
      expect(r.exitCode, String(r.stderr)).to.equal(2);
      expect(String(r.stderr)).to.match(/Invalid values:[\s\S]*report[\s\S]*"pdf"/).and.not.match(/\n\s+at /);
    }
  });
});
