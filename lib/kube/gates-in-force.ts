/**
 * The feature gates and kubelet configuration a cluster runs with, read from the cluster itself:
 * the API server's /metrics and each kubelet's /metrics and /configz through the API server's node
 * proxy. Works on any cluster whose identity may read them; what cannot be read says why.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { GateInForce } from '../cluster/features.js';
import { gatesFromMetrics } from '../cluster/features.js';
import { firstLine } from '../errors.js';
import { requestJson, requestText } from './raw.js';

export interface ComponentGates {
  /** "kube-apiserver" or "kubelet <node>". */
  readonly component: string;
  readonly gates?: ReadonlyMap<string, GateInForce>;
  /** Why the gates could not be read (no permission, no metrics endpoint). */
  readonly unreadable?: string;
}

async function read(component: string, fetch: () => Promise<string>): Promise<ComponentGates> {
  try {
    const gates = gatesFromMetrics(await fetch());
    return gates.size ? { component, gates } : { component, unreadable: 'its /metrics has no kubernetes_feature_enabled lines' };
  } catch (err) {
    return { component, unreadable: firstLine(err) };
  }
}

export const apiserverGates = (kc: KubeConfig) => read('kube-apiserver', () => requestText(kc, '/metrics'));

export const kubeletGates = (kc: KubeConfig, node: string) => read(`kubelet ${node}`, () => requestText(kc, `/api/v1/nodes/${encodeURIComponent(node)}/proxy/metrics`));

/** The API server's gates and every node's kubelet's (or the one node `only`). */
export async function gatesInForce(kc: KubeConfig, only?: string): Promise<ComponentGates[]> {
  const nodes = only ? [only] : (await kc.makeApiClient(CoreV1Api).listNode()).items.map((n) => n.metadata!.name!);
  return Promise.all([apiserverGates(kc), ...nodes.map((n) => kubeletGates(kc, n))]);
}

/** A kubelet's configuration in force (its /configz), or why it cannot be read. */
export async function kubeletConfigInForce(kc: KubeConfig, node: string): Promise<{ config?: Record<string, unknown>; unreadable?: string }> {
  try {
    const body = await requestJson<{ kubeletconfig?: Record<string, unknown> }>(kc, 'GET', `/api/v1/nodes/${encodeURIComponent(node)}/proxy/configz`);
    return body.kubeletconfig ? { config: body.kubeletconfig } : { unreadable: 'its /configz has no kubeletconfig' };
  } catch (err) {
    return { unreadable: firstLine(err) };
  }
}
