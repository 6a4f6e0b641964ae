/**
 * The kind provider end to end, on this machine, as root: a Docker engine (the running one, or a
 * dockerd initc starts), the node image (built, or reused from its tag), one single-node cluster
 * through KindProvider (its default name; shared with the other kind files that need no cluster
 * of their own, test/support/shared-kind.ts, and deleted by this file's last test), a pod with an
 * init container through the API, node access (crictl, the kubelet stopped and started with
 * systemctl), `kind export logs`, and destroy leaving no container, network or volume. A cold
 * machine builds the node image here (a few minutes); with it built the whole file takes about
 * 2.5 minutes, two of them the `initc run`.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { KindProvider, isNodeReady, kindNetworkName } from '../../lib/cluster/kind/kind.js';
import type { KindCluster } from '../../lib/cluster/kind/kind.js';
import { dockerEnv } from '../../lib/cluster/kind/docker.js';
import { canLoadImages, hasNodeAccess } from '../../lib/cluster/provider.js';
import { ConsoleProgress } from '../../lib/progress.js';
import { buildFixtureImage } from '../../lib/cluster/local/images.js';
import { ExitCode } from '../../lib/errors.js';
import { initc } from '../support/cli.js';
import { KIND_VOLUMES_DIR } from '../../lib/cluster/storage/objects.js';
import { StorageProbe, until } from '../support/storage.js';
import { forgetSharedKind, sharedKindCluster, sharedKindVersion } from '../support/shared-kind.js';

const FIXTURE = 'localhost/initc/fixture:v1';
const docker = async (...args: string[]) => String((await execa('docker', args, { env: dockerEnv() })).stdout).split('\n').filter(Boolean);

describe('kind provider (integration; root)', function () {
  this.timeout(30 * 60_000);
  const progress = new ConsoleProgress();
  const version = sharedKindVersion();
  // The cluster (the provider's default name) shared with the other kind files (test/support/shared-kind.ts); deleted by the last test here.
  let provider: KindProvider;
  let cluster: KindCluster;
  const podName = 'init-then-app';

  before(async () => {
    ({ provider, cluster } = await sharedKindCluster());
  });

  it('brings up a Ready node of the pinned version on containerd 2, with node access and image loading', async () => {
    const node = await cluster.kubeConfig().makeApiClient(CoreV1Api).readNode({ name: cluster.nodeName });
    expect(isNodeReady(node)).to.equal(true);
    expect(node.status?.nodeInfo?.kubeletVersion).to.equal(version.gitVersion);
    expect(node.status?.nodeInfo?.containerRuntimeVersion).to.match(/^containerd:\/\/2\./);
    expect(hasNodeAccess(cluster)).to.equal(true);
    expect(canLoadImages(cluster)).to.equal(true);
  });

  it('runs a pod of the fixture image whose init container runs to completion before the app starts', async () => {
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const pod: V1Pod = {
      metadata: { name: podName, namespace: 'default' },
      spec: {
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: 'work', emptyDir: {} }],
        initContainers: [{ name: 'init', image: FIXTURE, imagePullPolicy: 'Never', command: ['sh', '-c', 'echo written-by-init > /work/marker'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
        containers: [{ name: 'app', image: FIXTURE, imagePullPolicy: 'Never', command: ['sh', '-c', 'cat /work/marker; exec sleep 3600'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
      },
    };
    // The namespace's service account may lag the cluster by a moment.
    await until('pod created', async () => core.createNamespacedPod({ namespace: 'default', body: pod }), 30_000);
    const running = await until('app running', async () => {
      const p = await core.readNamespacedPod({ name: podName, namespace: 'default' });
      return p.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
    });
    const init = running.status?.initContainerStatuses?.[0];
    expect(init?.state?.terminated?.exitCode).to.equal(0);
    expect(init?.state?.terminated?.reason).to.equal('Completed');
    const log = await until('app log', async () => {
      const l = await core.readNamespacedPodLog({ name: podName, namespace: 'default', container: 'app' });
      return l.includes('written-by-init') ? l : undefined;
    }, 15_000);
    expect(log.trim()).to.equal('written-by-init');
  });

  it('the default StorageClass is initc\'s (provisioner DaemonSet from the preloaded image): a claim binds to a local PV pinned to the node, in the node\'s /var, and its file outlives the pod', async () => {
    const probe = new StorageProbe(cluster.kubeConfig(), 'initc-kind-storage', FIXTURE);
    expect(await probe.defaultClasses()).to.deep.equal([['standard', 'initc.dev/local', 'WaitForFirstConsumer', 'Delete']]);
    await probe.createNamespace();
    const pv = await probe.survivesReplacement('data', cluster.nodeName);
    expect(pv.spec?.local?.path).to.equal(`${KIND_VOLUMES_DIR}/${pv.metadata!.name}`);
    expect(await docker('exec', cluster.nodeName, 'cat', `${pv.spec!.local!.path}/f`)).to.have.length(1);
    await probe.core.deleteNamespace({ name: probe.namespace });
  });

  it('`initc run --kind-cluster` runs the order, never, always, validation and chaos-kill suites on it (fixture image preloaded, chaos through docker exec) and leaves it running', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-kind-run-'));
    try {
      const run = await initc(['run', '--kind-cluster', cluster.clusterName, '--k8s-version', version.semver, '--suite', 'order,never,always,validation,chaos-kill', '--out', out], { stdout: 'inherit', stderr: 'pipe' });
      const said = String(run.stderr);
      expect(run.exitCode, said.slice(-3000)).to.equal(0);
      expect(said).to.include(`reusing kind cluster ${cluster.clusterName}`);
      expect(said).to.include(`fixture image ${FIXTURE} (every node already has it)`);
      const junit = await fs.readFile(path.join(out, 'junit.xml'), 'utf8');
      const attr = (name: string) => [...junit.matchAll(new RegExp(`<testsuite[^>]* ${name}="(\\d+)"`, 'g'))].reduce((sum, m) => sum + Number(m[1]), 0);
      expect(attr('tests'), 'tests in junit.xml').to.be.at.least(15);
      expect([attr('failures') + attr('errors'), attr('skipped')], 'failed, skipped (kind offers node access: the chaos tests run)').to.deep.equal([0, 0]);
      expect(await docker('ps', '-q', '--filter', `label=io.x-k8s.kind.cluster=${cluster.clusterName}`), 'the reused cluster still runs').to.have.length(1);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });

  it('`initc image load --kind-cluster` puts an archive onto the node', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-kind-image-'));
    try {
      const renamed = 'localhost/other/busybox:kind';
      await execa('tar', ['-xf', await buildFixtureImage(), '-C', work]);
      const index = JSON.parse(await fs.readFile(path.join(work, 'index.json'), 'utf8')) as { manifests: Array<{ annotations: Record<string, string> }> };
      index.manifests[0]!.annotations = { 'io.containerd.image.name': renamed, 'org.opencontainers.image.ref.name': 'kind' };
      await fs.writeFile(path.join(work, 'index.json'), JSON.stringify(index));
      const archive = path.join(os.tmpdir(), `initc-kind-image-${process.pid}.tar`);
      await execa('tar', ['-cf', archive, '-C', work, '.']);
      const load = await initc(['image', 'load', '--kind-cluster', cluster.clusterName, archive]);
      await fs.rm(archive, { force: true });
      expect(load.exitCode, String(load.stderr)).to.equal(0);
      expect(await cluster.crictl(['images', '-q', renamed])).to.match(/sha256:[0-9a-f]{64}/);
      const missing = await initc(['image', 'load', '--kind-cluster', 'initc-no-such-cluster', '/etc/hostname']);
      expect(missing.exitCode, String(missing.stderr)).to.equal(ExitCode.notRunning);
      expect(String(missing.stderr)).to.include('no kind cluster named "initc-no-such-cluster" runs');
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });

  it('node access: crictl lists the pod; the kubelet stops and starts again with systemctl', async () => {
    const sandboxes = (await cluster.crictl(['pods', '--name', podName, '-q'])).trim().split('\n').filter(Boolean);
    expect(sandboxes, 'crictl pods --name').to.have.length(1);
    expect(await cluster.componentRunning('kubelet')).to.equal(true);
    await cluster.stopComponent('kubelet');
    expect(await cluster.componentRunning('kubelet')).to.equal(false);
    await cluster.startComponent('kubelet');
    expect(await cluster.componentRunning('kubelet')).to.equal(true);
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    await until('node Ready after the kubelet restart', async () => (isNodeReady(await core.readNode({ name: cluster.nodeName })) ? true : undefined));
    const p = await core.readNamespacedPod({ name: podName, namespace: 'default' });
    expect(p.status?.containerStatuses?.[0]?.state?.running, 'the app keeps running through a kubelet restart').to.not.equal(undefined);
  });

  it('`kind export logs` writes the node\'s logs', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-kind-logs-'));
    try {
      const files = (await cluster.exportLogs(dir)).map((f) => path.relative(dir, f));
      expect(files).to.include(`${cluster.nodeName}/kubelet.log`);
      expect(files).to.include(`${cluster.nodeName}/containerd.log`);
      expect(files.some((f) => f.includes(podName)), `a log of ${podName}`).to.equal(true);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('destroy leaves no container, network or volume of the cluster', async () => {
    const name = cluster.clusterName;
    // The node container's own volumes (its /var): named before destroy, so other clusters' volumes never count.
    const volumes = (await docker('inspect', '--format', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', cluster.nodeName)).join(' ').split(' ').filter(Boolean);
    expect(volumes.length, 'the node container has a volume of its own').to.be.at.least(1);
    forgetSharedKind();
    await provider.destroy({ progress });
    expect(await docker('ps', '-aq', '--filter', `label=io.x-k8s.kind.cluster=${name}`)).to.deep.equal([]);
    expect(await docker('ps', '-aq', '--filter', 'label=io.initc.kind=build'), 'node image build containers').to.deep.equal([]);
    expect((await docker('network', 'ls', '--format', '{{.Name}}')).filter((n) => n === kindNetworkName(name))).to.deep.equal([]);
    const left = await docker('volume', 'ls', '-q');
    expect(volumes.filter((v) => left.includes(v)), 'the node container\'s volumes').to.deep.equal([]);
  });
});
