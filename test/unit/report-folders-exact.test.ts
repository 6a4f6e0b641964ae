/**
 * A run's --out folder (lib/report/out-folder.ts) and the suites revision (lib/report/revision.ts),
 * exactly: what a claim removes and in which order it names it, a non-empty folder removed whole,
 * a recycled pid, this process as an owner; which files the revision hashes and that a file's
 * path counts as much as its content.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../lib/errors.js';
import { claimRunFolder, currentOwner, ownEntries, refuseLiveOwner } from '../../lib/report/out-folder.js';
import { PLAN_SCHEMA, writePlan } from '../../lib/report/plan.js';
import type { FolderOwner } from '../../lib/report/plan.js';
import { revisionFiles, suitesRevision } from '../../lib/report/revision.js';

let dir: string;
const makeDir = async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-folders-exact-'));
};

describe('a run\'s --out folder (folders, exactly)', () => {
  beforeEach(makeDir);
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  const me: FolderOwner = { host: os.hostname(), pid: 4242, startTime: '100', command: 'initc run' };

  it('initc\'s own entries, sorted, phase JUnit files among them; nothing else', () => {
    expect(ownEntries(['results.json', 'notes.txt', 'junit-2.xml', 'allure-results', 'junit-x.xml', 'plan.json', 'junit.xml.bak', 'conformance.md'])).to.deep.equal(['allure-results', 'conformance.md', 'junit-2.xml', 'plan.json', 'results.json']);
    // A phase's JUnit is exactly junit-<n>.xml: not a name that ends or starts with one.
    expect(ownEntries(['my-junit-1.xml', 'junit-1.xml.bak', 'junit-12.xml'])).to.deep.equal(['junit-12.xml']);
    expect(ownEntries([])).to.deep.equal([]);
  });

  it('removes a folder of results with the files in it, keeps what it is told to and the user\'s files', async () => {
    await fs.mkdir(path.join(dir, 'allure-results', 'deep'), { recursive: true });
    await fs.writeFile(path.join(dir, 'allure-results', 'deep', 'a-result.json'), '{}');
    await fs.mkdir(path.join(dir, 'allure-report'));
    await fs.writeFile(path.join(dir, 'allure-report', 'index.html'), '<html>');
    await fs.writeFile(path.join(dir, 'results.json'), '{}');
    await fs.writeFile(path.join(dir, 'mine.txt'), 'mine');
    expect(await claimRunFolder(dir, me, async () => expect.fail('no plan: no owner to ask'), ['allure-report'])).to.deep.equal(['allure-results', 'results.json']);
    // The claim leaves its marker (host, pid, start time) beside them.
    const marker = `.initc-owner-${os.hostname()}-4242-100`;
    expect((await fs.readdir(dir)).sort()).to.deep.equal([marker, 'allure-report', 'mine.txt']);
    expect(await claimRunFolder(dir, me, async () => false)).to.deep.equal(['allure-report']);
    expect((await fs.readdir(dir)).sort()).to.deep.equal([marker, 'mine.txt']);
  });

  it('a name that only contains a marker is none: never asked about, never removed', async () => {
    const lookalikes = [`notes.initc-owner-${os.hostname()}-11-999`, `.initc-owner-${os.hostname()}-11-999.txt`];
    for (const f of lookalikes) await fs.writeFile(path.join(dir, f), 'x');
    expect(await claimRunFolder(dir, me, async () => expect.fail('asked about a look-alike'))).to.deep.equal([]);
    expect(await fs.readdir(dir)).to.include.members(lookalikes);
  });

  it('the same pid with another start time is another process (a recycled pid): asked, and refused when alive', async () => {
    const asked: FolderOwner[] = [];
    const recycled = { ...me, startTime: '999', command: 'initc run --out there' };
    await writePlan({ schema: PLAN_SCHEMA, startedAt: 't', suitesRevision: 'r', suites: [], grep: null, owner: recycled, tests: [] }, dir);
    const err = await refuseLiveOwner(dir, me, async (o) => (asked.push(o), true)).then(() => undefined, (e: { exitCode: number; message: string }) => e);
    expect([err?.exitCode, err?.message]).to.deep.equal([ExitCode.busy, `${dir} is the --out folder of a live run (pid 4242: initc run --out there); give this one another --out`]);
    expect(asked).to.deep.equal([recycled]);
    const otherPid = { ...me, pid: 4243 };
    await writePlan({ schema: PLAN_SCHEMA, startedAt: 't', suitesRevision: 'r', suites: [], grep: null, owner: otherPid, tests: [] }, dir);
    expect(await refuseLiveOwner(dir, me, async (o) => (asked.push(o), false))).to.equal(undefined);
    expect(asked).to.deep.equal([recycled, otherPid]);
    await writePlan({ schema: PLAN_SCHEMA, startedAt: 't', suitesRevision: 'r', suites: [], grep: null, owner: me, tests: [] }, dir);
    expect(await refuseLiveOwner(dir, me, async () => expect.fail('its own folder: nobody to ask'))).to.equal(undefined);
  });

  it('this process as an owner: host, pid, the start time given, its command line to 200 characters', () => {
    const argv = process.argv;
    try {
      process.argv = ['node', 'main.js', 'run', '--suite', 'order'];
      expect(currentOwner('123')).to.deep.equal({ host: os.hostname(), pid: process.pid, startTime: '123', command: 'initc run --suite order' });
      process.argv = ['node', 'main.js', 'run', '--grep', 'x'.repeat(300)];
      expect(currentOwner('1').command).to.equal(`initc run --grep ${'x'.repeat(300)}`.slice(0, 200));
    } finally {
      process.argv = argv;
    }
  });
});

describe('the suites revision (folders, exactly)', () => {
  beforeEach(makeDir);
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  const put = async (rel: string, text: string) => {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), text);
  };

  it('every source file under the roots, once each, sorted; other files and missing roots add nothing', async () => {
    await put('suites/z.spec.ts', 'z');
    await put('suites/notes.md', 'n');
    await put('suites/img.png', 'p');
    await put('fixtures/a.yaml', 'a');
    await put('fixtures/b.yml', 'b');
    await put('fixtures/c.json', 'c');
    await put('fixtures/d.sh', 'd');
    await put('fixtures/e.mjs', 'e');
    await put('fixtures/f.js', 'f');
    expect(await revisionFiles(dir, ['suites', 'fixtures', 'fixtures/a.yaml', 'suites/notes.md', 'nowhere'])).to.deep.equal(['fixtures/a.yaml', 'fixtures/b.yml', 'fixtures/c.json', 'fixtures/d.sh', 'fixtures/e.mjs', 'fixtures/f.js', 'suites/z.spec.ts']);
  });

  it('a renamed file, or files whose paths and contents run together alike, give another revision', async () => {
    await put('suites/a.ts', '');
    await put('suites/b.ts', '');
    const two = await suitesRevision(dir);
    expect(two).to.match(/^[0-9a-f]{12}$/);
    // One file whose content is the next file's path: the same bytes in a row, another set of files.
    await fs.rm(path.join(dir, 'suites/b.ts'));
    await put('suites/a.ts', 'suites/b.ts\0');
    expect(await suitesRevision(dir)).to.not.equal(two);
    await put('suites/a.ts', 'x');
    const one = await suitesRevision(dir);
    await fs.rename(path.join(dir, 'suites/a.ts'), path.join(dir, 'suites/c.ts'));
    expect(await suitesRevision(dir)).to.not.equal(one);
  });
});
