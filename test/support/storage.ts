/**
 * What the integration tests ask of the default storage of any cluster initc makes (embedded or
 * kind): the default class is initc's, a claim binds to a local PV pinned to the pod's node, and a
 * file written by one pod is read by the pod that replaces it.
 */
import { expect } from 'chai';
import { CoreV1Api, StorageV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1PersistentVolume, V1Pod } from '@kubernetes/client-node';
import { sleep } from '../../lib/util/time.js';

export async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
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

export class StorageProbe {
  readonly core: CoreV1Api;

  constructor(
    private readonly kc: KubeConfig,
    readonly namespace: string,
    private readonly image: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** The one default StorageClass, as [name, provisioner, binding mode, reclaim policy]. */
  async defaultClasses(): Promise<Array<[string?, string?, string?, string?]>> {
    const classes = (await this.kc.makeApiClient(StorageV1Api).listStorageClass()).items;
    return classes
      .filter((c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
      .map((c) => [c.metadata?.name, c.provisioner, c.volumeBindingMode, c.reclaimPolicy]);
  }

  createNamespace() {
    return until('namespace created', () => this.core.createNamespace({ body: { metadata: { name: this.namespace } } }), 30_000);
  }

  createClaim(name: string) {
    return this.core.createNamespacedPersistentVolumeClaim({
      namespace: this.namespace,
      body: { metadata: { name, namespace: this.namespace }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } },
    });
  }

  /** A pod of the fixture image running `script` once with the claim at /data; resolves when it Succeeded. */
  async runPod(name: string, claimName: string, script: string): Promise<void> {
    const pod: V1Pod = {
      metadata: { name, namespace: this.namespace },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'c', image: this.image, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
      },
    };
    await until(`pod ${name} created`, () => this.core.createNamespacedPod({ namespace: this.namespace, body: pod }), 30_000);
    await until(`pod ${name} Succeeded`, async () => {
      const p = (await this.core.readNamespacedPod({ name, namespace: this.namespace })).status?.phase;
      if (p === 'Failed') throw new Error(`pod ${name} failed: ${await this.log(name).catch(() => '')}`);
      return p === 'Succeeded' ? p : undefined;
    }, 90_000);
  }

  log(name: string): Promise<string> {
    return this.core.readNamespacedPodLog({ name, namespace: this.namespace });
  }

  async deletePod(name: string): Promise<void> {
    await this.core.deleteNamespacedPod({ name, namespace: this.namespace, gracePeriodSeconds: 0 });
    await until(`pod ${name} gone`, async () => ((await this.core.listNamespacedPod({ namespace: this.namespace, fieldSelector: `metadata.name=${name}` })).items.length === 0 ? true : undefined));
  }

  async boundVolume(claimName: string): Promise<V1PersistentVolume> {
    const pvc = await until(`claim ${claimName} Bound`, async () => {
      const c = await this.core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace: this.namespace });
      return c.status?.phase === 'Bound' ? c : undefined;
    });
    return this.core.readPersistentVolume({ name: pvc.spec!.volumeName! });
  }

  /**
   * Claim `claimName`, a pod writing a token into it, the pod deleted, a new pod reading it back.
   * Checks the PV on the way (class, reclaim policy, node affinity to `nodeName`); returns it.
   */
  async survivesReplacement(claimName: string, nodeName: string): Promise<V1PersistentVolume> {
    await this.createClaim(claimName);
    const token = `written-${Date.now()}`;
    await this.runPod('writer', claimName, `echo ${token} > /data/f`);
    const pv = await this.boundVolume(claimName);
    expect(pv.spec?.storageClassName).to.equal('standard');
    expect(pv.spec?.persistentVolumeReclaimPolicy).to.equal('Delete');
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms).to.deep.equal([
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] },
    ]);
    await this.deletePod('writer');
    await this.runPod('reader', claimName, 'cat /data/f');
    expect(await this.log('reader')).to.equal(`${token}\n`);
    return pv;
  }

  async deleteClaimAndWaitForItsVolume(claimName: string, pvName: string): Promise<void> {
    await this.core.deleteNamespacedPersistentVolumeClaim({ name: claimName, namespace: this.namespace });
    await until(`PV ${pvName} deleted`, async () => ((await this.core.listPersistentVolume()).items.some((v) => v.metadata?.name === pvName) ? undefined : true));
  }
}
