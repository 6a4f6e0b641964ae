import { expect } from 'chai';
import { askedForCells, featureRows, parseGates } from '../../lib/report/features.js';
import { featureGatesOf } from '../../lib/report/build-model.js';
import { gatesEnvironment } from '../../lib/cli/environment.js';
import { gatesFromMetrics } from '../../lib/cluster/features.js';
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
});
