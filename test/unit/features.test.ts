import { expect } from 'chai';
import { InitcError } from '../../lib/errors.js';
import {
  clusterSettings,
  describeGates,
  describeSettings,
  gateRefusal,
  gatesFromMetrics,
  gatesNotInForce,
  goDurationMs,
  isDefaultSettings,
  isUnknownGate,
  withoutGates,
  kubeletSettingsArgs,
  kubeletSettingsNotInForce,
  parseFeatureGates,
  parseKubeletSettings,
  sameSettings,
  withKubeletSettings,
} from '../../lib/cluster/features.js';

const usage = (f: () => unknown, message: string) => {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).to.be.instanceOf(InitcError);
  expect((caught as InitcError).exitCode).to.equal(2);
  expect((caught as InitcError).message).to.equal(message);
};

// Lines as kube-apiserver v1.36.5 serves them on /metrics (component-base featuregate.AddMetrics).
const METRICS = `# HELP kubernetes_feature_enabled [BETA] This metric records the data about the stage and enablement of a k8s feature.
# TYPE kubernetes_feature_enabled gauge
kubernetes_feature_enabled{name="ContainerRestartRules",stage="BETA"} 1
kubernetes_feature_enabled{name="EnvFiles",stage="BETA"} 0
kubernetes_feature_enabled{name="SidecarContainers",stage=""} 1
kubernetes_feature_enabled{name="ChangeContainerStatusOnKubeletRestart",stage="DEPRECATED"} 0
kubernetes_feature_enabled_other{name="X",stage="ALPHA"} 1
apiserver_request_total{code="200"} 5
`;

