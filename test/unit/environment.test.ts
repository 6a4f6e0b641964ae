/**
 * The run's environment as read from a scripted API server (lib/cli/environment.ts's
 * describeEnvironment): the server's version and the chosen nodes' own, or why they could not be read.
 */
import { expect } from 'chai';
import { describeEnvironment } from '../../lib/cli/environment.js';
import { INITC_VERSION } from '../../lib/util/paths.js';
import { scriptedServer } from '../support/scripted-server.js';

const nodeInfo = (kubelet: string) => ({ kubeletVersion: kubelet, containerRuntimeVersion: 'containerd://2.2.9', osImage: 'Debian', kernelVersion: '6.1', architecture: 'amd64', bootID: '', kubeProxyVersion: '', machineID: '', operatingSystem: 'linux', systemUUID: '' });

describe('the run\'s environment, read from the cluster', () => {
  it('the server\'s gitVersion and the nodes the tests ran on (the pinned one)', async () => {
    const s = await scriptedServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/version') return res.end(JSON.stringify({ gitVersion: 'v1.34.12', major: '1', minor: '34' }));
      if (req.url === '/metrics') return res.end('kubernetes_feature_enabled{name="ContainerRestartRules",stage="BETA"} 1\n');
      if (req.url === '/api/v1/nodes/b/proxy/metrics') return res.end('kubernetes_feature_enabled{name="ContainerRestartRules",stage="BETA"} 0\n');
      if (req.url === '/api/v1/nodes/a/proxy/metrics') return res.end('kubernetes_feature_enabled{name="ContainerRestartRules",stage="BETA"} 1\n');
      if (req.url?.startsWith('/api/v1/nodes')) return res.end(JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'a' }, status: { nodeInfo: nodeInfo('v1.34.12') } }, { metadata: { name: 'b' }, status: { nodeInfo: nodeInfo('v1.33.1') } }] }));
      res.statusCode = 404;
      res.end('{}');
    });
    try {
      expect(await describeEnvironment(s.kc, 'local', 'b')).to.deep.equal({
        provider: 'local', initc: INITC_VERSION, server: 'v1.34.12', nodes: 'b', kubelet: 'v1.33.1', 'container runtime': 'containerd://2.2.9', 'node OS': 'Debian', kernel: '6.1',
        'feature gates (kube-apiserver)': 'ContainerRestartRules=on (BETA)', 'feature gates (kubelet b)': 'ContainerRestartRules=off (BETA)',
        'kubelet back-off': '10 s doubling to 300 s (release defaults)',
      });
      const kind = await describeEnvironment(s.kc, 'kind', undefined, { featureGates: { ContainerRestartRules: true }, kubelet: {} });
      expect(kind.kubelet).to.equal('a: v1.34.12, b: v1.33.1');
      // Unpinned, the first of the nodes is the kubelet whose gates are read; the settings asked for are said.
      expect([kind['asked for'], kind['feature gates']]).to.deep.equal(['gates ContainerRestartRules=true', 'ContainerRestartRules=on (BETA)']);
      expect((await describeEnvironment(s.kc, 'kind', undefined, { featureGates: {}, kubelet: {} }))['asked for']).to.equal(undefined);
    } finally {
      s.close();
    }
  });

  it('a cluster that cannot be read: provider and initc, and the error\'s first line', async () => {
    const s = await scriptedServer((_req, res) => {
      res.statusCode = 403;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ kind: 'Status', message: 'forbidden\nsecond line' }));
    });
    try {
      const env = await describeEnvironment(s.kc, 'kubeconfig');
      expect(Object.keys(env)).to.deep.equal(['provider', 'initc', 'error']);
      expect([env.provider, env.initc]).to.deep.equal(['kubeconfig', INITC_VERSION]);
      // The client's error is "HTTP-Code: 403" and then the body on further lines: only its first line is kept.
      expect(env.error).to.equal('cannot read versions: HTTP-Code: 403');
    } finally {
      s.close();
    }
  });

  it('the kubelet\'s back-off as configured on the first node (or why it is unreadable); no node, no back-off', async () => {
    let nodes = ['node-c'];
    let metrics: string | null = 'kubernetes_feature_enabled{name="KubeletCrashLoopBackOffMax",stage="BETA"} 1\nkubernetes_feature_enabled{name="ReduceDefaultCrashLoopBackOffDecay",stage="ALPHA"} 1\n';
    const s = await scriptedServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/version') return res.end(JSON.stringify({ gitVersion: 'v1.36.5', major: '1', minor: '36' }));
      if (req.url === '/api/v1/nodes/node-c/proxy/metrics' && metrics) return res.end(metrics);
      if (req.url === '/api/v1/nodes/node-c/proxy/configz') return res.end(JSON.stringify({ kubeletconfig: { crashLoopBackOff: { maxContainerRestartPeriod: '5s' } } }));
      if (req.url?.startsWith('/api/v1/nodes?') || req.url === '/api/v1/nodes') return res.end(JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: {}, items: nodes.map((name) => ({ metadata: { name }, status: { nodeInfo: nodeInfo('v1.36.5') } })) }));
      res.statusCode = 404;
      res.end('no such thing');
    });
    try {
      expect((await describeEnvironment(s.kc, 'local'))['kubelet back-off']).to.equal('1 s doubling to 5 s (ReduceDefaultCrashLoopBackOffDecay on; KubeletCrashLoopBackOffMax on, max 5 s configured)');
      metrics = null;
      expect((await describeEnvironment(s.kc, 'local'))['kubelet back-off']).to.equal('unreadable: the kubelet of node-c\'s gates: GET /api/v1/nodes/node-c/proxy/metrics: HTTP 404: no such thing');
      nodes = [];
      const none = await describeEnvironment(s.kc, 'local');
      expect(none).to.deep.equal({ provider: 'local', initc: INITC_VERSION, server: 'v1.36.5', 'feature gates': 'unreadable: GET /metrics: HTTP 404: no such thing' });
    } finally {
      s.close();
    }
  });
});
