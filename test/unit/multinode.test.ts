/**
 * The embedded cluster of several nodes (`--nodes N`), its pure parts: each node's layout (names,
 * folders, addresses, pod subnets), its routes and guard rules, its configuration and certificates,
 * the `--nodes` option's checks, and the Nodes capability. The cluster itself:
 * test/integration/multinode.test.ts.
 */
import { expect } from 'chai';
import { InitcError } from '../../lib/errors.js';
import { clusterLayout } from '../../lib/cluster/local/layout.js';
import { MAX_NODES, componentOf, linkCIDR, nodeCountProblem, nodeLayout, nodeLayouts, possibleExtraNodes, processName } from '../../lib/cluster/local/node-layout.js';
import { guardRules } from '../../lib/cluster/local/network.js';
import { nodeRoutes, nodeZeroRoutes } from '../../lib/cluster/local/node-network.js';
import { extraNodes } from '../../lib/cluster/local/extra-node.js';
import * as cfg from '../../lib/cluster/local/configs.js';
import * as cmd from '../../lib/cluster/local/commands.js';
import { certificatePlan, nodeCertificatePlan, SHARED_NODE_FILES } from '../../lib/cluster/local/pki.js';
import { parseKubeVersion } from '../../lib/cluster/local/versions.js';
import { LocalCluster } from '../../lib/cluster/local/local.js';
import type { ClusterState } from '../../lib/cluster/local/state.js';
import { hasNodes } from '../../lib/cluster/provider.js';
import type { RunningCluster } from '../../lib/cluster/provider.js';
import { makeProvider, nodeCount } from '../../lib/cli/providers.js';

const mn = clusterLayout({ name: 'mn', slot: 4 });

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

/** 10.253.4.5 → 0x0afd0405, for range arithmetic. */
const ipNumber = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const inside = (ip: string, cidr: string) => {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipNumber(ip) / size) === Math.floor(ipNumber(base!) / size);
};

