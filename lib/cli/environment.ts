/**
 * The run's environment (the Allure report's environment section, and the results' cluster
 * identity): what the server and the node(s) the tests' pods run on reported, never items[0].
 */
import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import { INITC_VERSION } from '../util/paths.js';
import type { ClusterSettings } from '../cluster/features.js';
import { describeGates, describeSettings, isDefaultSettings } from '../cluster/features.js';
import type { ComponentGates } from '../kube/gates-in-force.js';
import { gatesInForce } from '../kube/gates-in-force.js';
import { configuredBackoff, describeBackoff } from '../checks/backoff.js';
import { kubeletBackoffConfig } from '../scenario/kubelet-backoff.js';

const NODE_FIELDS = [
  ['kubelet', 'kubeletVersion'],
  ['container runtime', 'containerRuntimeVersion'],
  ['node OS', 'osImage'],
  ['kernel', 'kernelVersion'],
] as const;

/** A node the scheduler places the fixture pods on: not cordoned, no NoSchedule or NoExecute taint. */
function schedulable(n: V1Node): boolean {
  return !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

/**
 * The nodes the tests' pods run on (`pinned`, when the run places every pod on one node; else every
 * schedulable node, or every node when none is) and what they report: one value where they agree,
 * else each node's own ("a: v1.34.1, b: v1.33.9"). Pure.
 */
export function nodesEnvironment(nodes: V1Node[], pinned?: string): Record<string, string> {
  const byPin = pinned ? nodes.filter((n) => n.metadata?.name === pinned) : [];
  const open = nodes.filter(schedulable);
  const chosen = byPin.length ? byPin : open.length ? open : nodes;
  if (!chosen.length) return {};
  const name = (n: V1Node) => n.metadata?.name ?? '?';
  const info: Record<string, string> = { nodes: chosen.map(name).join(', ') };
  for (const [key, field] of NODE_FIELDS) {
    const values = chosen.map((n) => n.status?.nodeInfo?.[field] ?? 'unknown');
    info[key] = new Set(values).size === 1 ? values[0]! : chosen.map((n, i) => `${name(n)}: ${values[i]}`).join(', ');
  }
  return info;
}

/**
 * The init-container feature gates each component reports in force: one "feature gates" entry when
 * the API server and the kubelets agree, else one per component; a component whose gates cannot be
 * read says why. Pure.
 */
export function gatesEnvironment(components: readonly ComponentGates[]): Record<string, string> {
  const described = components.map((c) => ({ c: c.component, text: c.gates ? describeGates(c.gates) : `unreadable: ${c.unreadable}` }));
  if (!described.length) return {};
  if (new Set(described.map((d) => d.text)).size === 1) return { 'feature gates': described[0]!.text };
  return Object.fromEntries(described.map((d) => [`feature gates (${d.c})`, d.text]));
}

/**
 * The kubelet's CrashLoopBackOff schedule as it reports it, in describeBackoff's words, or why it is
 * unreadable. The words name the initial back-off and the cap, which the release does not change
 * (it sets only how late a restart may come), hence any release's schedule here.
 */
async function backoffEnvironment(kc: KubeConfig, node: string): Promise<string> {
  const read = await kubeletBackoffConfig(kc, node);
  if ('unreadable' in read) return `unreadable: ${read.unreadable}`;
  return describeBackoff(configuredBackoff(0, read.config), read.config);
}

/** The Allure report's environment section: what the cluster is made of, and the gates it runs with. */
export async function describeEnvironment(kc: KubeConfig, provider: string, pinnedNode?: string, settings?: ClusterSettings): Promise<Record<string, string>> {
  const info: Record<string, string> = { provider, initc: INITC_VERSION };
  if (settings && !isDefaultSettings(settings)) info['asked for'] = describeSettings(settings);
  try {
    info['server'] = (await kc.makeApiClient(VersionApi).getCode()).gitVersion;
    const nodes = (await kc.makeApiClient(CoreV1Api).listNode()).items;
    const env = nodesEnvironment(nodes, pinnedNode);
    Object.assign(info, env);
    const node = pinnedNode ?? env.nodes?.split(', ')[0];
    Object.assign(info, gatesEnvironment(await gatesInForce(kc, node)));
    if (node) info['kubelet back-off'] = await backoffEnvironment(kc, node);
  } catch (err) {
    info['error'] = `cannot read versions: ${(err as Error).message.split('\n')[0]}`;
  }
  return info;
}
