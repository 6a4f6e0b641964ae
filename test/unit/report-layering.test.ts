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

  it('has no import cycle (the comparison model stands alone; its HTML and Markdown renderers sit below it, shared formatting beside)', async () => {
    const dir = path.join(projectRoot(), 'lib', 'report');
    const graph = new Map<string, string[]>();
    for (const name of (await fs.readdir(dir)).filter((n) => n.endsWith('.ts'))) {
      const text = await fs.readFile(path.join(dir, name), 'utf8');
      // Type-only imports vanish at run time, but a circle of them is a circle of jobs all the same.
      graph.set(name, [...text.matchAll(/from\s*'\.\/([^']+)\.js'/g)].map((m) => `${m[1]}.ts`));
    }
    const cycles: string[] = [];
    const walk = (node: string, trail: string[]) => {
      if (trail.includes(node)) return void cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
      for (const next of graph.get(node) ?? []) walk(next, [...trail, node]);
    };
    for (const node of graph.keys()) walk(node, []);
    expect([...new Set(cycles)]).to.deep.equal([]);
    expect(graph.get('compare.ts')).not.to.include.members(['html.ts']);
    expect(graph.get('compare.ts')).not.to.include('markdown.ts');
    expect(graph.get('format.ts')).to.deep.equal(['model.ts']);
  });
});
