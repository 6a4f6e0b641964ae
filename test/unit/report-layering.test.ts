/**
 * lib/report sits at the level of checks and observe, below the commands: it reads results and
 * timelines and writes reports, and never reaches up into the commands, the scenario kit, the
 * suites or the fixture catalogue.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../lib/util/paths.js';

describe('layering of lib/report', () => {
  it('imports nothing from lib/cli, lib/scenario, suites/ or fixtures/', async () => {
    const dir = path.join(projectRoot(), 'lib', 'report');
    const wrong: string[] = [];
    for (const name of (await fs.readdir(dir)).filter((n) => n.endsWith('.ts'))) {
      const text = await fs.readFile(path.join(dir, name), 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = path.relative(projectRoot(), path.resolve(dir, m[1]!));
        if (/^(lib\/cli|lib\/scenario|suites|fixtures)\//.test(target)) wrong.push(`lib/report/${name} → ${target}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });
});
