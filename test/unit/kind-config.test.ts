import yaml from 'js-yaml';
/**
 * The kind provider's pure parts: the kind config it generates, its stand-in CNI manifest, the
 * containerd base spec, the image names it preloads, dockerd's command line, the runc wrapper and
 * the iptables leftovers of a stopped dockerd. Nothing here touches Docker or the host.
 */
import { expect } from 'chai';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import {
  KIND_POD_SUBNET,
  KUBEADM_COREDNS_PLUGINS,
  corednsMainGo,
  criBaseSpec,
  inputsKey,
  isValidClusterName,
  kindClusterConfig,
  kindNodeNames,
  nodeImageTag,
  parseKubeadmImages,
  randomClusterName,
  sortKindNodes,
} from '../../lib/cluster/kind/config.js';
import { RUNTIME_NAME, dockerIptablesLeftovers, dockerdArgs, runcWrapperScript } from '../../lib/cluster/kind/docker.js';
import { clusterNotReady, expectedPodRoutes, routeInPlace } from '../../lib/cluster/kind/ready.js';
import { parseKubeVersion } from '../../lib/cluster/local/versions.js';

describe('kind provider (pure parts)', () => {
  describe('kind cluster config', () => {
    const v134 = kindClusterConfig({ version: parseKubeVersion('1.34.12'), image: 'initc/kind-node:v1.34.12-abc' });
    const v136 = kindClusterConfig({ version: parseKubeVersion('1.36.5'), image: 'initc/kind-node:v1.36.5-abc' });

    it('makes one control-plane node of our image, the API server on loopback', () => {
      expect(v134).to.match(/^kind: Cluster$/m);
      expect(v134).to.match(/^apiVersion: kind\.x-k8s\.io\/v1alpha4$/m);
      expect(v134.match(/- role: /g)).to.have.length(1);
      expect(v134).to.include('- role: control-plane\n  image: initc/kind-node:v1.34.12-abc\n');
      expect(v134).to.include('apiServerAddress: "127.0.0.1"');
      expect(v134).to.include(`podSubnet: "${KIND_POD_SUBNET}"`);
    });

    it('makes workers of the same image after the control plane for --nodes, one node by default', () => {
      const two = kindClusterConfig({ version: parseKubeVersion('1.34.12'), image: 'img', nodes: 2 });
      expect(two).to.include('nodes:\n- role: control-plane\n  image: img\n- role: worker\n  image: img\ncontainerdConfigPatches:');
      const four = yaml.load(kindClusterConfig({ version: parseKubeVersion('1.34.12'), image: 'img', nodes: 4 })) as { nodes: Array<{ role: string; image: string }> };
      expect(four.nodes).to.deep.equal([{ role: 'control-plane', image: 'img' }, ...Array(3).fill({ role: 'worker', image: 'img' })]);
      expect(kindClusterConfig({ version: parseKubeVersion('1.34.12'), image: 'initc/kind-node:v1.34.12-abc', nodes: 1 })).to.equal(v134);
    });

    it('names the nodes as kind does, and sorts `kind get nodes` into that order', () => {
      expect(kindNodeNames('kn', 1)).to.deep.equal(['kn-control-plane']);
      expect(kindNodeNames('kn', 4)).to.deep.equal(['kn-control-plane', 'kn-worker', 'kn-worker2', 'kn-worker3']);
      expect(sortKindNodes(['kn-worker10', 'kn-worker2', 'kn-control-plane', 'kn-worker'])).to.deep.equal(['kn-control-plane', 'kn-worker', 'kn-worker2', 'kn-worker10']);
      expect(sortKindNodes(['kn-worker', 'kn-control-plane'])).to.deep.equal(['kn-control-plane', 'kn-worker']);
    });

    it('lets containerd skip oom_score_adj it cannot lower, on every version', () => {
      for (const c of [v134, v136]) expect(c).to.include('containerdConfigPatches:\n- |-\n  [plugins."io.containerd.grpc.v1.cri"]\n    restrict_oom_score_adj = true\n');
    });

    it('has containerd run runc through initc\'s wrapper (holds at start), on every version', () => {
      for (const c of [v134, v136]) expect(c).to.include('    restrict_oom_score_adj = true\n  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]\n    BinaryName = "/usr/local/bin/initc-runc"\n');
    });

    it('keeps the kubelet on cgroup v1 through a kubeadm patch (required from 1.35)', () => {
      expect(v136).to.include('kubeadmConfigPatches:\n- |\n  kind: KubeletConfiguration\n  failCgroupV1: false\n');
    });

    it('gives every component the gates asked for (kind\'s featureGates) and the kubelet its fields (the kubeadm patch)', () => {
      const settings = { featureGates: { RestartAllContainersOnContainerExits: true, ContainerRestartRules: true }, kubelet: { crashLoopBackOff: { maxContainerRestartPeriod: '5s' } } };
      const c = kindClusterConfig({ version: parseKubeVersion('1.36.5'), image: 'i', settings });
      expect(c).to.include('\nfeatureGates:\n  ContainerRestartRules: true\n  RestartAllContainersOnContainerExits: true\n');
      expect(c).to.include('kubeadmConfigPatches:\n- |\n  kind: KubeletConfiguration\n  failCgroupV1: false\n  crashLoopBackOff:\n    maxContainerRestartPeriod: 5s\n');
      expect(yaml.load(c)).to.have.property('featureGates');
      expect(kindClusterConfig({ version: parseKubeVersion('1.36.5'), image: 'i', settings: { featureGates: {}, kubelet: {} } })).to.equal(v136.replace('initc/kind-node:v1.36.5-abc', 'i'));
      expect(v134).to.not.include('featureGates');
    });
  });

  it('sorts kubeadm\'s image list by component', () => {
    const images = parseKubeadmImages(
      ['kube-apiserver:v1.34.12', 'kube-controller-manager:v1.34.12', 'kube-scheduler:v1.34.12', 'kube-proxy:v1.34.12', 'coredns/coredns:v1.12.1', 'pause:3.10.1', 'etcd:3.6.5-0']
        .map((n) => `registry.k8s.io/${n}`)
        .join('\n') + '\n',
    );
    expect(images.apiserver).to.equal('registry.k8s.io/kube-apiserver:v1.34.12');
    expect(images.controllerManager).to.equal('registry.k8s.io/kube-controller-manager:v1.34.12');
    expect(images.coredns).to.equal('registry.k8s.io/coredns/coredns:v1.12.1');
    expect(images.etcd).to.equal('registry.k8s.io/etcd:3.6.5-0');
    expect(images.pause).to.equal('registry.k8s.io/pause:3.10.1');
    expect(() => parseKubeadmImages('registry.k8s.io/pause:3.10.1')).to.throw(/no kube-apiserver/);
  });

  it('adds kind\'s product-files hook to containerd\'s base spec and drops its rlimits', () => {
    const spec = JSON.parse(criBaseSpec(JSON.stringify({ ociVersion: '1.2.0', process: { rlimits: [{ type: 'RLIMIT_NOFILE' }], cwd: '/' } })));
    expect(spec.hooks.createContainer).to.deep.equal([{ path: '/kind/bin/mount-product-files.sh' }]);
    expect(spec.process).to.deep.equal({ cwd: '/' });
  });

  it('builds CoreDNS with every plugin kubeadm\'s Corefile names (prometheus is package metrics)', () => {
    const main = corednsMainGo(KUBEADM_COREDNS_PLUGINS);
    for (const p of ['errors', 'health', 'ready', 'kubernetes', 'forward', 'cache', 'loop', 'reload', 'loadbalance']) expect(main).to.include(`/plugin/${p}"`);
    expect(main).to.include('/plugin/metrics"');
    expect(main).not.to.include('/plugin/prometheus"');
  });

  it('keys node images on their inputs', () => {
    const v = parseKubeVersion('1.34.12');
    expect(inputsKey({ a: 1 })).to.equal(inputsKey({ a: 1 }));
    expect(inputsKey({ a: 1 })).not.to.equal(inputsKey({ a: 2 }));
    expect(nodeImageTag(v, inputsKey({ a: 1 }))).to.match(/^initc\/kind-node:v1\.34\.12-[0-9a-f]{12}$/);
  });

  it('names clusters as kind accepts them', () => {
    expect(randomClusterName()).to.match(/^initc-[0-9a-f]{8}$/);
    expect(isValidClusterName(randomClusterName())).to.equal(true);
    for (const bad of ['', 'Upper', '-x', 'x-', 'a_b', 'x'.repeat(33)]) expect(isValidClusterName(bad), bad).to.equal(false);
  });

  describe('dockerd started by initc', () => {
    it('listens on the unix socket only, publishes on loopback, and runs containers through the wrapper', () => {
      const args = dockerdArgs('/cache/kind/runc-initc');
      expect(args.filter((_a, i) => args[i - 1] === '-H')).to.deep.equal(['unix:///var/run/docker.sock']);
      expect(args.join(' ')).not.to.match(/tcp:/);
      expect(args.join(' ')).to.include('--ip 127.0.0.1');
      expect(args.join(' ')).to.include(`--add-runtime ${RUNTIME_NAME}=/cache/kind/runc-initc`);
      expect(args.join(' ')).to.include(`--default-runtime ${RUNTIME_NAME}`);
    });

    it('the runc wrapper strips CAP_SYS_RESOURCE from the bundle on create and from the process file on exec', () => {
      const s = runcWrapperScript('/usr/sbin/runc', '/usr/bin/jq');
      expect(s.startsWith('#!/bin/sh\n')).to.equal(true);
      expect(s).to.include('CAP_SYS_RESOURCE');
      expect(s).to.match(/create\|run\) strip "\$\{bundle:-\.\}\/config\.json"/);
      expect(s).to.match(/exec\) \[ -n "\$proc" \] && strip "\$proc"/);
      expect(s.trimEnd().split('\n').pop()).to.equal('exec /usr/sbin/runc "$@"');
    });

    it('finds the DOCKER* chains, the jumps to them and docker0\'s rules, and nothing else', () => {
      const filter = [
        '-P FORWARD ACCEPT',
        '-N DOCKER',
        '-N DOCKER-USER',
        '-N INITC-GUARD',
        '-A FORWARD -j INITC-GUARD',
        '-A FORWARD -j DOCKER-USER',
        '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
        '-A DOCKER-USER -j RETURN',
        '-A KUBE-FORWARD -j ACCEPT',
      ].join('\n');
      const { rules, chains } = dockerIptablesLeftovers(filter, true);
      expect(chains).to.deep.equal(['DOCKER', 'DOCKER-USER']);
      expect(rules).to.deep.equal([
        ['-D', 'FORWARD', '-j', 'DOCKER-USER'],
        ['-D', 'FORWARD', '-o', 'docker0', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      ]);
      expect(dockerIptablesLeftovers(filter, false).rules).to.deep.equal([['-D', 'FORWARD', '-j', 'DOCKER-USER']]);
    });
  });

  describe('readiness (ready.ts)', () => {
    const node = (name: string, ready = 'True') => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: ready }] } }) as V1Node;
    const pod = (name: string, phase = 'Running', nodeName = 'n') => ({ metadata: { name }, spec: { nodeName }, status: { phase } }) as V1Pod;
    const all = ['etcd-n', 'kube-apiserver-n', 'kube-controller-manager-n', 'kube-scheduler-n', 'kube-proxy-x', 'coredns-a-b', 'initc-cni-y'].map((n) => pod(n));

    it('calls a cluster ready when every node is Ready and every system pod Running', () => {
      expect(clusterNotReady([node('n')], ['n'], all)).to.deep.equal([]);
      expect(clusterNotReady([], ['n'], all)).to.deep.equal(['node n Ready']);
      expect(clusterNotReady([node('n', 'False')], ['n'], all)).to.deep.equal(['node n Ready']);
      expect(clusterNotReady([node('n')], ['n'], [...all.slice(0, 5), pod('coredns-a-b', 'Pending'), all[6]!])).to.deep.equal(['coredns Running']);
      expect(clusterNotReady([node('n')], ['n'], all.slice(1))).to.deep.equal(['etcd Running']);
      const leaving = { ...pod('etcd-n', 'Failed'), metadata: { name: 'etcd-old', deletionTimestamp: new Date() } } as V1Pod;
      expect(clusterNotReady([node('n')], ['n'], [...all, leaving])).to.deep.equal([]);
    });

    it('with several nodes: each node Ready, and the per-node pods (kube-proxy, initc-cni) running on each', () => {
      const nodes = [node('cp'), node('w')];
      const both = [...all, pod('kube-proxy-w', 'Running', 'w'), pod('initc-cni-w', 'Running', 'w')].map((p) => (p.spec!.nodeName === 'n' ? pod(p.metadata!.name!, 'Running', 'cp') : p));
      expect(clusterNotReady(nodes, ['cp', 'w'], both)).to.deep.equal([]);
      expect(clusterNotReady([node('cp'), node('w', 'Unknown')], ['cp', 'w'], both)).to.deep.equal(['node w Ready']);
      expect(clusterNotReady(nodes.slice(0, 1), ['cp', 'w'], both)).to.deep.equal(['node w Ready']);
      const noWorkerPods = both.filter((p) => p.spec!.nodeName !== 'w');
      expect(clusterNotReady(nodes, ['cp', 'w'], noWorkerPods)).to.deep.equal(['kube-proxy Running on w', 'initc-cni Running on w']);
      // coredns and the control plane need not run on every node
      expect(clusterNotReady(nodes, ['cp', 'w'], both.filter((p) => !p.metadata!.name!.startsWith('kube-proxy-') || p.spec!.nodeName === 'w'))).to.deep.equal(['kube-proxy Running on cp']);
    });

    const withNet = (name: string, podCIDR?: string, ...addresses: Array<[string, string]>) =>
      ({ metadata: { name }, spec: podCIDR ? { podCIDR } : {}, status: { addresses: addresses.map(([type, address]) => ({ type, address })) } }) as V1Node;

    it('expects a route on each node to every other node\'s pod range via its IPv4 InternalIP', () => {
      const nodes = [
        withNet('cp', '10.244.0.0/24', ['Hostname', 'cp'], ['InternalIP', '172.19.0.2']),
        withNet('w', '10.244.1.0/24', ['InternalIP', 'fc00::3'], ['InternalIP', '172.19.0.3']),
        withNet('w2', '10.244.2.0/24', ['InternalIP', '172.19.0.4']),
      ];
      expect(expectedPodRoutes(nodes)).to.deep.equal({
        routes: [
          { node: 'cp', cidr: '10.244.1.0/24', via: '172.19.0.3' },
          { node: 'cp', cidr: '10.244.2.0/24', via: '172.19.0.4' },
          { node: 'w', cidr: '10.244.0.0/24', via: '172.19.0.2' },
          { node: 'w', cidr: '10.244.2.0/24', via: '172.19.0.4' },
          { node: 'w2', cidr: '10.244.0.0/24', via: '172.19.0.2' },
          { node: 'w2', cidr: '10.244.1.0/24', via: '172.19.0.3' },
        ],
        unknown: [],
      });
      expect(expectedPodRoutes(nodes.slice(0, 1))).to.deep.equal({ routes: [], unknown: [] });
    });

    it('names the nodes whose range or address is not known yet, and routes only between the others', () => {
      const nodes = [withNet('cp', '10.244.0.0/24', ['InternalIP', '172.19.0.2']), withNet('w', undefined, ['InternalIP', '172.19.0.3']), withNet('w2', '10.244.2.0/24', ['ExternalIP', '1.2.3.4'])];
      expect(expectedPodRoutes(nodes)).to.deep.equal({ routes: [], unknown: ['w', 'w2'] });
    });

    it('finds a route in `ip route show exact` output only with the same range and gateway', () => {
      const r = { node: 'cp', cidr: '10.244.1.0/24', via: '172.19.0.3' };
      expect(routeInPlace('10.244.1.0/24 via 172.19.0.3 dev eth0 \n', r)).to.equal(true);
      expect(routeInPlace('10.244.1.0/24 via 172.19.0.30 dev eth0 \n', r)).to.equal(false);
      expect(routeInPlace('10.244.11.0/24 via 172.19.0.3 dev eth0 \n', { ...r, cidr: '10.244.1.0/24' })).to.equal(false);
      expect(routeInPlace('', r)).to.equal(false);
    });
  });
});
