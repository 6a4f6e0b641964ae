/**
 * The reports of the project's own recorded runs (test/fixtures/runs), byte for byte: the one-screen
 * summary, JUnit XML, the results model, the conformance page and the comparison of the two runs.
 * Each expected file under test/fixtures/runs/expected/ was read line by line against the
 * recordings when it was written; a change to any report's wording or figures must change it too.
 * Every report is built inside its test, so a mutant of the code that builds it is active there.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { buildResultsModel } from '../../lib/report/build-model.js';
import { compareRuns, loadRun } from '../../lib/report/compare.js';
import { conformanceMarkdown } from '../../lib/report/conformance.js';
import { junitXml } from '../../lib/report/junit.js';
import { compareMarkdown } from '../../lib/report/markdown.js';
import { modelJson } from '../../lib/report/model.js';
import { formatSummary, readResults } from '../../lib/report/results.js';
import { projectRoot } from '../../lib/util/paths.js';

const RUNS = path.join(projectRoot(), 'test', 'fixtures', 'runs');
const expected = (name: string) => fs.readFile(path.join(RUNS, 'expected', name), 'utf8');
/** In name order: readdir's order is the file system's. */
const results = async (version: string) => (await readResults(path.join(RUNS, version, 'allure-results'))).sort((a, b) => a.name.localeCompare(b.name));
const revision = async () => 'feedc0ffee12';

describe('reports of the recorded runs, exactly', function () {
  this.timeout(30_000);
  for (const version of ['v1.34', 'v1.36']) {
    it(`${version}: the summary`, async () => {
      expect(`${formatSummary(await results(version))}\n`).to.equal(await expected(`${version}-summary.txt`));
    });

    it(`${version}: JUnit XML`, async () => {
      expect(junitXml(await results(version))).to.equal(await expected(`${version}-junit.xml`));
    });

    it(`${version}: the results model`, async () => {
      const model = await buildResultsModel(path.join(RUNS, version), { suitesRevision: 'feedc0ffee12' });
      expect(modelJson(model)).to.equal(await expected(`${version}-results.json`));
    });

    it(`${version}: the conformance page`, async () => {
      const model = await buildResultsModel(path.join(RUNS, version), { suitesRevision: 'feedc0ffee12' });
      expect(conformanceMarkdown(model, '0'.repeat(64))).to.equal(await expected(`${version}-conformance.md`));
    });
  }

  it('v1.34 against v1.36: the comparison and its Markdown', async () => {
    const c = compareRuns([await loadRun(path.join(RUNS, 'v1.34'), revision), await loadRun(path.join(RUNS, 'v1.36'), revision)], path.join(RUNS, 'compare-out'));
    expect(compareMarkdown(c)).to.equal(await expected('compare.md'));
    expect(JSON.parse(JSON.stringify(c).replaceAll(RUNS, '<runs>'))).to.deep.equal(JSON.parse(await expected('compare.json')));
  });
});
