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

export function serviceOutage(namespace: string, name: string, downMs: number): Fault<KubeConfig> {
  let saved: V1Service | undefined;
  let seenGone = false;
  const read = (kc: KubeConfig) => kc.makeApiClient(CoreV1Api).readNamespacedService({ namespace, name }).then((s) => s, notFound);
  const recreate = async (kc: KubeConfig) => {
    if (!saved) return;
    if (await read(kc)) return;
    const { clusterIP: _ip, clusterIPs: _ips, ...spec } = saved.spec ?? {};
    await kc.makeApiClient(CoreV1Api).createNamespacedService({ namespace, body: { metadata: { name, labels: saved.metadata?.labels }, spec } });
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
