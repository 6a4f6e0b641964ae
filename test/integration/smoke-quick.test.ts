/**
 * One end-to-end run, the smallest that still proves the whole path: `initc run` starts an
 * embedded cluster of its own (named `quick`), runs the smoke and order suites on it, writes the
 * report and JUnit, and stops it, leaving nothing. `npm run test:quick` runs it after the unit
 * tests (a developer's check before pushing); `npm test` runs it with the other integration tests.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { LocalClusterProvider } from '../../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { initc } from '../support/cli.js';

const NAME = 'quick';

describe('one end-to-end run on a cluster of its own (integration; root)', function () {
  this.timeout(15 * 60_000);

  it('`initc run --local-cluster quick --suite smoke,order` starts the cluster, passes, writes the reports and stops it, leaving nothing', async () => {
    if (process.getuid?.() !== 0) throw new Error('the embedded cluster integration test must run as root');
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-quick-'));
    const provider = new LocalClusterProvider({ version: resolveKubeVersion(undefined), name: NAME });
    try {
      expect((await provider.status()).state, `no cluster "${NAME}" runs before the test`).to.equal(undefined);
      const run = await initc(['run', '--local-cluster', NAME, '--suite', 'smoke,order', '--out', out], { stdout: 'inherit', stderr: 'inherit' });
      expect(run.exitCode, `initc run exit code (its output is above; the report is in ${out})`).to.equal(0);
      const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')) as { tests: Array<{ suite: string; status: string }> };
      expect([...new Set(results.tests.map((t) => `${t.suite} ${t.status}`))].sort()).to.deep.equal(['order passed', 'smoke passed']);
      expect(await fs.readFile(path.join(out, 'junit.xml'), 'utf8')).to.match(/<testsuite [^>]*tests="[1-9]/);
      expect((await fs.stat(path.join(out, 'allure-report', 'index.html'))).size).to.be.greaterThan(100_000);
      expect(await provider.leftovers(), `what the run's cluster "${NAME}" left`).to.deep.equal([]);
    } finally {
      if ((await provider.status()).state) await initc(['cluster', 'down', '--name', NAME]);
      await fs.rm(out, { recursive: true, force: true });
    }
  });
});