describe('embedded cluster of several nodes: layouts', () => {
  it('node 0 is the cluster\'s own layout, unchanged: its name, address, /24 of pods, and the API server on its address', () => {
    expect(nodeLayout(mn, 0)).to.equal(mn);
    const d = clusterLayout();
    expect([d.nodeIndex, d.nodeName, d.network.nodeIP, d.network.controlPlaneIP, d.network.nodePodCIDR]).to.deep.equal([0, 'initc-node', '10.253.0.1', '10.253.0.1', '10.244.0.0/24']);
    expect([mn.nodeName, mn.network.nodeIP, mn.network.controlPlaneIP, mn.network.nodePodCIDR]).to.deep.equal(['initc-mn-node', '10.253.4.1', '10.253.4.1', '10.248.0.0/24']);
  });

  it('node 2 has names of its own that no cluster name can take, its folders under the cluster\'s, and shares the state file, logs, lock and admin kubeconfig', () => {
    const n = nodeLayout(mn, 1);
    expect([n.nodeIndex, n.nodeName, n.cgroupRoot, n.network.netns, n.network.interface, n.network.nodeInterface]).to.deep.equal([1, 'initc-mn-node2', '/initc-mn_node2', 'initc-mn_node2', 'node2', 'eth0']);
    expect([n.dataDir, n.runDir, n.pkiDir, n.configDir, n.holdsDir]).to.deep.equal(['/var/lib/initc/mn/nodes/node2', '/run/initc/mn/nodes/node2', '/var/lib/initc/mn/nodes/node2/pki', '/var/lib/initc/mn/nodes/node2/config', '/run/initc/mn/nodes/node2/holds']);
    expect([n.kubeletRootDir, n.containerdRoot, n.containerdState, n.containerdSocket]).to.deep.equal(['/var/lib/initc/mn/nodes/node2/kubelet', '/var/lib/initc/mn/nodes/node2/containerd', '/run/initc/mn/nodes/node2/containerd', '/run/initc/mn/nodes/node2/containerd.sock']);
    expect([n.cniConfDir, n.cniIpamDir, n.volumesDir]).to.deep.equal(['/var/lib/initc/mn/nodes/node2/cni/net.d', '/var/lib/initc/mn/nodes/node2/cni/ipam', '/var/lib/initc/mn/nodes/node2/volumes']);
    expect([n.stateFile, n.logDir, n.lockFile, n.kubeconfig, n.context, n.name, n.slot]).to.deep.equal([mn.stateFile, mn.logDir, mn.lockFile, mn.kubeconfig, mn.context, mn.name, mn.slot]);
    expect(n.ports).to.deep.equal(mn.ports);
  });

  it('each further node has an address of its own in the cluster\'s 10.253.<slot>.0/24, beside its link\'s node-0 end, apart from the host\'s link', () => {
    const nodes = nodeLayouts(mn, MAX_NODES);
    expect(nodes.map((n) => [n.network.nodeIP, n.network.hostIP, n.network.controlPlaneIP])).to.deep.equal([
      ['10.253.4.1', '10.253.4.2', '10.253.4.1'],
      ['10.253.4.5', '10.253.4.6', '10.253.4.1'],
      ['10.253.4.9', '10.253.4.10', '10.253.4.1'],
      ['10.253.4.13', '10.253.4.14', '10.253.4.1'],
    ]);
    expect(nodes.slice(1).map(linkCIDR)).to.deep.equal(['10.253.4.4/30', '10.253.4.8/30', '10.253.4.12/30']);
    const addresses = nodes.flatMap((n) => [n.network.nodeIP, n.network.hostIP]);
    expect(new Set(addresses).size).to.equal(addresses.length);
    for (const n of nodes.slice(1)) {
      expect(inside(n.network.nodeIP, linkCIDR(n)) && inside(n.network.hostIP, linkCIDR(n)), n.nodeName).to.equal(true);
      expect(inside(n.network.nodeIP, '10.253.4.0/30'), n.nodeName).to.equal(false);
    }
  });

  it('the nodes\' pod subnets are distinct /24s inside the cluster\'s pod range, for every slot', () => {
    for (const slot of [0, 4, 8]) {
      const l = clusterLayout({ name: `s${slot}`, slot });
      const subnets = nodeLayouts(l, MAX_NODES).map((n) => n.network.nodePodCIDR);
      expect(subnets).to.deep.equal([0, 1, 2, 3].map((k) => `10.${244 + slot}.${k}.0/24`));
      for (const s of subnets) expect(inside(s.split('/')[0]!, l.network.podCIDR), s).to.equal(true);
      for (const n of nodeLayouts(l, MAX_NODES)) expect(n.network.podCIDR).to.equal(l.network.podCIDR);
    }
  });

  it('nodeLayouts gives count layouts, extraNodes all but node 0, possibleExtraNodes every further node a cluster could have; an index out of 0..3 throws', () => {
    expect(nodeLayouts(mn, 1).map((n) => n.nodeName)).to.deep.equal(['initc-mn-node']);
    expect(extraNodes(mn, 2).map((n) => n.nodeName)).to.deep.equal(['initc-mn-node2']);
    expect(extraNodes(mn, 1)).to.deep.equal([]);
    expect(possibleExtraNodes(mn).map((n) => n.nodeName)).to.deep.equal(['initc-mn-node2', 'initc-mn-node3', 'initc-mn-node4']);
    for (const k of [-1, 4, 1.5]) expect(() => nodeLayout(mn, k), String(k)).to.throw(`node index ${k} out of range 0..3`);
  });

  it('a node\'s processes are named for it in the state file, and map back to their component', () => {
    expect(processName(mn, 'kubelet')).to.equal('kubelet');
    expect(processName(nodeLayout(mn, 1), 'kube-proxy')).to.equal('kube-proxy-node2');
    expect(processName(nodeLayout(mn, 3), 'containerd')).to.equal('containerd-node4');
    expect(['kubelet', 'kube-proxy-node2', 'storage-provisioner-node4', 'kube-node'].map(componentOf)).to.deep.equal(['kubelet', 'kube-proxy', 'storage-provisioner', 'kube-node']);
  });
});

