import { expect } from 'chai';
import { askedForCells, featureRows, featureSuiteRows, parseGates } from '../../lib/report/features.js';
import { compareMarkdown } from '../../lib/report/markdown.js';
import type { CompareCell, CompareColumn, CompareRow, Comparison } from '../../lib/report/compare.js';
import type { TestStatus } from '../../lib/report/model.js';
import { featureGatesOf } from '../../lib/report/build-model.js';
import { gatesEnvironment } from '../../lib/cli/environment.js';
import { GATED_SUITES, INIT_CONTAINER_GATES, gatesFromMetrics } from '../../lib/cluster/features.js';
import { SUITES } from '../../lib/cli/suite-table.js';
import type { ClusterIdentity } from '../../lib/report/model.js';

const identity = (featureGates: Record<string, string> | null, askedFor: string | null = null): ClusterIdentity => ({
  provider: 'local', serverVersion: null, kubeletVersion: null, containerRuntime: null, nodeOS: null, kernel: null, featureGates, askedFor,
});

describe('feature gates in results and the comparison', () => {
  it('records one entry when the API server and kubelet agree, one per component when not, and why one is unreadable', () => {
    const on = gatesFromMetrics('kubernetes_feature_enabled{name="ContainerRestartRules",stage="BETA"} 1');
    const off = gatesFromMetrics('kubernetes_feature_enabled{name="ContainerRestartRules",stage="BETA"} 0');
    expect(gatesEnvironment([{ component: 'kube-apiserver', gates: on }, { component: 'kubelet n1', gates: on }])).to.deep.equal({ 'feature gates': 'ContainerRestartRules=on (BETA)' });
    expect(gatesEnvironment([{ component: 'kube-apiserver', gates: on }, { component: 'kubelet n1', gates: off }])).to.deep.equal({
      'feature gates (kube-apiserver)': 'ContainerRestartRules=on (BETA)',
      'feature gates (kubelet n1)': 'ContainerRestartRules=off (BETA)',
    });
    expect(gatesEnvironment([{ component: 'kube-apiserver', gates: on }, { component: 'kubelet n1', unreadable: 'HTTP 403: forbidden' }])).to.deep.equal({
      'feature gates (kube-apiserver)': 'ContainerRestartRules=on (BETA)',
      'feature gates (kubelet n1)': 'unreadable: HTTP 403: forbidden',
    });
    expect(gatesEnvironment([])).to.deep.equal({});
  });

  it('reads the environment\'s gate entries back per component', () => {
    expect(featureGatesOf({ 'feature gates': 'A=on (BETA)', server: 'v1' })).to.deep.equal({ 'all components': 'A=on (BETA)' });
    expect(featureGatesOf({ 'feature gates (kube-apiserver)': 'A=on (BETA)', 'feature gates (kubelet n1)': 'A=off (BETA)' })).to.deep.equal({ 'kube-apiserver': 'A=on (BETA)', 'kubelet n1': 'A=off (BETA)' });
    expect(featureGatesOf({ server: 'v1', 'feature gatesX': 'y' })).to.equal(null);
  });

  it('tables each gate across runs, marking where they differ, absent releases and unreadable components', () => {
    expect([...parseGates('ContainerRestartRules=on (BETA), SidecarContainers=on (GA), EnvFiles=off ()').entries()]).to.deep.equal([
      ['ContainerRestartRules', 'on (BETA)'],
      ['SidecarContainers', 'on (GA)'],
      ['EnvFiles', 'off ()'],
    ]);
    const v134 = identity({ 'all components': 'ContainerRestartRules=off (ALPHA), SidecarContainers=on (GA)' });
    const v136 = identity({ 'all components': 'ContainerRestartRules=on (BETA), RestartAllContainersOnContainerExits=on (BETA), SidecarContainers=on (GA)' }, 'gates X=true');
    const split = identity({ 'kube-apiserver': 'ContainerRestartRules=on (BETA)', 'kubelet n1': 'ContainerRestartRules=off (BETA)' });
    const blind = identity({ 'kube-apiserver': 'ContainerRestartRules=on (BETA)', 'kubelet n1': 'unreadable: HTTP 403' });
    expect(featureRows([v134, v136, split, blind, identity(null)])).to.deep.equal([
      { gate: 'ContainerRestartRules', cells: ['off (ALPHA)', 'on (BETA)', 'kube-apiserver on (BETA), kubelet n1 off (BETA)', 'kube-apiserver on (BETA), kubelet n1 unreadable', 'not recorded'], differs: true },
      { gate: 'SidecarContainers', cells: ['on (GA)', 'on (GA)', 'not in this release', 'kube-apiserver not in this release, kubelet n1 unreadable', 'not recorded'], differs: true },
      { gate: 'RestartAllContainersOnContainerExits', cells: ['not in this release', 'on (BETA)', 'not in this release', 'kube-apiserver not in this release, kubelet n1 unreadable', 'not recorded'], differs: true },
    ]);
    expect(featureRows([v134, v134])).to.deep.equal([
      { gate: 'ContainerRestartRules', cells: ['off (ALPHA)', 'off (ALPHA)'], differs: false },
      { gate: 'SidecarContainers', cells: ['on (GA)', 'on (GA)'], differs: false },
    ]);
    expect(featureRows([identity(null)])).to.deep.equal([]);
    expect(askedForCells([v134, v136, identity(null)])).to.deep.equal(['defaults', 'gates X=true', 'not recorded']);
  });

  const cell = (status: TestStatus, message: string | null = null): CompareCell => ({ status, message, durationMs: 1, observed: [], missingEvidence: [], evidenceProblems: [] });
  const row = (suite: string, title: string, cells: (CompareCell | null)[]): CompareRow => ({ id: `${suite} > ${title}`, suite, title, differs: false, differences: [], cells });
  const column = (label: string, cluster: ClusterIdentity = identity(null)): CompareColumn => ({
    label, cluster, initc: { version: null, suitesRevision: 'r' }, run: { start: null, end: null, chaosSeed: null, fixtureImage: null },
    totals: { tests: 0, passed: 0, failed: 0, broken: 0, skipped: 0 }, verdict: 'v', problems: [], source: '/s', allureReport: null,
  });
  const comparison = (columns: CompareColumn[], rows: CompareRow[]): Comparison => ({ schema: 'initc.dev/compare/v1', columns, summary: { tests: rows.length, differing: 0 }, rows });

  it('says per gated suite what each run did of it: ran (counts by status), skipped (its reasons, first lines), not run', () => {
    const c = comparison([column('1.34'), column('1.36'), column('old')], [
      row('restart-all', 'a', [cell('skipped', 'RestartAllContainersOnContainerExits is off\nmore'), cell('passed'), null]),
      row('restart-all', 'b', [cell('skipped', 'RestartAllContainersOnContainerExits is off'), cell('failed', 'x'), null]),
      row('restart-all', 'c', [cell('skipped', 'NodeDeclaredFeatures is off'), cell('skipped', 'y'), null]),
      row('restart-all', 'd', [cell('skipped', 'NodeDeclaredFeatures is off'), cell('skipped', 'y\nsecond line'), null]),
      row('restart-all', 'e', [cell('skipped', 'NodeDeclaredFeatures is off'), cell('skipped', 'w'), null]),
      row('order', 'o', [cell('passed'), cell('passed'), cell('passed')]),
      row('env-files', 'e', [cell('broken', 'z'), cell('passed'), cell('skipped')]),
      row('restart-rules', 'r', [cell('passed'), cell('passed'), cell('passed')]),
    ]);
    expect(featureSuiteRows(c)).to.deep.equal([
      { suite: 'restart-rules', gates: ['ContainerRestartRules'], cells: ['ran: 1 passed', 'ran: 1 passed', 'ran: 1 passed'], differs: false },
      { suite: 'restart-all', gates: ['RestartAllContainersOnContainerExits', 'NodeDeclaredFeatures'], cells: ['skipped: RestartAllContainersOnContainerExits is off; NodeDeclaredFeatures is off', 'ran: 1 passed, 1 failed, 3 skipped (skipped: y; w)', 'not run'], differs: true },
      { suite: 'env-files', gates: ['EnvFiles'], cells: ['ran: 1 broken', 'ran: 1 passed', 'skipped: no reason given'], differs: true },
    ]);
    expect(featureSuiteRows(comparison([column('a')], [row('order', 'o', [cell('passed')])]))).to.deep.equal([]);
  });

  it('compare.md has a Features section: gates in force and asked for, then the gated suites; none when neither', () => {
    const on = identity({ 'all components': 'EnvFiles=on (BETA)' }, 'gates EnvFiles=true');
    const off = identity({ 'all components': 'EnvFiles=off (ALPHA)' });
    const both = compareMarkdown(comparison([column('a', off), column('b', on)], [row('env-files', 'e', [cell('skipped', 'EnvFiles is off'), cell('passed')])]));
    expect(both.split('\n').slice(both.split('\n').indexOf('## Features'), both.split('\n').indexOf('0 of 1 tests differ between the runs.'))).to.deep.equal([
      '## Features',
      '',
      '### Gates in force',
      '',
      '| gate | a | b |',
      '|---|---|---|',
      '| asked for | defaults | gates EnvFiles=true |',
      '| **EnvFiles** | off (ALPHA) | on (BETA) |',
      '',
      '### Gated suites',
      '',
      '| suite (gates) | a | b |',
      '|---|---|---|',
      '| **env-files** (EnvFiles) | skipped: EnvFiles is off | ran: 1 passed |',
      '',
    ]);
    const suitesOnly = compareMarkdown(comparison([column('a'), column('b')], [row('env-files', 'e', [cell('passed'), cell('passed')])]));
    expect(suitesOnly).to.include('## Features\n\n### Gated suites\n\n| suite (gates) | a | b |\n|---|---|---|\n| env-files (EnvFiles) | ran: 1 passed | ran: 1 passed |\n\n');
    expect(suitesOnly).not.to.include('### Gates in force');
    const gatesOnly = compareMarkdown(comparison([column('a', on)], [row('order', 'o', [cell('passed')])]));
    expect(gatesOnly).to.include('## Features\n\n### Gates in force\n');
    expect(gatesOnly).not.to.include('### Gated suites');
    const neither = compareMarkdown(comparison([column('a')], [row('order', 'o', [cell('passed')])]));
    expect(neither).not.to.include('## Features');
  });

  it('names the gated suites and the gates each needs: suites that exist, gates initc reads', () => {
    expect(GATED_SUITES).to.deep.equal({
      'restart-rules': ['ContainerRestartRules'],
      'restart-all': ['RestartAllContainersOnContainerExits', 'NodeDeclaredFeatures'],
      'backoff-config': ['KubeletCrashLoopBackOffMax', 'ReduceDefaultCrashLoopBackOffDecay'],
      'kubelet-restart-status': ['ChangeContainerStatusOnKubeletRestart'],
      'env-files': ['EnvFiles'],
      'resize-init': ['InPlacePodVerticalScalingInitContainers'],
    });
    for (const [suite, gates] of Object.entries(GATED_SUITES)) {
      expect(SUITES, suite).to.have.property(suite);
      for (const g of gates) expect(INIT_CONTAINER_GATES as readonly string[], g).to.include(g);
    }
  });
});
