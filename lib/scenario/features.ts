/**
 * What the server under test supports, found by asking it rather than by its version number: a
 * feature gate may be on or off whatever the release.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { pod, shell } from '../pod/builder.js';
import { requestJson } from '../kube/raw.js';

export interface Support {
  supported: boolean;
  reason: string;
}

/**
 * Sidecars (SidecarContainers: alpha 1.28, beta 1.29, GA 1.33): a server without them silently
 * drops an init container's restartPolicy. A dry-run create shows whether it kept it.
 */
export async function supportsSidecars(kc: KubeConfig, namespace: string): Promise<Support> {
  const body = pod('initc-sidecar-probe').init({ ...shell('probe', 'exec sleep 3600'), restartPolicy: 'Always' }).app(shell('app', 'exec sleep 3600')).build(namespace);
  const created = await requestJson<V1Pod>(kc, 'POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, { body });
  const kept = created.spec?.initContainers?.[0]?.restartPolicy === 'Always';
  return kept
    ? { supported: true, reason: 'the server keeps restartPolicy Always on init containers' }
    : { supported: false, reason: 'the server dropped restartPolicy Always from the init container: SidecarContainers is off or unknown on this server' };
}
