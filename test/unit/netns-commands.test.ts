import { expect } from 'chai';
import { curlArgv } from '../../lib/cluster/local/health.js';
import { spawnArgv } from '../../lib/cluster/local/processes.js';

describe('embedded cluster: commands run inside its network namespace', () => {
  it('a process without a namespace is spawned as it is, argv[0] and all', () => {
    expect(spawnArgv({ binary: '/b/kube', argv0: 'etcd', args: ['--x'] })).to.deep.equal({ file: '/b/kube', args: ['--x'], argv0: 'etcd' });
    expect(spawnArgv({ binary: '/b/containerd', args: [] })).to.deep.equal({ file: '/b/containerd', args: [], argv0: '/b/containerd' });
  });

  it('in a namespace nsenter runs it; a multi-call binary gets its name as first argument, a plain one does not', () => {
    expect(spawnArgv({ binary: '/b/kube', argv0: 'kubelet', args: ['--v=1'], netns: '/run/netns/initc' })).to.deep.equal({
      file: 'nsenter',
      args: ['--net=/run/netns/initc', '--', '/b/kube', 'kubelet', '--v=1'],
      argv0: 'nsenter',
    });
    expect(spawnArgv({ binary: '/b/coredns', argv0: '/b/coredns', args: ['-conf', 'C'], netns: '/run/netns/x' }).args).to.deep.equal(['--net=/run/netns/x', '--', '/b/coredns', '-conf', 'C']);
    expect(spawnArgv({ binary: '/b/containerd', args: [], netns: '/run/netns/x' }).args).to.deep.equal(['--net=/run/netns/x', '--', '/b/containerd']);
  });

  it('a health check inside the namespace: curl prints only the status, bounded in time, with the client certificate on https only', () => {
    const tls = { ca: 'ca.crt', cert: 'c.crt', key: 'c.key' };
    expect(curlArgv('/run/netns/initc', 'https://127.0.0.1:2379/health', tls, 2000)).to.deep.equal([
      'nsenter', '--net=/run/netns/initc', '--', 'curl', '--silent', '--output', '/dev/null', '--write-out', '%{http_code}', '--max-time', '2',
      '--cacert', 'ca.crt', '--cert', 'c.crt', '--key', 'c.key', 'https://127.0.0.1:2379/health',
    ]);
    expect(curlArgv('/run/netns/x', 'https://127.0.0.1:10257/healthz', { insecure: true }, 500)).to.include.members(['--insecure', '0.5']);
    expect(curlArgv('/run/netns/x', 'https://127.0.0.1:10257/healthz', {}, 2000)).not.to.include('--insecure');
    const plain = curlArgv('/run/netns/x', 'http://127.0.0.1:10248/healthz', { insecure: true, ca: 'ca.crt' }, 2000);
    expect(plain.slice(-1)).to.deep.equal(['http://127.0.0.1:10248/healthz']);
    expect(plain.filter((a) => a.startsWith('--') && ['--insecure', '--cacert'].includes(a))).to.deep.equal([]);
  });
});
