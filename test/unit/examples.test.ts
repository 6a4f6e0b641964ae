import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';

interface Workflow {
  jobs: Record<string, { needs?: string; strategy?: { matrix: { include: Array<Record<string, string>> } }; steps: Array<{ run?: string; uses?: string }> }>;
}

describe('examples/github-actions.yml', function () {
  this.timeout(30_000);

  it('is a workflow whose matrix runs initc per version and whose last job compares them', async () => {
    const wf = yaml.load(await fs.readFile(path.join(projectRoot(), 'examples', 'github-actions.yml'), 'utf8')) as Workflow;
    expect(Object.keys(wf.jobs)).to.deep.equal(['conformance', 'compare']);
    expect(wf.jobs.compare!.needs).to.equal('conformance');
    expect(wf.jobs.conformance!.strategy!.matrix.include.length).to.be.at.least(2);
    const runs = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.run ?? '')).join('\n');
    expect(runs).to.match(/initc run --kind-cluster initc-[^\n]+\\\n\s+--report conformance --out runs\/v/);
    expect(runs).to.include('compare --from runs/run-v* --out compare');
  });

  it('uses only flags initc has', async () => {
    const help = String((await initc(['run', '--help'])).stdout) + String((await initc(['compare', '--help'])).stdout);
    for (const flag of ['--kind-cluster', '--report', '--out', '--from']) expect(help, flag).to.include(flag);
  });
});
