/**
 * A dependency's outage: a Service deleted, down for a while, then created again from the same
 * spec (without its allocated ClusterIP, which the API server hands out anew). Undo creates it
 * again if it is missing, so an interrupted test leaves the dependency as it found it. It proves
 * itself: the API said "not found" while it was down, and the Service came back as a new object.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Service } from '@kubernetes/client-node';
import type { Fault } from './fault.js';
import { outageProof, proofFailed } from './proof.js';
import { sleep } from '../util/time.js';

const notFound = (err: { code?: number }) => (err.code === 404 ? undefined : Promise.reject(err));

/** The Service, or undefined when the API says it does not exist (404); any other error rejects. */
export function readServiceOrNone(kc: KubeConfig, namespace: string, name: string): Promise<V1Service | undefined> {
  return kc.makeApiClient(CoreV1Api).readNamespacedService({ namespace, name }).then((s) => s, notFound);
}

/** Creates Service `name` again from `saved` unless it exists: same labels, annotations and spec, without its ClusterIP (the API server hands one out anew). */
export async function recreateService(kc: KubeConfig, namespace: string, name: string, saved: V1Service): Promise<void> {
  if (await readServiceOrNone(kc, namespace, name)) return;
  const { clusterIP: _ip, clusterIPs: _ips, ...spec } = saved.spec ?? {};
  const annotations = saved.metadata?.annotations;
  await kc.makeApiClient(CoreV1Api).createNamespacedService({ namespace, body: { metadata: { name, labels: saved.metadata?.labels, ...(annotations ? { annotations } : {}) }, spec } });
}

export function serviceOutage(namespace: string, name: string, downMs: number): Fault<KubeConfig> {
  let saved: V1Service | undefined;
  let seenGone = false;
  const read = (kc: KubeConfig) => readServiceOrNone(kc, namespace, name);
  const recreate = async (kc: KubeConfig) => {
    if (saved) await recreateService(kc, namespace, name, saved);
  };
  return {
    description: `Service ${name} deleted, down for ${downMs / 1000}s, then created again`,
    undoDescription: `Service ${name} exists`,
    async inject(kc: KubeConfig) {
      const core = kc.makeApiClient(CoreV1Api);
      saved = await core.readNamespacedService({ namespace, name });
      await core.deleteNamespacedService({ namespace, name });
      await sleep(downMs);
      seenGone = (await read(kc)) === undefined;
      await recreate(kc);
    },
    async prove(kc: KubeConfig) {
      try {
        const now = await read(kc);
        return outageProof({ service: name, uidBefore: saved?.metadata?.uid, seenGone, uidAfter: now?.metadata?.uid });
      } catch (err) {
        return proofFailed(`Service ${name} gone during the outage, then back`, err);
      }
    },
    undo: recreate,
  };
}
