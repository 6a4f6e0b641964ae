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
import { LocalClusterProvider } from '../../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { loadKubeConfig } from '../../lib/cluster/provider.js';
import { LOCAL_FIXTURE_IMAGE } from '../../lib/fixture-image.js';
import { kubeModuleFiles } from '../../lib/cluster/local/build.js';
import { exists, writeFileMode } from '../../lib/util/fsx.js';
import { initc } from '../support/cli.js';
import { StorageProbe, until } from '../support/storage.js';

const NAME = 'stor';

describe('default storage on the embedded cluster (integration; root)', function () {
  this.timeout(10 * 60_000);
  const version = resolveKubeVersion(undefined);
  let provider: LocalClusterProvider;
  let probe: StorageProbe;
  /** The directory of the claim left bound when the cluster goes down. */
  let keptDir = '';

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the embedded cluster integration test must run as root');
    const up = await initc(['cluster', 'up', '--name', NAME, '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
    expect(up.exitCode, `cluster up --name ${NAME}`).to.equal(0);
    provider = new LocalClusterProvider({ version, name: NAME });
    probe = new StorageProbe(loadKubeConfig(provider.layout.kubeconfig), 'initc-storage-test', LOCAL_FIXTURE_IMAGE);
    await probe.createNamespace();
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
    expect(await probe.defaultClasses()).to.deep.equal([['standard', 'initc.dev/local', 'WaitForFirstConsumer', 'Delete']]);
  });

  it('a claim of the default class binds to a local PV pinned to the node; its file outlives the pod and is read by the next pod', async () => {
    const pv = await probe.survivesReplacement('data', provider.layout.nodeName);
    keptDir = pv.spec!.local!.path;
    expect(keptDir).to.equal(path.join(provider.layout.volumesDir, pv.metadata!.name!));
    expect(await fs.readFile(path.join(keptDir, 'f'), 'utf8'), 'the file on the node').to.match(/^written-\d+\n$/);
  });

  it('deleting a claim deletes its PV and its directory (reclaim policy Delete)', async () => {
    await probe.createClaim('scratch');
    await probe.runPod('scratch', 'scratch', 'echo x > /data/x');
    const pv = await probe.boundVolume('scratch');
    const dir = pv.spec!.local!.path;
    expect(await exists(path.join(dir, 'x')), `${dir}/x written`).to.equal(true);
    await probe.deletePod('scratch');
    await probe.deleteClaimAndWaitForItsVolume('scratch', pv.metadata!.name!);
    expect(await exists(dir), `${dir} after its PV's deletion`).to.equal(false);
    expect(await exists(keptDir), 'the other claim\'s directory stays').to.equal(true);
  });

  it('a claim a node-local directory cannot honour (ReadWriteMany) stays Pending, with the provisioner\'s reason as an event', async () => {
    await probe.core.createNamespacedPersistentVolumeClaim({
      namespace: probe.namespace,
      body: { metadata: { name: 'shared' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '16Mi' } } } },
    });
    await probe.core.createNamespacedPod({
      namespace: probe.namespace,
      body: { metadata: { name: 'shared' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: LOCAL_FIXTURE_IMAGE, imagePullPolicy: 'Never', command: ['true'], volumeMounts: [{ name: 'd', mountPath: '/d' }] }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'shared' } }] } },
    });
    const event = await until('ProvisioningFailed event of claim shared', async () => {
      const events = await probe.core.listNamespacedEvent({ namespace: probe.namespace, fieldSelector: 'involvedObject.name=shared,involvedObject.kind=PersistentVolumeClaim,reason=ProvisioningFailed' });
      return events.items[0];
    });
    expect(event.message).to.include('access mode ReadWriteMany is not supported: a volume is a directory on one node (ReadWriteOnce, ReadWriteOncePod)');
    expect((await probe.core.readNamespacedPersistentVolumeClaim({ name: 'shared', namespace: probe.namespace })).status?.phase).to.equal('Pending');
    await probe.deletePod('shared');
  });

  it('the provisioner\'s own Go tests pass (volume directories, PV specs, what it may delete)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-provisioner-test-'));
    try {
      // The kube module of the default release, where the provisioner is built (its packages then found in Go's build cache).
      const { files } = await kubeModuleFiles(resolveKubeVersion(undefined), { tests: true });
      for (const [f, text] of Object.entries(files)) await writeFileMode(path.join(dir, f), text);
      const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
      await execa('go', ['mod', 'tidy'], { cwd: dir, env });
      // -trimpath as the build, so the packages it compiled are reused; vet off (it analyses every dependency: over a minute).
      const r = await execa('go', ['test', '-trimpath', '-vet=off', '-count=1', './storage-provisioner'], { cwd: dir, env, reject: false, all: true });
      expect(r.exitCode, String(r.all)).to.equal(0);
      expect(String(r.all)).to.match(/^ok\s+initc\.local\/kube\/storage-provisioner/m);
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
