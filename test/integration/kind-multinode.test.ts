/**
 * A kind cluster of two nodes (one control plane, one worker) end to end, as root: both nodes
 * Ready, node access to each node container, a pod on each node reaching the other by pod IP and
 * through a ClusterIP Service (and not without the route initc's CNI sets: the negative control),
 * a claim bound on its pod's node, and destroy leaving nothing. Its own cluster
 * (INITC_KIND_MULTINODE_CLUSTER, default initc-mn-<random>). With the node image built it takes
 * about 1 minute on 2 cores (59-60 s measured), half of it `kind create`.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { KindProvider, isNodeReady, kindNetworkName } from '../../lib/cluster/kind/kind.js';
import type { KindCluster } from '../../lib/cluster/kind/kind.js';
import { dockerEnv, dockerStartedByInitc, ensureDocker, stopDockerIfWeStartedIt } from '../../lib/cluster/kind/docker.js';
import { NodeCapabilityMissing, hasNodes } from '../../lib/cluster/provider.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { ConsoleProgress } from '../../lib/progress.js';
import { KIND_VOLUMES_DIR } from '../../lib/cluster/storage/objects.js';
import { StorageProbe, until } from '../support/storage.js';

const FIXTURE = 'localhost/initc/fixture:v1';
const NAMESPACE = 'initc-multinode';
const docker = async (...args: string[]) => String((await execa('docker', args, { env: dockerEnv() })).stdout).split('\n').filter(Boolean);

describe('kind cluster of two nodes (integration; root)', function () {
  this.timeout(15 * 60_000);
  const progress = new ConsoleProgress();
  const version = resolveKubeVersion(process.env.INITC_KIND_VERSION ?? '1.34');
  const name = process.env.INITC_KIND_MULTINODE_CLUSTER ?? `initc-mn-${randomBytes(3).toString('hex')}`;
  const provider = new KindProvider({ version, name, nodes: 2, stopDockerWhenIdle: false });
  const [controlPlane, worker] = [`${name}-control-plane`, `${name}-worker`];
  let dockerWasRunning = false;
  let cluster: KindCluster;
  let core: CoreV1Api;

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the kind integration test must run as root (it may start dockerd)');
    dockerWasRunning = (await execa('docker', ['version'], { env: dockerEnv(), reject: false })).exitCode === 0;
    await ensureDocker(progress);
    const started = Date.now();
    cluster = await provider.create({ progress });
    console.log(`    (2-node create took ${((Date.now() - started) / 1000).toFixed(1)}s)`);
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    await until('namespace created', () => core.createNamespace({ body: { metadata: { name: NAMESPACE } } }), 30_000);
  });

  after(async () => {
    await provider.destroy({ progress }).catch((err) => console.log(`    destroy: ${(err as Error).message}`));
    if (!dockerWasRunning && (await dockerStartedByInitc())) await stopDockerIfWeStartedIt(progress);
  });

  /** A pod of the fixture image on `node` (bypassing the scheduler, so the control plane's taint does not matter). */
  const pod = (podName: string, node: string, script: string, restartPolicy: 'Never' | 'Always' = 'Never'): V1Pod => ({
    metadata: { name: podName, namespace: NAMESPACE, labels: { app: podName } },
    spec: {
      nodeName: node,
      restartPolicy,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: FIXTURE, imagePullPolicy: 'Never', command: ['sh', '-c', script] }],
    },
  });
  /** Runs a pod to its end; its phase and log. */
  const runOnce = async (podName: string, node: string, script: string) => {
    await core.createNamespacedPod({ namespace: NAMESPACE, body: pod(podName, node, script) });
    const phase = await until(`pod ${podName} ended`, async () => {
      const p = (await core.readNamespacedPod({ name: podName, namespace: NAMESPACE })).status?.phase;
      return p === 'Succeeded' || p === 'Failed' ? p : undefined;
    }, 60_000);
    return { phase, log: (await core.readNamespacedPodLog({ name: podName, namespace: NAMESPACE })).trim() };
  };
  /** An HTTP GET of http://ADDRESS:PORT/ from a pod on `node`: the body's last line (the serving pod's name). */
  const fetchFrom = (podName: string, node: string, address: string, port: number) =>
    runOnce(podName, node, `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${address} ${port} 2>/dev/null | tail -n 1`);

  it('brings up both nodes Ready, named as kind names them, with node access to each node container', async () => {
    const nodes = (await core.listNode()).items;
    expect(nodes.map((n) => [n.metadata?.name, isNodeReady(n), n.status?.nodeInfo?.kubeletVersion]).sort()).to.deep.equal([
      [controlPlane, true, version.gitVersion],
      [worker, true, version.gitVersion],
    ]);
    expect(hasNodes(cluster)).to.equal(true);
    expect(cluster.nodeNames()).to.deep.equal([controlPlane, worker]);
    expect(cluster.nodeName).to.equal(controlPlane);
    // Each node's runtime, through its own container: its kube-proxy pod is there, not the other node's.
    const proxies = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-proxy' })).items;
    for (const n of [controlPlane, worker]) {
      const own = proxies.find((p) => p.spec?.nodeName === n)!.metadata!.name!;
      const other = proxies.find((p) => p.spec?.nodeName !== n)!.metadata!.name!;
      const access = cluster.nodeAccess(n);
      expect(access.nodeName).to.equal(n);
      expect((await access.crictl(['pods', '--name', own, '-q'])).trim()).to.match(/^[0-9a-f]{64}$/);
      expect((await access.crictl(['pods', '--name', other, '-q'])).trim()).to.equal('');
      expect(await access.componentRunning('kubelet')).to.equal(true);
    }
    expect(await cluster.nodeAccess(controlPlane).componentRunning('kube-apiserver')).to.equal(true);
    const onWorker = await cluster.nodeAccess(worker).componentRunning('kube-apiserver').then(() => 'resolved', (err: Error) => err);
    expect(onWorker).to.be.instanceOf(NodeCapabilityMissing);
    expect(() => cluster.nodeAccess(`${name}-worker2`)).to.throw(`the kind cluster ${name} has no node ${name}-worker2 (its nodes: ${controlPlane}, ${worker})`);
  });

  it('a pod on each node reaches the other by pod IP and through a ClusterIP Service; not without the route to the other node\'s pods, which the CNI sets again', async () => {
    const serve = 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www';
    for (const [podName, node] of [['web-cp', controlPlane], ['web-w', worker]] as const) {
      // The namespace's service account may lag it by a moment.
      await until(`pod ${podName} created`, () => core.createNamespacedPod({ namespace: NAMESPACE, body: pod(podName, node, serve, 'Always') }), 30_000);
    }
    await core.createNamespacedService({ namespace: NAMESPACE, body: { metadata: { name: 'web-w' }, spec: { selector: { app: 'web-w' }, ports: [{ port: 80, targetPort: 8080 }] } } });
    const ip = async (podName: string) =>
      until(`${podName} running`, async () => {
        const p = await core.readNamespacedPod({ name: podName, namespace: NAMESPACE });
        return p.status?.phase === 'Running' ? p.status.podIP : undefined;
      });
    const [cpIp, wIp] = [await ip('web-cp'), await ip('web-w')];
    const range = async (n: string) => (await core.readNode({ name: n })).spec!.podCIDR!;
    const [cpRange, wRange] = [await range(controlPlane), await range(worker)];
    expect(cpRange).to.not.equal(wRange);
    expect(cpIp?.startsWith(cpRange.replace(/0\/24$/, ''))).to.equal(true);
    expect(wIp?.startsWith(wRange.replace(/0\/24$/, ''))).to.equal(true);
    const clusterIp = (await core.readNamespacedService({ name: 'web-w', namespace: NAMESPACE })).spec!.clusterIP!;

    expect(await fetchFrom('get-w-from-cp', controlPlane, wIp!, 8080)).to.deep.equal({ phase: 'Succeeded', log: 'web-w' });
    expect(await fetchFrom('get-cp-from-w', worker, cpIp!, 8080)).to.deep.equal({ phase: 'Succeeded', log: 'web-cp' });
    expect(await fetchFrom('get-svc-from-cp', controlPlane, clusterIp, 80)).to.deep.equal({ phase: 'Succeeded', log: 'web-w' });

    // Negative control: the control plane without its route to the worker's pods cannot reach them.
    await docker('exec', controlPlane, 'ip', 'route', 'del', wRange);
    expect(await fetchFrom('no-route', controlPlane, wIp!, 8080)).to.deep.equal({ phase: 'Succeeded', log: '' });
    // The CNI pod started again on that node sets the route again.
    const cni = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'app=initc-cni', fieldSelector: `spec.nodeName=${controlPlane}` })).items[0]!;
    await core.deleteNamespacedPod({ name: cni.metadata!.name!, namespace: 'kube-system' });
    const wIpAddr = (await core.readNode({ name: worker })).status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    await until('route set again', async () => ((await docker('exec', controlPlane, 'ip', 'route', 'show', 'exact', wRange)).join('').startsWith(`${wRange} via ${wIpAddr} `) ? true : undefined), 60_000);
    expect(await fetchFrom('route-again', controlPlane, wIp!, 8080)).to.deep.equal({ phase: 'Succeeded', log: 'web-w' });
  });

  it('the default StorageClass binds a claim on its pod\'s node (the worker: the control plane is tainted), with node affinity to it', async () => {
    const probe = new StorageProbe(cluster.kubeConfig(), NAMESPACE, FIXTURE);
    const pv = await probe.survivesReplacement('data', worker);
    expect(pv.spec?.local?.path).to.equal(`${KIND_VOLUMES_DIR}/${pv.metadata!.name}`);
    expect(await docker('exec', worker, 'ls', KIND_VOLUMES_DIR)).to.deep.equal([pv.metadata!.name]);
    expect(await docker('exec', controlPlane, 'sh', '-c', `ls ${KIND_VOLUMES_DIR} 2>/dev/null || true`)).to.deep.equal([]);
  });

  it('destroy leaves no container, network or volume of the cluster', async () => {
    const volumes: string[] = [];
    for (const n of [controlPlane, worker]) volumes.push(...(await docker('inspect', '--format', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', n)).join(' ').split(' ').filter(Boolean));
    expect(volumes.length, 'each node container has a volume of its own').to.be.at.least(2);
    await provider.destroy({ progress });
    expect(await docker('ps', '-aq', '--filter', `label=io.x-k8s.kind.cluster=${name}`)).to.deep.equal([]);
    expect((await docker('network', 'ls', '--format', '{{.Name}}')).filter((n) => n === kindNetworkName(name))).to.deep.equal([]);
    const left = await docker('volume', 'ls', '-q');
    expect(volumes.filter((v) => left.includes(v)), 'the node containers\' volumes').to.deep.equal([]);
  });
});
