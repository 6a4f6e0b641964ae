/**
 * Where a run's fixture pods go. With node access through a privileged pod (INITC_NODE_NAME) every
 * pod goes to the agent's node, always. On a cluster of several nodes (INITC_HOME_NODE) they go to
 * the home node, node 0, whose access the chaos faults use; a scenario that needs the pods spread
 * over the nodes (drain) opts out, and its pods are steered away from the home node (so a drain
 * never cordons the node the other tests' pods are pinned to).
 */
import type { V1PodSpec, V1Toleration } from '@kubernetes/client-node';
import { HOME_NODE_ENV, PINNED_NODE_ENV } from '../cluster/node-access.js';

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
/** kind's control plane (the home node there) keeps this taint: controller pods pinned to it tolerate it. */
export const CONTROL_PLANE_TOLERATION: V1Toleration = { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' };

export type Placement =
  /** Every pod on `node`: the privileged agent's node (`agent`) or the home node (`home`). */
  | { pin: 'agent' | 'home'; node: string }
  /** Spread over the nodes by the scheduler, preferring those other than the home node `away`. */
  | { pin: 'none'; away?: string };

/** Whether the pod mounts a PersistentVolumeClaim. */
export const mountsClaim = (spec: V1PodSpec): boolean => (spec.volumes ?? []).some((v) => v.persistentVolumeClaim !== undefined);

/** Where the fixture pods go, from the run's environment; `spread`: the scenario opted out of the home node. */
export function placementOf(env: NodeJS.ProcessEnv, spread: boolean): Placement {
  const agent = env[PINNED_NODE_ENV];
  if (agent) return { pin: 'agent', node: agent };
  const home = env[HOME_NODE_ENV];
  if (!home) return { pin: 'none' };
  return spread ? { pin: 'none', away: home } : { pin: 'home', node: home };
}

/** The node every fixture pod goes to, if one. */
export const pinnedNode = (p: Placement): string | undefined => (p.pin === 'none' ? undefined : p.node);

/**
 * Places a pod's spec. A pinned pod gets nodeName (past the scheduler) or, `throughScheduler`, for
 * a controller's template, or pinned to the home node when it mounts a claim, a hostname node selector (a claim that waits
 * for its first consumer is bound on the node the scheduler picks: a nodeName pod leaves it Pending); pinned to the home node through the
 * scheduler it also tolerates the control plane's NoSchedule taint (the kubelet admits a nodeName
 * pod regardless: it heeds only NoExecute taints). A spread pod prefers nodes other than the home node,
 * and tolerates the control plane's taint too (on kind with one worker, the control plane is where it moves).
 */
export function placeSpec(spec: V1PodSpec, p: Placement, throughScheduler: boolean): V1PodSpec {
  if (p.pin === 'none') {
    if (!p.away) return spec;
    const away = { weight: 100, preference: { matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'NotIn', values: [p.away] }] } };
    const affinity = spec.affinity ?? {};
    const nodeAffinity = affinity.nodeAffinity ?? {};
    // It may also go to kind's control plane (the home node there): with one worker that is the only other node to move to.
    return {
      ...spec,
      affinity: { ...affinity, nodeAffinity: { ...nodeAffinity, preferredDuringSchedulingIgnoredDuringExecution: [...(nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []), away] } },
      tolerations: [...(spec.tolerations ?? []), CONTROL_PLANE_TOLERATION],
    };
  }
  // The agent's pin is as it always was (a claim's pod too by nodeName); the home node's sends a claim's pod through the scheduler.
  if (!throughScheduler && !(p.pin === 'home' && mountsClaim(spec))) return { ...spec, nodeName: p.node };
  const placed: V1PodSpec = { ...spec, nodeSelector: { ...spec.nodeSelector, [HOSTNAME_LABEL]: p.node } };
  if (p.pin === 'home') placed.tolerations = [...(spec.tolerations ?? []), CONTROL_PLANE_TOLERATION];
  return placed;
}

/** The home node of a cluster whose nodes are `names` (node 0 first): node 0 when there are several, else none (nothing to choose). */
export const homeNodeOf = (names: readonly string[]): string | undefined => (names.length > 1 ? names[0] : undefined);

/** The run's environment line for the home node. */
export const describeHome = (home: string, nodes: number): string =>
  `on node ${home} of ${nodes} (the home node, whose access the chaos faults use); drain spreads its pods over the nodes`;
