import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { adoptNodeSuitesResults, nodeSuitesClusterName, nodeSuitesOutcome, nodeSuitesRun, planPhases } from '../../lib/cli/node-suites.js';
import { clusterNameProblem } from '../../lib/cluster/local/layout.js';

const whole = (s: string) => s === 'chaos-node' || s === 'stale-sandbox';

describe('node-wide suites: where they run', () => {
  it('run on a cluster of their own, at the same time, when the run may start one and other suites run too', () => {
    expect(planPhases(['order', 'chaos-node', 'never', 'stale-sandbox'], whole, 'own-cluster', true)).to.deep.equal({ together: ['order', 'never'], after: [], ownCluster: ['chaos-node', 'stale-sandbox'] });
  });

  it('run alone, after the others, when asked (--node-suites after) or when the provider cannot start a cluster', () => {
    const after = { together: ['order'], after: ['chaos-node'], ownCluster: [] };
    expect(planPhases(['order', 'chaos-node'], whole, 'after', true)).to.deep.equal(after);
    expect(planPhases(['order', 'chaos-node'], whole, 'own-cluster', false)).to.deep.equal(after);
  });

  it('run on the run\'s own cluster when nothing else runs beside them (a second cluster would gain nothing)', () => {
    expect(planPhases(['chaos-node'], whole, 'own-cluster', true)).to.deep.equal({ together: [], after: ['chaos-node'], ownCluster: [] });
  });

  it('leave the plan alone when there are none', () => {
    expect(planPhases(['order', 'never'], whole, 'own-cluster', true)).to.deep.equal({ together: ['order', 'never'], after: [], ownCluster: [] });
  });

  it('their cluster is <name>-wn, a valid name of at most 12 characters; long names keep apart by a hash', () => {
    expect(nodeSuitesClusterName('initc')).to.equal('initc-wn');
    expect(nodeSuitesClusterName('abcdefghi')).to.equal('abcdefghi-wn');
    const a = nodeSuitesClusterName('cmp-ab12-134');
    const b = nodeSuitesClusterName('cmp-ab12-136');
    expect(a).to.match(/^cmp-a[0-9a-f]{4}-wn$/);
    expect(a).to.have.length(12);
    expect(a).to.not.equal(b);
    expect(nodeSuitesClusterName('abcd-efghij')).to.match(/^abcd-[0-9a-f]{4}-wn$/);
    for (const n of ['initc', 'abcdefghi', 'cmp-ab12-134', 'abcd-efghij', 'ab--cdefghij', 'a']) expect(clusterNameProblem(nodeSuitesClusterName(n)), n).to.equal(undefined);
  });

  it('their run is a child `initc run` on that cluster, one suite file at a time, never splitting again', () => {
    expect(nodeSuitesRun(['chaos-node', 'stale-sandbox'], 'initc-wn', ['--seed', '7'])).to.deep.equal({
      label: 'node suites on "initc-wn"',
      folder: 'node-suites',
      args: ['run', '--provider', 'local', '--local-cluster', 'initc-wn', '--suite', 'chaos-node,stale-sandbox', '--node-suites', 'after', '--jobs', '1', '--seed', '7'],
    });
  });

  it('what their run\'s exit means for this run', () => {
    expect(nodeSuitesOutcome(0, 5, false)).to.equal('passed');
    expect(nodeSuitesOutcome(1, 5, false)).to.equal('failed');
    // Failed with no result (a worker that died before writing one): a failure, never run again here.
    expect(nodeSuitesOutcome(1, 0, false)).to.equal('failed');
    expect(nodeSuitesOutcome(12, 0, false)).to.equal('nothing');
    // Its cluster could not start (a slot, a port, a build): nothing ran there, so they run here.
    expect(nodeSuitesOutcome(5, 0, false)).to.equal('run-here');
    expect(nodeSuitesOutcome(13, 0, false)).to.equal('run-here');
    // It broke after running some: never run twice, never a pass.
    expect(nodeSuitesOutcome(14, 1, false)).to.equal('failed');
    expect(nodeSuitesOutcome(70, 3, false)).to.equal('failed');
    expect(nodeSuitesOutcome(1, 5, true)).to.equal('nothing');
    expect(nodeSuitesOutcome(130, 0, true)).to.equal('nothing');
  });

  it('their results join this run\'s, all but the environment file; their JUnit becomes a part', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-node-suites-'));
    const child = path.join(tmp, 'node-suites');
    await fs.mkdir(path.join(child, 'allure-results'), { recursive: true });
    await fs.writeFile(path.join(child, 'allure-results', 'a-result.json'), '{"name":"a"}');
    await fs.writeFile(path.join(child, 'allure-results', 'b-result.json'), '{"name":"b"}');
    await fs.writeFile(path.join(child, 'allure-results', 'c-attachment.txt'), 'log');
    await fs.writeFile(path.join(child, 'allure-results', 'environment.properties'), 'child=1');
    await fs.writeFile(path.join(child, 'junit.xml'), '<testsuites><testsuite name="x"></testsuite></testsuites>');
    const results = path.join(tmp, 'allure-results');
    await fs.mkdir(results);
    await fs.writeFile(path.join(results, 'environment.properties'), 'parent=1');
    const part = path.join(tmp, 'junit-2.xml');
    expect(await adoptNodeSuitesResults(child, results, part)).to.equal(2);
    expect((await fs.readdir(results)).sort()).to.deep.equal(['a-result.json', 'b-result.json', 'c-attachment.txt', 'environment.properties']);
    expect(await fs.readFile(path.join(results, 'environment.properties'), 'utf8')).to.equal('parent=1');
    expect(await fs.readFile(part, 'utf8')).to.contain('<testsuite name="x">');
    // A child that never wrote anything brings nothing and no part.
    expect(await adoptNodeSuitesResults(path.join(tmp, 'none'), results, path.join(tmp, 'junit-3.xml'))).to.equal(0);
    await fs.access(path.join(tmp, 'junit-3.xml')).then(() => expect.fail('a part was written'), () => undefined);
    await fs.rm(tmp, { recursive: true, force: true });
  });
});
