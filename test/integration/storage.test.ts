/**
 * The embedded cluster's default storage end to end, on a cluster of its own (named `stor`): a
 * claim of the default class binds to a PV pinned to the node; a file written by one pod is read by
 * the pod that replaces it; deleting a claim removes its directory; `cluster down` removes the
 * directory of a claim still bound. The provisioner's Go tests run here too (on the build's cache).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { CoreV1Api, StorageV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { LocalClusterProvider } from '../../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { loadKubeConfig } from '../../lib/cluster/provider.js';
import { LOCAL_FIXTURE_IMAGE } from '../../lib/fixture-image.js';
import { provisionerModuleFiles } from '../../lib/cluster/storage/build.js';
import { exists } from '../../lib/util/fsx.js';
import { sleep } from '../../lib/util/time.js';
import { initc } from '../support/cli.js';

const NAME = 'stor';
const NS = 'initc-storage-test';

async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await get();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000}s${last ? ` (${(last as Error).message})` : ''}`);
    await sleep(250);
  }
}

const claim = (name: string) => ({
  metadata: { name, namespace: NS },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
});

const pod = (name: string, claimName: string, script: string): V1Pod => ({
  metadata: { name, namespace: NS },
  spec: {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 0,
    containers: [{ name: 'c', image: LOCAL_FIXTURE_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
  },
});

describe('default storage on the embedded cluster (integration; root)', function () {
  this.timeout(10 * 60_000);
  const version = resolveKubeVersion(undefined);
  let provider: LocalClusterProvider;
  let kc: KubeConfig;
  let core: CoreV1Api;
  /** The directory of the claim left bound when the cluster goes down. */
  let keptDir = '';

  const phase = async (name: string) => (await core.readNamespacedPod({ name, namespace: NS })).status?.phase;
  const podEnded = (name: string) => until(`pod ${name} Succeeded`, async () => {
    const p = await phase(name);
    if (p === 'Failed') throw new Error(`pod ${name} failed: ${await core.readNamespacedPodLog({ name, namespace: NS }).catch(() => '')}`);
    return p === 'Succeeded' ? p : undefined;
  });
  const boundPv = async (claimName: string) => {
    const pvc = await until(`claim ${claimName} Bound`, async () => {
      const c = await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace: NS });
      return c.status?.phase === 'Bound' ? c : undefined;
    });
    return core.readPersistentVolume({ name: pvc.spec!.volumeName! });
  };

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the embedded cluster integration test must run as root');
    const up = await initc(['cluster', 'up', '--name', NAME, '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
    expect(up.exitCode, `cluster up --name ${NAME}`).to.equal(0);
    provider = new LocalClusterProvider({ version, name: NAME });
    kc = loadKubeConfig(provider.layout.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });

  after(async () => {
    await initc(['cluster', 'down', '--name', NAME]);
  });

  it('`cluster up` runs the provisioner as a recorded host process, and the default StorageClass is "standard", served by it, binding at the first consumer', async () => {
    const status = JSON.parse(String((await initc(['cluster', 'status', '--name', NAME, '--json'])).stdout)) as { processes: { name: string; pid: number; running: boolean; log: string }[] };
    const p = status.processes.find((x) => x.name === 'storage-provisioner');
    expect(p, JSON.stringify(status.processes)).to.not.equal(undefined);
    expect(p!.running).to.equal(true);
    expect(p!.log).to.equal(path.join(provider.layout.logDir, 'storage-provisioner.log'));
    const classes = (await kc.makeApiClient(StorageV1Api).listStorageClass()).items;
    const defaults = classes.filter((c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
    expect(defaults.map((c) => [c.metadata?.name, c.provisioner, c.volumeBindingMode, c.reclaimPolicy])).to.deep.equal([['standard', 'initc.dev/local', 'WaitForFirstConsumer', 'Delete']]);
  });

  it('a claim of the default class binds to a local PV pinned to the node; its file outlives the pod and is read by the next pod', async () => {
    await core.createNamespacedPersistentVolumeClaim({ namespace: NS, body: claim('data') });
    const token = `written-${Date.now()}`;
    await core.createNamespacedPod({ namespace: NS, body: pod('writer', 'data', `echo ${token} > /data/f`) });
    await podEnded('writer');
    const pv = await boundPv('data');
    expect(pv.spec?.storageClassName).to.equal('standard');
    expect(pv.spec?.persistentVolumeReclaimPolicy).to.equal('Delete');
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms).to.deep.equal([
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [provider.layout.nodeName] }] },
    ]);
    keptDir = pv.spec!.local!.path;
    expect(keptDir).to.equal(path.join(provider.layout.volumesDir, pv.metadata!.name!));
    expect(await fs.readFile(path.join(keptDir, 'f'), 'utf8'), 'the file on the node').to.equal(`${token}\n`);

    await core.deleteNamespacedPod({ name: 'writer', namespace: NS, gracePeriodSeconds: 0 });
    await until('writer gone', async () => ((await core.listNamespacedPod({ namespace: NS, fieldSelector: 'metadata.name=writer' })).items.length === 0 ? true : undefined));
    await core.createNamespacedPod({ namespace: NS, body: pod('reader', 'data', 'cat /data/f') });
    await podEnded('reader');
    expect(await core.readNamespacedPodLog({ name: 'reader', namespace: NS })).to.equal(`${token}\n`);
  });

  it('deleting a claim deletes its PV and its directory (reclaim policy Delete)', async () => {
    await core.createNamespacedPersistentVolumeClaim({ namespace: NS, body: claim('scratch') });
    await core.createNamespacedPod({ namespace: NS, body: pod('scratch', 'scratch', 'echo x > /data/x') });
    await podEnded('scratch');
    const pv = await boundPv('scratch');
    const dir = pv.spec!.local!.path;
    expect(await exists(path.join(dir, 'x')), `${dir}/x written`).to.equal(true);
    await core.deleteNamespacedPod({ name: 'scratch', namespace: NS, gracePeriodSeconds: 0 });
    await core.deleteNamespacedPersistentVolumeClaim({ name: 'scratch', namespace: NS });
    await until(`PV ${pv.metadata!.name} deleted`, async () => ((await core.listPersistentVolume()).items.some((v) => v.metadata?.name === pv.metadata!.name) ? undefined : true));
    expect(await exists(dir), `${dir} after its PV's deletion`).to.equal(false);
    expect(await exists(keptDir), 'the other claim\'s directory stays').to.equal(true);
  });

  it('the provisioner\'s own Go tests pass (volume directories, PV specs, what it may delete)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-provisioner-test-'));
    try {
      for (const [f, text] of Object.entries(await provisionerModuleFiles())) await fs.writeFile(path.join(dir, f), text);
      const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
      await execa('go', ['mod', 'tidy'], { cwd: dir, env });
      // -trimpath as the build, so the packages it compiled are reused; vet off (it analyses every dependency: over a minute).
      const r = await execa('go', ['test', '-trimpath', '-vet=off', '-count=1', '.'], { cwd: dir, env, reject: false, all: true });
      expect(r.exitCode, String(r.all)).to.equal(0);
      expect(String(r.all)).to.match(/^ok\s+initc\.local\/storage-provisioner/m);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('`cluster down` ends the provisioner and removes the volumes of claims still bound', async () => {
    expect(keptDir, 'a bound claim\'s directory from the test above').to.not.equal('');
    expect(await exists(keptDir)).to.equal(true);
    const down = await initc(['cluster', 'down', '--name', NAME]);
    expect(down.exitCode, String(down.stderr)).to.equal(0);
    expect(await exists(keptDir), `${keptDir} after down`).to.equal(false);
    expect(await exists(provider.layout.volumesDir)).to.equal(false);
    expect(await provider.leftovers()).to.deep.equal([]);
  });
});
