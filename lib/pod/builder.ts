/**
 * Pods made of plain shell containers of the fixture image, each mounting the shared ledger and
 * data volumes: pod('order').init(a).init(b).app(c).build(namespace, labels). The catalogue of
 * fixture containers the suites use is in fixtures/pod.ts.
 */
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { fixtureImage } from '../fixture-image.js';
import { LEDGER_DIR, LEDGER_VOLUME } from './ledger.js';

export const DATA_VOLUME = 'data';
export const DATA_DIR = '/data';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** A shell container of the fixture image, mounting the shared ledger and data volumes. */
export function shell(name: string, script: string): V1Container {
  return {
    name,
    image: fixtureImage(),
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', script],
    volumeMounts: [
      { name: LEDGER_VOLUME, mountPath: LEDGER_DIR },
      { name: DATA_VOLUME, mountPath: DATA_DIR },
    ],
  };
}

export class PodBuilder {
  private readonly inits: V1Container[] = [];
  private readonly apps: V1Container[] = [];
  private readonly volumes: V1Volume[] = [
    { name: LEDGER_VOLUME, emptyDir: {} },
    { name: DATA_VOLUME, emptyDir: {} },
  ];
  private policy: RestartPolicy = 'Always';
  private deadlineSeconds?: number;
  private gracePeriod = 1;

  constructor(readonly name: string) {}

  restartPolicy(p: RestartPolicy): this {
    this.policy = p;
    return this;
  }

  activeDeadlineSeconds(s: number): this {
    this.deadlineSeconds = s;
    return this;
  }

  terminationGracePeriodSeconds(s: number): this {
    this.gracePeriod = s;
    return this;
  }

  /** The data volume (DATA_DIR) from PersistentVolumeClaim `claimName` instead of an emptyDir: it outlives the pod. */
  dataClaim(claimName: string): this {
    const data = this.volumes.find((v) => v.name === DATA_VOLUME)!;
    delete data.emptyDir;
    data.persistentVolumeClaim = { claimName };
    return this;
  }

  init(c: V1Container): this {
    this.inits.push(c);
    return this;
  }

  app(c: V1Container): this {
    this.apps.push(c);
    return this;
  }

  build(namespace: string, labels: Record<string, string> = {}): V1Pod {
    if (this.apps.length === 0) throw new Error(`fixture pod ${this.name} has no app container`);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: this.name, namespace, labels: { 'app.kubernetes.io/name': this.name, ...labels } },
      spec: {
        restartPolicy: this.policy,
        terminationGracePeriodSeconds: this.gracePeriod,
        activeDeadlineSeconds: this.deadlineSeconds,
        initContainers: this.inits,
        containers: this.apps,
        volumes: this.volumes,
        enableServiceLinks: false,
      },
    };
  }
}

export const pod = (name: string) => new PodBuilder(name);
