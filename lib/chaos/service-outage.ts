/**
 * A dependency's outage: a Service deleted, down for a while, then created again from the same
 * spec (without its allocated ClusterIP, which the API server hands out anew). Undo creates it
 * again if it is missing, so an interrupted test leaves the dependency as it found it.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Service } from '@kubernetes/client-node';
import type { Fault } from './fault.js';
import { sleep } from '../util/time.js';

export function serviceOutage(namespace: string, name: string, downMs: number): Fault<KubeConfig> {
  let saved: V1Service | undefined;
  const recreate = async (kc: KubeConfig) => {
    if (!saved) return;
    const core = kc.makeApiClient(CoreV1Api);
    const exists = await core.readNamespacedService({ namespace, name }).then(() => true, (err: { code?: number }) => (err.code === 404 ? false : Promise.reject(err)));
    if (exists) return;
    const { clusterIP: _ip, clusterIPs: _ips, ...spec } = saved.spec ?? {};
    await core.createNamespacedService({ namespace, body: { metadata: { name, labels: saved.metadata?.labels }, spec } });
  };
  return {
    description: `Service ${name} deleted, down for ${downMs / 1000}s, then created again`,
    undoDescription: `Service ${name} exists`,
    async inject(kc: KubeConfig) {
      const core = kc.makeApiClient(CoreV1Api);
      saved = await core.readNamespacedService({ namespace, name });
      await core.deleteNamespacedService({ namespace, name });
      await sleep(downMs);
      await recreate(kc);
    },
    undo: recreate,
  };
}