describe('embedded cluster of several nodes: routes and guard rules', () => {
  const n2 = nodeLayout(mn, 1);
  const tag = ['-m', 'comment', '--comment', 'initc cluster mn'];

  it('node 0\'s guard lets pods talk only to pods (the whole range, so across nodes), as before', () => {
    expect(guardRules(mn)).to.deep.equal([
      ['-s', '10.248.0.0/16', '-d', '10.248.0.0/16', ...tag, '-j', 'ACCEPT'],
      ['-s', '10.248.0.0/16', ...tag, '-j', 'DROP'],
      ['-d', '10.248.0.0/16', ...tag, '-j', 'DROP'],
      [...tag, '-j', 'DROP'],
    ]);
  });

  it('a further node\'s guard also passes its pods to and from node 0 (API server, CoreDNS; node 0\'s end of the link), and drops the rest', () => {
    expect(guardRules(n2)).to.deep.equal([
      ['-s', '10.248.0.0/16', '-d', '10.248.0.0/16', ...tag, '-j', 'ACCEPT'],
      ['-s', '10.248.0.0/16', '-d', '10.253.4.1/32', ...tag, '-j', 'ACCEPT'],
      ['-s', '10.253.4.1/32', '-d', '10.248.0.0/16', ...tag, '-j', 'ACCEPT'],
      ['-s', '10.248.0.0/16', '-d', '10.253.4.6/32', ...tag, '-j', 'ACCEPT'],
      ['-s', '10.253.4.6/32', '-d', '10.248.0.0/16', ...tag, '-j', 'ACCEPT'],
      ['-s', '10.248.0.0/16', ...tag, '-j', 'DROP'],
      ['-d', '10.248.0.0/16', ...tag, '-j', 'DROP'],
      [...tag, '-j', 'DROP'],
    ]);
  });

  it('a further node routes node 0\'s address, the pod and the service range through node 0, blackholes the rest of its own /24, and has no default route', () => {
    expect(nodeRoutes(n2)).to.deep.equal([
      ['replace', '10.253.4.1/32', 'via', '10.253.4.6', 'dev', 'eth0'],
      ['replace', '10.248.0.0/16', 'via', '10.253.4.6', 'dev', 'eth0'],
      ['replace', '10.100.0.0/16', 'via', '10.253.4.6', 'dev', 'eth0'],
      ['replace', 'blackhole', '10.248.1.0/24'],
    ]);
    expect(nodeRoutes(nodeLayout(mn, 3)).map((r) => r[1])).to.deep.equal(['10.253.4.1/32', '10.248.0.0/16', '10.100.0.0/16', 'blackhole']);
  });

  it('node 0 routes each further node\'s pods through their link', () => {
    expect(nodeZeroRoutes(n2)).to.deep.equal([['replace', '10.248.1.0/24', 'via', '10.253.4.5', 'dev', 'node2']]);
    expect(nodeZeroRoutes(nodeLayout(mn, 2))).to.deep.equal([['replace', '10.248.2.0/24', 'via', '10.253.4.9', 'dev', 'node3']]);
  });
});

describe('embedded cluster of several nodes: what each node runs with', () => {
  const n2 = nodeLayout(mn, 1);
  const v = parseKubeVersion('1.34.12');

  it('CNI gives each node\'s pods addresses from its own /24', () => {
    const subnet = (l: typeof mn) => (JSON.parse(cfg.cniConfig(l)) as { plugins: Array<{ ipam: { ranges: Array<Array<{ subnet: string }>>; dataDir: string } }> }).plugins[0]!.ipam;
    expect(subnet(clusterLayout()).ranges).to.deep.equal([[{ subnet: '10.244.0.0/24' }]]);
    expect(subnet(n2).ranges).to.deep.equal([[{ subnet: '10.248.1.0/24' }]]);
    expect(subnet(n2).dataDir).to.equal('/var/lib/initc/mn/nodes/node2/cni/ipam');
  });

  it('node 2\'s kubelet serves on its address with its own runtime, cgroup root, certificates and name, and talks to the API server on node 0', () => {
    const kubelet = cfg.kubeletConfigYaml(n2, v, '/r');
    expect(kubelet).to.include('address: 10.253.4.5\n');
    expect(kubelet).to.include('containerRuntimeEndpoint: unix:///run/initc/mn/nodes/node2/containerd.sock\n');
    expect(kubelet).to.include('cgroupRoot: /initc-mn_node2\n');
    expect(kubelet).to.include('tlsCertFile: /var/lib/initc/mn/nodes/node2/pki/kubelet-server.crt\n');
    expect(cmd.kubeletCommand(n2).args).to.include.members(['--hostname-override=initc-mn-node2', '--node-ip=10.253.4.5', '--root-dir=/var/lib/initc/mn/nodes/node2/kubelet']);
    expect(cfg.componentKubeconfig(n2, 'kubelet-client')).to.include('server: https://10.253.4.1:6443\n');
    expect(cfg.componentKubeconfig(n2, 'kubelet-client')).to.include('client-certificate: /var/lib/initc/mn/nodes/node2/pki/kubelet-client.crt\n');
    const proxy = cfg.kubeProxyConfigYaml(n2);
    expect(proxy).to.include('hostnameOverride: initc-mn-node2\n');
    expect(proxy).to.include('clusterCIDR: 10.248.0.0/16\n');
    expect(proxy).to.include('- 10.253.4.5/32\n');
    const containerd = cfg.containerdConfigToml(n2, '/w');
    expect(containerd).to.include("address = '/run/initc/mn/nodes/node2/containerd.sock'\n");
    expect(containerd).to.include("conf_dir = '/var/lib/initc/mn/nodes/node2/cni/net.d'\n");
  });

  it('node 2 gets its own kubelet certificates (its node identity, its address) and shares only the CA, kube-proxy\'s and the provisioner\'s', () => {
    expect(nodeCertificatePlan({ nodeName: 'initc-mn-node2', nodeIP: '10.253.4.5' })).to.deep.equal([
      { name: 'kubelet-client', commonName: 'system:node:initc-mn-node2', organization: 'system:nodes', usage: 'client', dnsNames: [], ipAddresses: [] },
      { name: 'kubelet-server', commonName: 'initc-mn-node2', usage: 'server', dnsNames: ['initc-mn-node2', 'localhost'], ipAddresses: ['10.253.4.5', '127.0.0.1'] },
    ]);
    expect(certificatePlan({ nodeName: 'initc-mn-node', nodeIP: '10.253.4.1', apiServiceIP: '10.100.0.1', clusterDomain: 'cluster.local' }).slice(-2)).to.deep.equal(nodeCertificatePlan({ nodeName: 'initc-mn-node', nodeIP: '10.253.4.1' }));
    expect(SHARED_NODE_FILES).to.deep.equal(['ca.crt', 'kube-proxy.crt', 'kube-proxy.key', 'storage-provisioner.crt', 'storage-provisioner.key']);
  });
});

