import { expect } from 'chai';
import { corednsDirectivesGo, kubeGoMod, kubeLdflags, kubeletGo, parseModRequires, parseUpstreamKubeMod, pinnedToKube } from '../../lib/cluster/local/gosrc.js';
import { parseKubeVersion } from '../../lib/cluster/local/versions.js';

const upstreamMod = `module k8s.io/kubernetes

go 1.25.0

godebug default=go1.24

require (
	github.com/blang/semver/v4 v4.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/apimachinery => ./staging/src/k8s.io/apimachinery
	k8s.io/cri-streaming => ./staging/src/k8s.io/cri-streaming
)
`;

describe('Go sources of the embedded cluster', () => {
  it('reads go directive, godebug and staging modules from upstream go.mod', () => {
    const info = parseUpstreamKubeMod(upstreamMod);
    expect(info.goDirective).to.equal('1.25.0');
    expect(info.godebug).to.deep.equal(['godebug default=go1.24']);
    expect(info.stagingModules).to.deep.equal(['k8s.io/api', 'k8s.io/apimachinery', 'k8s.io/cri-streaming']);
  });

  it('requires k8s.io/kubernetes and what is built beside it, every module held to upstream\'s version, staging modules to v0.Y.Z', () => {
    const mod = kubeGoMod(parseKubeVersion('1.34.12'), parseUpstreamKubeMod(upstreamMod), [{ path: 'sigs.k8s.io/lib/v13', version: 'v13.0.0' }]);
    expect(mod).to.include('require (\n\tk8s.io/kubernetes v1.34.12\n\tsigs.k8s.io/lib/v13 v13.0.0\n)\n');
    expect(mod).to.include('\tgithub.com/blang/semver/v4 => github.com/blang/semver/v4 v4.0.0');
    expect(mod).to.include('\tk8s.io/api => k8s.io/api v0.34.12');
    expect(mod).to.include('\tk8s.io/cri-streaming => k8s.io/cri-streaming v0.34.12');
    expect(mod).to.include('godebug default=go1.24');
    expect(mod).to.match(/^go 1\.25\.0$/m);
    expect(kubeGoMod(parseKubeVersion('1.34.12'), parseUpstreamKubeMod(upstreamMod))).to.include('require (\n\tk8s.io/kubernetes v1.34.12\n)\n');
    expect(mod, 'no tool block without tools').not.to.match(/^tool/m);
    const withTool = kubeGoMod(parseKubeVersion('1.34.12'), parseUpstreamKubeMod(upstreamMod), [{ path: 'sigs.k8s.io/cri-tools', version: 'v1.34.0' }], ['sigs.k8s.io/cri-tools/cmd/crictl']);
    expect(withTool).to.include('\tsigs.k8s.io/cri-tools v1.34.0\n)\n\ntool (\n\tsigs.k8s.io/cri-tools/cmd/crictl\n)\n\nreplace (\n');
  });

  it('reads every requirement, in blocks and on one line, without comments or replaces', () => {
    const mod = 'module m\n\nrequire (\n\ta.io/x v1.0.0\n\tb.io/y v0.2.0 // indirect\n)\n\nrequire c.io/z v3.1.0 // indirect\n\nreplace (\n\td.io/w => ./w\n)\n';
    expect(parseModRequires(mod)).to.deep.equal([
      { path: 'a.io/x', version: 'v1.0.0' },
      { path: 'b.io/y', version: 'v0.2.0' },
      { path: 'c.io/z', version: 'v3.1.0' },
    ]);
    expect(parseUpstreamKubeMod(upstreamMod).requires).to.deep.equal([{ path: 'github.com/blang/semver/v4', version: 'v4.0.0' }]);
  });

  it('holds a module beside kube to the release\'s requirements, staging modules at v0.Y.Z and not at upstream\'s v0.0.0', () => {
    const info = parseUpstreamKubeMod(upstreamMod.replace('require (\n', 'require (\n\tk8s.io/api v0.0.0\n'));
    expect(pinnedToKube(parseKubeVersion('1.36.5'), info)).to.deep.equal([
      '\tgithub.com/blang/semver/v4 => github.com/blang/semver/v4 v4.0.0',
      '\tk8s.io/api => k8s.io/api v0.36.5',
      '\tk8s.io/apimachinery => k8s.io/apimachinery v0.36.5',
      '\tk8s.io/cri-streaming => k8s.io/cri-streaming v0.36.5',
    ]);
  });

  it('refuses an upstream go.mod without staging replaces', () => {
    expect(() => parseUpstreamKubeMod('module x\n\ngo 1.22\n')).to.throw(/staging/);
  });

  it('calls the kubelet constructor with a context only from 1.34', () => {
    expect(kubeletGo(parseKubeVersion('1.33.13'))).to.include('kubelet.NewKubeletCommand()').and.not.include('"context"');
    expect(kubeletGo(parseKubeVersion('1.36.5'))).to.include('kubelet.NewKubeletCommand(context.Background())');
  });

  it('sets the real version through ldflags in both version packages', () => {
    const flags = kubeLdflags(parseKubeVersion('1.36.5'));
    for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
      expect(flags).to.include(`-X ${pkg}.gitVersion=v1.36.5`);
      expect(flags).to.include(`-X ${pkg}.gitMinor=36`);
    }
  });

  it('orders CoreDNS plugins as plugin.cfg does, whatever order they are asked in', () => {
    const cfg = '# comment\nroot:root\nready:ready\nhealth:health\nerrors:errors\ncache:cache\ntemplate:template\nkubernetes:kubernetes\nforward:forward\n';
    const go = corednsDirectivesGo(cfg, ['kubernetes', 'errors', 'template', 'ready']);
    const order = [...go.matchAll(/\t\t"(\w+)",/g)].map((m) => m[1]);
    expect(order).to.deep.equal(['ready', 'errors', 'template', 'kubernetes']);
    expect(() => corednsDirectivesGo(cfg, ['nosuch'])).to.throw(/nosuch/);
  });
});
