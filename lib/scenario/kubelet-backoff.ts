/**
 * The back-off configuration of the kubelet a pod ran on, read from that kubelet (its gate metrics
 * and /configz through the API server), never assumed from the release.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeletBackoffConfig } from '../checks/backoff.js';
import { goDurationMs } from '../cluster/features.js';
import { kubeletConfigInForce, kubeletGates } from '../kube/gates-in-force.js';

export async function kubeletBackoffConfig(kc: KubeConfig, node: string): Promise<{ config: KubeletBackoffConfig } | { unreadable: string }> {
  const [gates, configz] = await Promise.all([kubeletGates(kc, node), kubeletConfigInForce(kc, node)]);
  if (!gates.gates) return { unreadable: `the kubelet of ${node}'s gates: ${gates.unreadable}` };
  const on = (g: string) => gates.gates!.get(g)?.enabled === true;
  const maxGate = on('KubeletCrashLoopBackOffMax');
  let configuredMaxSec: number | undefined;
  if (maxGate) {
    if (!configz.config) return { unreadable: `the kubelet of ${node}'s /configz: ${configz.unreadable}` };
    const text = (configz.config.crashLoopBackOff as { maxContainerRestartPeriod?: string } | undefined)?.maxContainerRestartPeriod;
    const ms = text === undefined ? undefined : goDurationMs(text);
    if (text !== undefined && ms === undefined) return { unreadable: `the kubelet of ${node} reports crashLoopBackOff.maxContainerRestartPeriod "${text}", not a duration` };
    configuredMaxSec = ms === undefined ? undefined : ms / 1000;
  }
  return { config: { reducedDecay: on('ReduceDefaultCrashLoopBackOffDecay'), maxGate, configuredMaxSec } };
}