describe('feature gates and kubelet settings (lib/cluster/features.ts)', () => {
  it('parses --feature-gates, repeated and comma-separated, into names and values', () => {
    expect(parseFeatureGates(['ContainerRestartRules=true, EnvFiles=FALSE', 'NodeDeclaredFeatures = true'])).to.deep.equal({ ContainerRestartRules: true, EnvFiles: false, NodeDeclaredFeatures: true });
    expect(parseFeatureGates([])).to.deep.equal({});
    expect(parseFeatureGates(['A=true', 'A=true'])).to.deep.equal({ A: true });
  });

  it('refuses a gate that is not NAME=true|false, or given both ways, in one line', () => {
    usage(() => parseFeatureGates(['ContainerRestartRules']), '--feature-gates: "ContainerRestartRules" is not NAME=true or NAME=false (e.g. ContainerRestartRules=true)');
    usage(() => parseFeatureGates(['containerRestartRules=true']), '--feature-gates: "containerRestartRules=true" is not NAME=true or NAME=false (e.g. ContainerRestartRules=true)');
    usage(() => parseFeatureGates(['Abc-d=true']), '--feature-gates: "Abc-d=true" is not NAME=true or NAME=false (e.g. ContainerRestartRules=true)');
    usage(() => parseFeatureGates(['A=yes']), '--feature-gates: A must be true or false, not "yes"');
    usage(() => parseFeatureGates(['A=true,A=false']), '--feature-gates: A is given both true and false');
  });

  it('parses --kubelet-config FIELD=VALUE into nested YAML scalars', () => {
    expect(parseKubeletSettings(['crashLoopBackOff.maxContainerRestartPeriod=5s', 'maxPods=20', 'serializeImagePulls=true', 'a.b.c='])).to.deep.equal({
      crashLoopBackOff: { maxContainerRestartPeriod: '5s' },
      maxPods: 20,
      serializeImagePulls: true,
      a: { b: { c: '' } },
    });
    expect(parseKubeletSettings(['x.y=1', 'x.z=2'])).to.deep.equal({ x: { y: 1, z: 2 } });
  });

  it('refuses a malformed, initc-owned, non-scalar or conflicting kubelet field', () => {
    usage(() => parseKubeletSettings(['maxPods']), '--kubelet-config: "maxPods" is not FIELD=VALUE (e.g. crashLoopBackOff.maxContainerRestartPeriod=5s)');
    usage(() => parseKubeletSettings(['featureGates.A=true']), '--kubelet-config: featureGates is initc\'s to set (gates go in --feature-gates)');
    usage(() => parseKubeletSettings(['cgroupRoot=/x']), '--kubelet-config: cgroupRoot is initc\'s to set (gates go in --feature-gates)');
    // Every field initc sets for the node to work here (its address, TLS, runtime, cgroups, DNS, logs, static pods).
    const owned = ['apiVersion', 'kind', 'featureGates', 'address', 'port', 'authentication', 'authorization', 'tlsCertFile', 'tlsPrivateKeyFile', 'containerRuntimeEndpoint', 'cgroupRoot', 'cgroupDriver', 'clusterDNS', 'clusterDomain', 'resolvConf', 'podLogsDir', 'staticPodPath'];
    for (const field of owned) usage(() => parseKubeletSettings([`${field}.x=1`]), `--kubelet-config: ${field} is initc's to set (gates go in --feature-gates)`);
    expect(parseKubeletSettings(['portX=1', 'addresses=1', 'Kind=1'])).to.deep.equal({ portX: 1, addresses: 1, Kind: 1 });
    usage(() => parseKubeletSettings(['maxPods=[1,2]']), '--kubelet-config: maxPods takes one value, not [1,2]');
    usage(() => parseKubeletSettings(['maxPods={']), '--kubelet-config: the value of maxPods is not a YAML scalar: {');
    usage(() => parseKubeletSettings(['a=1', 'a.b=2']), '--kubelet-config: a.b conflicts with a value given for a');
    usage(() => parseKubeletSettings(['a.b=2', 'a=1']), '--kubelet-config: a conflicts with the fields given under it');
  });

  it('describes settings in name order, and compares them whatever order they were given in', () => {
    const a = clusterSettings({ 'feature-gates': ['B=false,A=true'], 'kubelet-config': ['x.z=2', 'x.y=1'] });
    expect(describeSettings(a)).to.equal('gates A=true,B=false; kubelet x.y=1,x.z=2');
    expect(describeSettings(clusterSettings({}))).to.equal('defaults');
    expect(describeSettings(clusterSettings({ 'kubelet-config': ['maxPods=3'] }))).to.equal('kubelet maxPods=3');
    expect(sameSettings(a, clusterSettings({ 'feature-gates': ['A=true', 'B=false'], 'kubelet-config': ['x.y=1', 'x.z=2'] }))).to.equal(true);
    expect(sameSettings(a, clusterSettings({ 'feature-gates': ['A=true'] }))).to.equal(false);
    expect(kubeletSettingsArgs(a.kubelet)).to.deep.equal(['x.y=1', 'x.z=2']);
    expect(isDefaultSettings(clusterSettings({}))).to.equal(true);
    expect(isDefaultSettings(clusterSettings({ 'feature-gates': ['A=true'] }))).to.equal(false);
    expect(isDefaultSettings(clusterSettings({ 'kubelet-config': ['maxPods=3'] }))).to.equal(false);
  });

  it('lays the user\'s kubelet fields over initc\'s (objects merged, scalars replaced) and adds the gates', () => {
    const base = { maxPods: 110, authentication: { anonymous: { enabled: false }, webhook: { enabled: true } } };
    const merged = withKubeletSettings(base, { featureGates: { A: true }, kubelet: { maxPods: 5, authentication: { webhook: { cacheTTL: '1s' } } } });
    expect(merged).to.deep.equal({ maxPods: 5, featureGates: { A: true }, authentication: { anonymous: { enabled: false }, webhook: { enabled: true, cacheTTL: '1s' } } });
    expect(base.maxPods, 'the base is not changed').to.equal(110);
    expect(withKubeletSettings(base, { featureGates: {}, kubelet: {} })).to.deep.equal(base);
  });

  it('finds the API server\'s refusal of a gate in its output', () => {
    expect(gateRefusal('E1207 02:50:22.457065   18741 run.go:72] "command failed" err="unrecognized feature gate: Bogus"')).to.equal('unrecognized feature gate: Bogus');
    expect(gateRefusal('E1207 run.go:72] "command failed" err="cannot set feature gate SidecarContainers to false, feature is locked to true"')).to.equal('cannot set feature gate SidecarContainers to false, feature is locked to true');
    expect(gateRefusal('Error: invalid argument "X" for "--feature-gates" flag: unrecognized feature gate: X')).to.equal('invalid argument "X" for "--feature-gates" flag: unrecognized feature gate: X');
    expect(gateRefusal('E1207 run.go:72] "command failed" err="RestartAllContainersOnContainerExits is enabled, but depends on features that are disabled: [NodeDeclaredFeatures]"')).to.equal(
      'RestartAllContainersOnContainerExits is enabled, but depends on features that are disabled: [NodeDeclaredFeatures]',
    );
    expect(gateRefusal('Kubernetes v1.34.12\n')).to.equal(undefined);
    expect(gateRefusal('E1207 "command failed" err="etcd unreachable"')).to.equal(undefined);
  });

  it('reads the gates in force from a component\'s /metrics, GA for an empty stage', () => {
    const g = gatesFromMetrics(METRICS);
    expect([...g.keys()]).to.deep.equal(['ContainerRestartRules', 'EnvFiles', 'SidecarContainers', 'ChangeContainerStatusOnKubeletRestart']);
    expect(g.get('ContainerRestartRules')).to.deep.equal({ enabled: true, stage: 'BETA' });
    expect(g.get('EnvFiles')).to.deep.equal({ enabled: false, stage: 'BETA' });
    expect(g.get('SidecarContainers')).to.deep.equal({ enabled: true, stage: 'GA' });
    expect(gatesFromMetrics('kubernetes_feature_enabled{stage="BETA"} 1\nkubernetes_feature_enabled{name="A"} x').size).to.equal(0);
    expect(gatesFromMetrics('kubernetes_feature_enabled{name="A",stage="ALPHA"} 2').get('A')).to.deep.equal({ enabled: false, stage: 'ALPHA' });
  });

  it('names each asked gate a component does not run as asked', () => {
    const g = gatesFromMetrics(METRICS);
    expect(gatesNotInForce({ ContainerRestartRules: true, EnvFiles: true, Bogus: false }, g, 'kubelet n1')).to.deep.equal([
      'Bogus asked false, kubelet n1 does not report it',
      'EnvFiles asked true, kubelet n1 runs false',
    ]);
    expect(gatesNotInForce({ ContainerRestartRules: true, EnvFiles: false }, g, 'kube-apiserver')).to.deep.equal([]);
  });

  it('describes the init-container gates a component reports, in a fixed order', () => {
    expect(describeGates(gatesFromMetrics(METRICS))).to.equal('ContainerRestartRules=on (BETA), ChangeContainerStatusOnKubeletRestart=off (DEPRECATED), EnvFiles=off (BETA), SidecarContainers=on (GA)');
    expect(describeGates(gatesFromMetrics(METRICS), ['EnvFiles', 'Nope'])).to.equal('EnvFiles=off (BETA)');
  });

  it('reads Go durations, and compares asked kubelet fields with /configz by value', () => {
    expect(goDurationMs('1m0s')).to.equal(60_000);
    expect(goDurationMs('5s')).to.equal(5000);
    expect(goDurationMs('1h2m3.5s')).to.equal(3_723_500);
    expect(goDurationMs('500ms')).to.equal(500);
    expect(goDurationMs('5')).to.equal(undefined);
    expect(goDurationMs('5 s')).to.equal(undefined);
    const inForce = { crashLoopBackOff: { maxContainerRestartPeriod: '1m0s' }, maxPods: 110, serializeImagePulls: false };
    expect(kubeletSettingsNotInForce({ crashLoopBackOff: { maxContainerRestartPeriod: '60s' }, maxPods: 110, serializeImagePulls: false }, inForce)).to.deep.equal([]);
    expect(kubeletSettingsNotInForce({ crashLoopBackOff: { maxContainerRestartPeriod: '5s' }, maxPods: 20, nope: { x: 1 } }, inForce)).to.deep.equal([
      'crashLoopBackOff.maxContainerRestartPeriod asked 5s, the kubelet runs 1m0s',
      'maxPods asked 20, the kubelet runs 110',
      'nope.x asked 1, the kubelet does not report it',
    ]);
  });

  it('takes only whole NAME=VALUE items: blanks between commas are skipped, anything before or after is refused', () => {
    expect(parseFeatureGates(['A=true,,B=false', '', ' , '])).to.deep.equal({ A: true, B: false });
    usage(() => parseFeatureGates(['foo A=true']), '--feature-gates: "foo A=true" is not NAME=true or NAME=false (e.g. ContainerRestartRules=true)');
    usage(() => parseFeatureGates(['A=true x']), '--feature-gates: "A=true x" is not NAME=true or NAME=false (e.g. ContainerRestartRules=true)');
    expect(parseKubeletSettings([' maxPods=3 ', '', '  '])).to.deep.equal({ maxPods: 3 });
    usage(() => parseKubeletSettings(['x maxPods=3']), '--kubelet-config: "x maxPods=3" is not FIELD=VALUE (e.g. crashLoopBackOff.maxContainerRestartPeriod=5s)');
    usage(() => parseKubeletSettings(['maxPods=3\nx']), '--kubelet-config: "maxPods=3\nx" is not FIELD=VALUE (e.g. crashLoopBackOff.maxContainerRestartPeriod=5s)');
  });

  it('keeps a null value, and refuses fields under it', () => {
    expect(parseKubeletSettings(['x=null'])).to.deep.equal({ x: null });
    expect(describeSettings(clusterSettings({ 'kubelet-config': ['x=null'] }))).to.equal('kubelet x=null');
    usage(() => parseKubeletSettings(['a=null', 'a.b=1']), '--kubelet-config: a.b conflicts with a value given for a');
  });

  it('merges objects only where both sides are objects; a scalar or null on either side replaces', () => {
    const gates = { featureGates: {}, kubelet: {} };
    expect(withKubeletSettings({ a: { x: 1 } }, { ...gates, kubelet: { a: 5 } })).to.deep.equal({ a: 5 });
    expect(withKubeletSettings({ a: 5 }, { ...gates, kubelet: { a: { x: 1 } } })).to.deep.equal({ a: { x: 1 } });
    expect(withKubeletSettings({ a: null }, { ...gates, kubelet: { a: { x: 1 } } })).to.deep.equal({ a: { x: 1 } });
    expect(withKubeletSettings({ a: { x: 1 } }, { ...gates, kubelet: { a: null } })).to.deep.equal({ a: null });
    expect(withKubeletSettings({ a: { x: 1, y: 2 } }, { ...gates, kubelet: { a: { x: 3 } } })).to.deep.equal({ a: { x: 3, y: 2 } });
    expect(withKubeletSettings({ a: 'xy' }, { ...gates, kubelet: { a: { x: 1 } } })).to.deep.equal({ a: { x: 1 } });
  });

  it('reads a refusal only where the output says it, and gate lines only as whole metric lines', () => {
    expect(gateRefusal('W0101 something Error: unrecognized feature gate: X')).to.equal(undefined);
    const g = gatesFromMetrics('# kubernetes_feature_enabled{name="Commented",stage="ALPHA"} 1\nkubernetes_feature_enabled{name="Spaced",stage="BETA"}   1\nkubernetes_feature_enabled{name="Ten",stage="BETA"} 10');
    expect([...g.entries()]).to.deep.equal([
      ['Spaced', { enabled: true, stage: 'BETA' }],
      ['Ten', { enabled: false, stage: 'BETA' }],
    ]);
  });

  it('reads only whole Go durations, fractions included', () => {
    expect(goDurationMs('x5s')).to.equal(undefined);
    expect(goDurationMs('5sx')).to.equal(undefined);
    expect(goDurationMs('1.25s')).to.equal(1250);
    expect(kubeletSettingsNotInForce({ crashLoopBackOff: { maxContainerRestartPeriod: '5s' } }, { crashLoopBackOff: null })).to.deep.equal(['crashLoopBackOff.maxContainerRestartPeriod asked 5s, the kubelet does not report it']);
  });

  it('--only-known-gates: said in the settings; only an unknown gate is dropped, and only it', () => {
    const s = clusterSettings({ 'feature-gates': ['A=true,B=false'], 'only-known-gates': true });
    expect(s).to.deep.equal({ featureGates: { A: true, B: false }, kubelet: {}, onlyKnownGates: true });
    expect(describeSettings(s)).to.equal('gates A=true,B=false; where the release knows them');
    expect(describeSettings(clusterSettings({ 'only-known-gates': true }))).to.equal('defaults');
    expect(clusterSettings({ 'feature-gates': ['A=true'], 'only-known-gates': false })).to.deep.equal({ featureGates: { A: true }, kubelet: {} });
    expect(withoutGates(s, ['A'])).to.deep.equal({ featureGates: { B: false }, kubelet: {}, onlyKnownGates: true });
    expect(withoutGates(s, [])).to.deep.equal(s);
    expect(isUnknownGate('unrecognized feature gate: Bogus')).to.equal(true);
    expect(isUnknownGate('cannot set feature gate SidecarContainers to false, feature is locked to true')).to.equal(false);
    expect(isUnknownGate('RestartAllContainersOnContainerExits is enabled, but depends on features that are disabled: [NodeDeclaredFeatures]')).to.equal(false);
  });
});
