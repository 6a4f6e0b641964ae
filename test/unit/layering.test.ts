/**
 * Layers point one way (cli → scenario → checks/observe/evidence → cluster/kube): lib/ never
 * imports the suites or the fixture catalogue, and commands reach a provider only through the
 * provider interface; only the code that picks a provider, and the embedded cluster's own
 * commands, name the embedded cluster's modules.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../lib/util/paths.js';

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (/\.m?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every relative import of a file, resolved to a path under the project. */
async function imports(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => path.relative(projectRoot(), path.resolve(path.dirname(file), m[1]!)));
}

describe('layering', () => {
  it('lib/ imports nothing from fixtures/ or suites/', async () => {
    const wrong: string[] = [];
    for (const f of await sources(path.join(projectRoot(), 'lib'))) {
      for (const target of await imports(f)) if (/^(fixtures|suites)\//.test(target)) wrong.push(`${path.relative(projectRoot(), f)} → ${target}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  for (const [provider, folder, commands] of [
    ['the embedded cluster', 'lib/cluster/local/', ['lib/cli/cluster.ts']],
    ['kind', 'lib/cluster/kind/', ['lib/cli/kind.ts']],
  ] as const) {
    it(`only the provider factory and ${provider}'s own commands name ${provider}`, async () => {
      const allowed = new Set(['lib/cli/providers.ts', ...commands]);
      const wrong: string[] = [];
      for (const f of await sources(path.join(projectRoot(), 'lib'))) {
        const rel = path.relative(projectRoot(), f);
        if (rel.startsWith('lib/cluster/') || allowed.has(rel)) continue;
        for (const target of await imports(f)) if (target.startsWith(folder)) wrong.push(`${rel} → ${target}`);
      }
      expect(wrong).to.deep.equal([]);
    });
  }

  it('the lower layers never import the layers above them', async () => {
    const rank = (p: string) => (/^lib\/cli\//.test(p) ? 3 : /^lib\/(scenario|check)\//.test(p) ? 2 : /^lib\/(checks|observe|evidence|chaos)\//.test(p) ? 1 : /^lib\/(cluster|kube)\//.test(p) ? 0 : -1);
    const wrong: string[] = [];
    for (const f of await sources(path.join(projectRoot(), 'lib'))) {
      const rel = path.relative(projectRoot(), f);
      for (const target of await imports(f)) {
        if (rank(rel) >= 0 && rank(target) > rank(rel)) wrong.push(`${rel} → ${target}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });
});
