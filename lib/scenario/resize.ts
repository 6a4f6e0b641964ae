/**
 * The resize subresource (PATCH /api/v1/namespaces/NS/pods/NAME/resize, a strategic merge patch of
 * one init container's resources), and the discovery of InPlacePodVerticalScalingInitContainers:
 * a dry-run resize of a plain init container accepted or refused, and the gates the components
 * report. What the answers mean is decided in lib/checks/resize-init.ts.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { ApiError, requestJson } from '../kube/raw.js';
import { firstLine } from '../errors.js';
import type { ResizeAnswer, Resources } from '../checks/resize-init.js';
import { RESIZE_GATE, resizeAdmission } from '../checks/resize-init.js';
import type { Discovery } from './features.js';
import { discover } from './features.js';

export async function resizeInitContainer(kc: KubeConfig, namespace: string, pod: string, container: string, resources: Resources, opts: { dryRun?: boolean } = {}): Promise<ResizeAnswer> {
  const path = `/api/v1/namespaces/${namespace}/pods/${pod}/resize${opts.dryRun ? '?dryRun=All' : ''}`;
  const body = { spec: { initContainers: [{ name: container, resources }] } };
  try {
    return { taken: await requestJson<V1Pod>(kc, 'PATCH', path, { body, contentType: 'application/strategic-merge-patch+json' }) };
  } catch (err) {
    if (err instanceof ApiError && (err.statusCode === 422 || err.statusCode === 403)) return { refused: firstLine(err).replace(/^PATCH \S+: HTTP \d+: /, ''), statusCode: err.statusCode };
    throw err;
  }
}

/**
 * InPlacePodVerticalScalingInitContainers on this cluster: a dry-run resize of the plain init
 * container `container` of the running pod `pod` to `resources` (nothing changes), and the gates.
 */
export async function discoverResizeInit(kc: KubeConfig, namespace: string, pod: string, container: string, resources: Resources): Promise<Discovery> {
  const answer = await resizeInitContainer(kc, namespace, pod, container, resources, { dryRun: true });
  return discover(kc, RESIZE_GATE, resizeAdmission(answer, container, resources));
}
