import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { compareRuns, loadRun } from '../../lib/report/compare.js';
import { buildResultsModel } from '../../lib/report/build-model.js';
import { projectRoot } from '../../lib/util/paths.js';

const RUNS = path.join(projectRoot(), 'test', 'fixtures', 'runs');
const schemaFile = (name: string) => path.join(projectRoot(), 'schemas', name);

describe('JSON schemas of the results model and the comparison', () => {
  let validateResults: ValidateFunction;
  let validateCompare: ValidateFunction;
  before(async () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    const results = JSON.parse(await fs.readFile(schemaFile('results-v1.schema.json'), 'utf8'));
    const compare = JSON.parse(await fs.readFile(schemaFile('compare-v1.schema.json'), 'utf8'));
    ajv.addSchema(results);
    ajv.addSchema(compare);
    validateResults = ajv.getSchema(results.$id)!;
    validateCompare = ajv.getSchema(compare.$id)!;
  });

  const expectValid = (validate: ValidateFunction, data: unknown) => expect(validate(data), JSON.stringify(validate.errors, null, 2)).to.equal(true);

  it('every sample run\'s model is valid initc.dev/results/v1 (through its JSON bytes)', async () => {
    for (const run of ['v1.34', 'v1.36']) {
      const model = await buildResultsModel(path.join(RUNS, run), { suitesRevision: '0123456789ab' });
      expectValid(validateResults, JSON.parse(JSON.stringify(model)));
    }
  });

  it('the schema bites: a wrong status, a missing field, an unknown field, another schema id', async () => {
    const model = JSON.parse(JSON.stringify(await buildResultsModel(path.join(RUNS, 'v1.36'), { suitesRevision: 'x' })));
    for (const spoil of [
      (m: any) => (m.tests[0].status = 'unknown'),
      (m: any) => delete m.cluster.serverVersion,
      (m: any) => (m.tests[0].observed = [{ pod: 'p' }]),
      (m: any) => (m.extra = 1),
      (m: any) => (m.schema = 'initc.dev/results/v2'),
    ]) {
      const spoilt = structuredClone(model);
      spoil(spoilt);
      expect(validateResults(spoilt), spoil.toString()).to.equal(false);
    }
  });

  it('an older results.json, written before back-offs were recorded, is still valid; a wrong back-off is not', async () => {
    const model = JSON.parse(JSON.stringify(await buildResultsModel(path.join(RUNS, 'v1.34'), { suitesRevision: 'x' })));
    const crashloop = model.tests.find((t: any) => t.suite === 'onfailure').observed[0];
    expect(crashloop.backoffs).to.have.length(1);
    const old = structuredClone(model);
    for (const t of old.tests) for (const o of t.observed) delete o.backoffs;
    expectValid(validateResults, old);
    const backoffs = (m: any) => m.tests.find((t: any) => t.suite === 'onfailure').observed[0].backoffs;
    for (const spoil of [
      (m: any) => delete backoffs(m)[0].intervals[1].lateSec,
      (m: any) => (backoffs(m)[0].intervals[0].restart = 0),
      (m: any) => (backoffs(m)[0].intervals[0].backoffSec = -10),
      (m: any) => (backoffs(m)[0].intervals[0].lateSec = '7 s'),
      (m: any) => (backoffs(m)[0].intervals[0].extra = 1),
      (m: any) => delete backoffs(m)[0].unendedAttempt,
      (m: any) => (backoffs(m)[0].unendedAttempt = 0),
      (m: any) => (backoffs(m)[0].container = null),
      (m: any) => (backoffs(m)[0] = { container: 'init-b', intervals: [] , unendedAttempt: null, restarts: 4 }),
    ]) {
      const spoilt = structuredClone(model);
      spoil(spoilt);
      expect(validateResults(spoilt), spoil.toString()).to.equal(false);
    }
  });

  it('a comparison is valid initc.dev/compare/v1', async () => {
    const runs = await Promise.all(['v1.34', 'v1.36'].map((r) => loadRun(path.join(RUNS, r), async () => 'x')));
    const comparison = JSON.parse(JSON.stringify(compareRuns(runs, '/tmp/compare')));
    expect(comparison.rows.flatMap((r: any) => r.differences.map((d: any) => d.kind))).to.include('backoff');
    expectValid(validateCompare, comparison);
    comparison.rows[0].differences[0].kind = 'vibes';
    expect(validateCompare(comparison)).to.equal(false);
  });
});
