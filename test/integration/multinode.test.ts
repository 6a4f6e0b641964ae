/**
 * An embedded cluster of two nodes end to end, on a cluster of its own (named `mnt`): both nodes
 * Ready, a pod on each; the pod on node 0 reaches the pod on node 2 by its address and through a
 * ClusterIP Service, and the API server reaches node 2's kubelet (logs, exec); node 2 has no route
 * out of the cluster; a claim binds on its pod's node, its PV pinned there; the cluster's Nodes
 * capability reaches each node's own runtime; `initc run` on it pins the fixture pods to node 0 and
 * drain spreads its own; another node count is refused while it runs; and
 * `cluster down` leaves nothing of either node.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { CoreV1Api } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { LocalCluster, LocalClusterProvider, isNodeReady } from '../../lib/cluster/local/local.js';
import type { ClusterLayout } from '../../lib/cluster/local/layout.js';
import { networkLeftovers } from '../../lib/cluster/local/network.js';
import { linkCIDR, nodeLayout } from '../../lib/cluster/local/node-layout.js';
import { nodeNetworkLeftovers } from '../../lib/cluster/local/node-network.js';
import { cgroupDirs } from '../../lib/cluster/local/host.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { ExitCode } from '../../lib/errors.js';
import { hasNodes, loadKubeConfig } from '../../lib/cluster/provider.js';
import { LOCAL_FIXTURE_IMAGE } from '../../lib/fixture-image.js';
import { exists } from '../../lib/util/fsx.js';
import { readResults, suiteOf } from '../../lib/report/results.js';
import { initc } from '../support/cli.js';
import { StorageProbe, until } from '../support/storage.js';

const NAME = 'mnt';
const NS = 'initc-multinode-test';

describe('embedded cluster of two nodes (integration; root)', function () {
  this.timeout(5 * 60_000);
  const version = resolveKubeVersion(undefined);
  let provider: LocalClusterProvider;
  let cluster: LocalCluster;
  let zero: ClusterLayout;
  let two: ClusterLayout;
  let core: CoreV1Api;
  let probe: StorageProbe;
  let down = false;

  const kubectl = (args: string[]) => execa(cluster.state.binaries!.kube, ['kubectl', `--kubeconfig=${zero.kubeconfig}`, '-n', NS, ...args], { reject: false });
  /** An HTTP GET from pod `from` with busybox nc (its wget crashes on this host): the body, or the failure. */
  const get = async (from: string, host: string, port: number) => {
    const r = await kubectl(['exec', from, '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${host} ${port}`]);
    return r.exitCode === 0 ? String(r.stdout).split('\r\n\r\n')[1] : `failed: ${String(r.stderr).trim()}`;
  };

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the embedded cluster integration test must run as root');
    const up = await initc(['cluster', 'up', '--name', NAME, '--nodes', '2', '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
    expect(up.exitCode, `cluster up --name ${NAME} --nodes 2`).to.equal(0);
    provider = new LocalClusterProvider({ version, name: NAME });
    const s = await provider.status();
    cluster = new LocalCluster(provider.layout, s.state!);
    zero = provider.layout;
    two = nodeLayout(zero, 1);
    core = loadKubeConfig(zero.kubeconfig).makeApiClient(CoreV1Api);
    probe = new StorageProbe(loadKubeConfig(zero.kubeconfig), NS, LOCAL_FIXTURE_IMAGE);
    await probe.createNamespace();
  });

  after(async () => {
    if (!down) await initc(['cluster', 'down', '--name', NAME]);
  });

  it('both nodes are Ready, each with its own address; `cluster status` lists each node', async () => {
    const nodes = (await core.listNode()).items;
    expect(nodes.map((n) => [n.metadata!.name, isNodeReady(n), n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address]).sort()).to.deep.equal([
      ['initc-mnt-node', true, zero.network.nodeIP],
      ['initc-mnt-node2', true, two.network.nodeIP],
    ]);
    const status = JSON.parse(String((await initc(['cluster', 'status', '--name', NAME, '--json'])).stdout)) as { nodes: unknown[]; processes: { name: string; running: boolean }[] };
    expect(status.nodes).to.deep.equal([
      { name: 'initc-mnt-node', nodeIP: zero.network.nodeIP, netns: 'initc-mnt', podCIDR: zero.network.nodePodCIDR, ready: true },
      { name: 'initc-mnt-node2', nodeIP: two.network.nodeIP, netns: 'initc-mnt_node2', podCIDR: two.network.nodePodCIDR, ready: true },
    ]);
    for (const p of ['containerd-node2', 'kubelet-node2', 'kube-proxy-node2', 'storage-provisioner-node2']) expect(status.processes.find((x) => x.name === p)?.running, p).to.equal(true);
  });

  it('a pod on node 0 reaches a pod on node 2 by its address and through a ClusterIP Service; the API server reaches node 2\'s kubelet (logs, exec)', async () => {
    const pod = (name: string, node: string, script: string): V1Pod => ({
      metadata: { name, labels: { app: name } },
      spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: LOCAL_FIXTURE_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script] }] },
    });
    await core.createNamespacedPod({ namespace: NS, body: pod('a', zero.nodeName, 'sleep 3600') });
    await core.createNamespacedPod({ namespace: NS, body: pod('b', two.nodeName, 'mkdir /w && echo hello-from-node2 > /w/index.html && echo serving && httpd -f -p 8080 -h /w') });
    await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'b' }, spec: { selector: { app: 'b' }, ports: [{ port: 80, targetPort: 8080 }] } } });
    const running = (name: string) => until(`pod ${name} Running`, async () => {
      const p = await core.readNamespacedPod({ name, namespace: NS });
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    const [a, b] = [await running('a'), await running('b')];
    expect(a.spec!.nodeName).to.equal(zero.nodeName);
    expect(b.spec!.nodeName).to.equal(two.nodeName);
    expect(b.status!.podIP!.startsWith('10.')).to.equal(true);
    expect(b.status!.podIP!.split('.').slice(0, 3).join('.')).to.equal(two.network.nodePodCIDR.split('.').slice(0, 3).join('.'));
    expect(await get('a', b.status!.podIP!, 8080)).to.equal('hello-from-node2');
    expect(await get('a', 'b', 80), 'through the Service, by its DNS name').to.equal('hello-from-node2');
    expect(String((await kubectl(['logs', 'b'])).stdout)).to.equal('serving');
    expect(String((await kubectl(['exec', 'b', '--', 'cat', '/w/index.html'])).stdout)).to.equal('hello-from-node2');
  });

  it('node 2 routes nothing out of the cluster: no route to the host, nor to anywhere else', async () => {
    for (const dst of [zero.network.hostIP, '1.1.1.1']) {
      const r = await execa('ip', ['netns', 'exec', two.network.netns, 'ip', 'route', 'get', dst], { reject: false });
      expect(r.exitCode, dst).to.not.equal(0);
      expect(String(r.stderr), dst).to.match(/unreachable/i);
    }
    const ok = await execa('ip', ['netns', 'exec', two.network.netns, 'ip', 'route', 'get', zero.network.controlPlaneIP]);
    expect(String(ok.stdout)).to.include(`via ${two.network.hostIP} dev eth0`);
    expect(String((await execa('ip', ['route', 'show', 'exact', linkCIDR(two)])).stdout).trim(), 'the host blackholes the link').to.equal(`blackhole ${linkCIDR(two)}`);
  });

  it('a claim binds on the node of its pod (WaitForFirstConsumer): its PV is pinned to node 2 and its folder is under node 2\'s volumes', async () => {
    await probe.createClaim('d2');
    await probe.core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'w2' },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 0,
          nodeSelector: { 'kubernetes.io/hostname': two.nodeName },
          containers: [{ name: 'c', image: LOCAL_FIXTURE_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', 'echo on-node2 > /data/f'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'd2' } }],
        },
      },
    });
    const pv = await probe.boundVolume('d2');
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms).to.deep.equal([{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [two.nodeName] }] }]);
    expect(pv.spec!.local!.path).to.equal(path.join(two.volumesDir, pv.metadata!.name!));
    await until('pod w2 Succeeded', async () => ((await core.readNamespacedPod({ name: 'w2', namespace: NS })).status?.phase === 'Succeeded' ? true : undefined), 60_000);
    expect(await fs.readFile(path.join(pv.spec!.local!.path, 'f'), 'utf8')).to.equal('on-node2\n');
  });

  it('the Nodes capability gives each node\'s own runtime and processes: node 2\'s kubelet restarts through it, node 0\'s stays', async () => {
    expect(hasNodes(cluster)).to.equal(true);
    expect(cluster.nodeNames()).to.deep.equal([zero.nodeName, two.nodeName]);
    const names = async (node: string) => (JSON.parse(await cluster.nodeAccess(node).crictl(['pods', '--namespace', NS, '-o', 'json'])) as { items: { metadata: { name: string } }[] }).items.map((p) => p.metadata.name).sort();
    expect(await names(zero.nodeName)).to.deep.equal(['a']);
    expect(await names(two.nodeName)).to.deep.equal(['b', 'w2']);
    const kubelets = [await cluster.nodeAccess(zero.nodeName).componentPid('kubelet'), await cluster.nodeAccess(two.nodeName).componentPid('kubelet')];
    expect(kubelets[1]).to.equal(cluster.state.processes.find((p) => p.name === 'kubelet-node2')!.pid);
    expect(kubelets[0]).to.not.equal(kubelets[1]);
    // What the node faults do: node 2's kubelet stopped and started through node 2's own access, node 0's untouched.
    const n2 = cluster.nodeAccess(two.nodeName);
    await n2.stopComponent('kubelet');
    expect(await n2.componentRunning('kubelet')).to.equal(false);
    expect(await cluster.componentRunning('kubelet'), 'node 0\'s kubelet').to.equal(true);
    await n2.startComponent('kubelet');
    const again = await n2.componentPid('kubelet');
    expect(again).to.not.equal(undefined);
    expect(again).to.not.equal(kubelets[1]);
    expect(await cluster.componentPid('kubelet')).to.equal(kubelets[0]);
  });

  it('`initc run` on it: the fixture pods go to node 0 (the home node), so chaos-kill\'s faults reach them; drain spreads its pods and its three tests pass, none skipped; the cluster stays up', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-multinode-run-'));
    try {
      const started = Date.now();
      // chaos-kill's kills by SIGKILL only (its minute-long flaky test left out), drain's three tests, order's one.
      const args = ['run', '--local-cluster', NAME, '--suite', 'order,chaos-kill,drain', '--grep', '^(order|drain)|SIGKILL', '--out', out];
      const r = await initc(args);
      console.log(`    (initc ${args.join(' ')}: exit ${r.exitCode} after ${((Date.now() - started) / 1000).toFixed(1)}s)`);
      const output = `${String(r.stdout)}\n${String(r.stderr)}`;
      expect(r.exitCode, output.slice(-3000)).to.equal(0);
      expect(output).to.include(`fixture pods on node ${zero.nodeName} of 2 (the home node`);
      const results = await readResults(path.join(out, 'allure-results'));
      const of = (suite: string, status: string) => results.filter((x) => suiteOf(x) === suite && x.status === status).length;
      expect({ chaosKill: of('chaos-kill', 'passed'), drainPassed: of('drain', 'passed'), drainSkipped: of('drain', 'skipped'), failed: results.filter((x) => x.status === 'failed' || x.status === 'broken').map((x) => x.name) }).to.deep.equal({ chaosKill: 3, drainPassed: 3, drainSkipped: 0, failed: [] });
      // A run on a cluster it did not start leaves it running, both nodes Ready and schedulable again (drain's cordon undone).
      const nodes = (await core.listNode()).items;
      expect(nodes.map((n) => [n.metadata!.name, isNodeReady(n), n.spec?.unschedulable ?? false]).sort()).to.deep.equal([
        ['initc-mnt-node', true, false],
        ['initc-mnt-node2', true, false],
      ]);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });

  it('asking for the running cluster with another node count is a one-line usage error', async () => {
    const r = await initc(['cluster', 'up', '--name', NAME, '--nodes', '3', '--no-merge-kubeconfig']);
    expect(r.exitCode).to.equal(ExitCode.usage);
    expect(String(r.stderr)).to.include('the embedded cluster "mnt" runs with 2 nodes, not 3; `initc cluster down --name mnt` it first, or start another under another name (--name)');
  });

  it('`cluster down` leaves nothing of either node: no process, folder, namespace, link, route, chain or cgroup', async () => {
    const r = await initc(['cluster', 'down', '--name', NAME]);
    down = true;
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    expect(await provider.leftovers()).to.deep.equal([]);
    expect(await networkLeftovers(zero)).to.deep.equal([]);
    expect(await nodeNetworkLeftovers(two)).to.deep.equal([]);
    const netns = String((await execa('ip', ['netns', 'list'])).stdout);
    expect(netns).to.not.match(/^initc-mnt(_node2)?\b/m);
    for (const n of [zero, two]) {
      expect(await cgroupDirs(n.cgroupRoot), n.cgroupRoot).to.deep.equal([]);
      expect(await exists(n.dataDir), n.dataDir).to.equal(false);
      expect(await exists(n.runDir), n.runDir).to.equal(false);
    }
  });
});
