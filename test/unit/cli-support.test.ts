import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { compiledIsFresh } from '../support/cli.js';

describe('the tests\' CLI: compiled only when no source is newer than its build', () => {
  it('fresh when every source under lib/, fixtures/ and suites/ has a build at least as new; stale when one is newer or missing', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-fresh-'));
    const write = async (f: string, when: number) => {
      await fs.mkdir(path.dirname(path.join(root, f)), { recursive: true });
      await fs.writeFile(path.join(root, f), '');
      await fs.utimes(path.join(root, f), when, when);
    };
    for (const d of ['lib/cli', 'fixtures', 'suites/chaos']) await fs.mkdir(path.join(root, d), { recursive: true });
    await write('lib/cli/main.ts', 1000);
    await write('lib/types.d.ts', 5000);
    await write('suites/chaos/node.spec.ts', 1000);
    await write('dist/lib/cli/main.js', 1000);
    await write('dist/suites/chaos/node.spec.js', 2000);
    expect(compiledIsFresh(root), 'every build as new as its source (a .d.ts has none)').to.equal(true);
    await write('suites/chaos/node.spec.ts', 2001);
    expect(compiledIsFresh(root), 'a suite edited after the build').to.equal(false);
    await write('suites/chaos/node.spec.ts', 1000);
    await write('fixtures/new.ts', 1000);
    expect(compiledIsFresh(root), 'a source never built').to.equal(false);
    await fs.rm(root, { recursive: true, force: true });
  });
});