describe('embedded cluster of several nodes: --nodes and the Nodes capability', () => {
  it('--nodes takes a whole number from 1 to 4; anything else is a one-line usage error', () => {
    for (const ok of [1, 2, 4]) {
      expect(nodeCountProblem(ok)).to.equal(undefined);
      expect(nodeCount({ nodes: ok })).to.equal(ok);
    }
    expect(nodeCount({})).to.equal(undefined);
    for (const bad of [0, 5, 1.5, Number.NaN]) usage(() => nodeCount({ nodes: bad }), `--nodes must be a whole number from 1 to 4, not ${bad}`);
    expect(nodeCountProblem('2')).to.equal('--nodes must be a whole number from 1 to 4, not 2');
  });

  it('--nodes does not go with an existing cluster (--kubeconfig), and a bad count is refused before any provider is made', () => {
    usage(() => makeProvider({ kubeconfig: '/k', nodes: 2 }), '--nodes sets up a cluster initc starts; an existing cluster (--kubeconfig, --context) has the nodes it has');
    usage(() => makeProvider({ 'local-cluster': 'mn', nodes: 9 }), '--nodes must be a whole number from 1 to 4, not 9');
  });

  const state = (nodes?: number) => ({ gitVersion: 'v1.34.12', startedAt: '', processes: [], ready: true, ...(nodes ? { nodes } : {}) }) as ClusterState;

  it('the embedded cluster names its nodes, node 0 first, and gives each one\'s own access; its own NodeAccess is node 0', () => {
    const c = new LocalCluster(mn, state(3));
    expect(hasNodes(c)).to.equal(true);
    expect(c.nodeNames()).to.deep.equal(['initc-mn-node', 'initc-mn-node2', 'initc-mn-node3']);
    expect(c.nodeAccess('initc-mn-node3').nodeName).to.equal('initc-mn-node3');
    expect(c.nodeAccess('initc-mn-node').nodeName).to.equal(c.nodeName);
    expect(c.nodeName).to.equal('initc-mn-node');
    usage(() => c.nodeAccess('initc-mn-node4'), 'the embedded cluster "mn" has no node initc-mn-node4 (its nodes: initc-mn-node, initc-mn-node2, initc-mn-node3)');
    expect(new LocalCluster(mn, state()).nodeNames(), 'a state from before --nodes: one node').to.deep.equal(['initc-mn-node']);
  });

  it('hasNodes wants both nodeNames and nodeAccess', () => {
    const base = { provider: 'kubeconfig' } as unknown as RunningCluster;
    expect(hasNodes(base)).to.equal(false);
    expect(hasNodes({ ...base, nodeNames: () => [] } as RunningCluster)).to.equal(false);
    expect(hasNodes({ ...base, nodeAccess: () => undefined } as unknown as RunningCluster)).to.equal(false);
    expect(hasNodes({ ...base, nodeNames: () => [], nodeAccess: () => undefined } as unknown as RunningCluster)).to.equal(true);
  });
});
