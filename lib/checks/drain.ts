/**
 * The drain suite's checks: a node cordoned, then a workload's pods on it evicted through the
 * Eviction API (as `kubectl drain` does). What must follow, each its own verdict: the pods move
 * (new pods on another node, Ready, their init containers run there); a PodDisruptionBudget that
 * allows no disruption refuses every eviction with HTTP 429 and nothing moves; a pod whose claim
 * is a node-local volume cannot follow it and its replacement stays Pending, the scheduler saying
 * why. Pure functions of what the suite recorded (the pods before and after, the API's answers).
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { LedgerEntry } from '../pod/ledger.js';
import { fail } from './recording.js';

export const NODES_NEEDED = 2;

export interface NodeSummary {
  name: string;
  ready: boolean;
  unschedulable: boolean;
  /** Effects of its taints (NoSchedule, NoExecute keep the suite's pods off it; PreferNoSchedule does not), less the control plane's NoSchedule, which the suite's pods tolerate. */
  taints: string[];
}

/** kind's control plane keeps it with workers; the drain suite's pods tolerate it (lib/scenario/placement.ts), so with one worker they can move there. */
const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane';

export function nodeSummary(n: V1Node): NodeSummary {
  return {
    name: n.metadata?.name ?? '',
    ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    unschedulable: n.spec?.unschedulable === true,
    taints: (n.spec?.taints ?? []).filter((t) => !(t.key === CONTROL_PLANE_TAINT && t.effect === 'NoSchedule')).map((t) => t.effect),
  };
}

/** Nodes the suite's pods can go to: Ready, not cordoned, no NoSchedule or NoExecute taint. */
export const schedulableNodes = (nodes: readonly NodeSummary[]) => nodes.filter((n) => n.ready && !n.unschedulable && !n.taints.some((t) => t === 'NoSchedule' || t === 'NoExecute')).map((n) => n.name);

/** Why the suite cannot run on these nodes (a skip, never a pass), or undefined when it can. */
export function drainSkipReason(nodes: readonly NodeSummary[]): string | undefined {
  const ok = schedulableNodes(nodes);
  if (ok.length >= NODES_NEEDED) return undefined;
  const has = `${ok.length}${ok.length ? `: ${ok.join(', ')}` : ''}`;
  // A node tainted against pods (kind's control plane) counts in --nodes but takes none of them.
  const tainted = nodes.filter((n) => n.ready && !n.unschedulable && n.taints.some((t) => t === 'NoSchedule' || t === 'NoExecute'));
  if (tainted.length) {
    const which = tainted.map((n) => `${n.name} (${n.taints.filter((t) => t === 'NoSchedule' || t === 'NoExecute').join(', ')})`).join(', ');
    return `needs ${NODES_NEEDED} schedulable nodes (this cluster has ${has}; tainted against pods, as kind's control plane is: ${which}); run with --nodes ${NODES_NEEDED + tainted.length}`;
  }
  return `needs ${NODES_NEEDED} schedulable nodes; run with --nodes ${NODES_NEEDED} (this cluster has ${has})`;
}

export interface PodSummary {
  name: string;
  uid: string;
  /** spec.nodeName; undefined while the scheduler has not placed it. */
  node?: string;
  phase: string;
  ready: boolean;
  /** The PodScheduled condition: "False (Unschedulable)" and the scheduler's message, when it could not place the pod. */
  scheduled?: string;
  scheduledMessage?: string;
  /** The pod's ledger (its containers' logs); empty for a pod that never ran. */
  ledger: LedgerEntry[];
}

export function podSummary(p: V1Pod, ledger: LedgerEntry[]): PodSummary {
  const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
  return {
    name: p.metadata?.name ?? '',
    uid: p.metadata?.uid ?? '',
    node: p.spec?.nodeName,
    phase: p.status?.phase ?? 'Unknown',
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    scheduled: scheduled ? (scheduled.reason ? `${scheduled.status} (${scheduled.reason})` : scheduled.status) : undefined,
    scheduledMessage: scheduled?.message,
    ledger,
  };
}

export interface EvictionAnswer {
  pod: string;
  /** 201 evicted; 429 refused (a disruption budget); anything else is the API's trouble. */
  status: number;
  message: string;
}

export interface DrainRecording {
  /** The drained node, and whether it read back unschedulable after the cordon. */
  node: string;
  cordoned: boolean;
  /** The init container whose runs show where a pod initialized. */
  init: string;
  before: PodSummary[];
  evictions: EvictionAnswer[];
  after: PodSummary[];
}

const describePod = (p: PodSummary) => `${p.name} (${p.uid.slice(0, 8)}) ${p.phase}${p.ready ? ' Ready' : ''} on ${p.node ?? 'no node'}`;
const listPods = (ps: readonly PodSummary[]) => ps.map(describePod).join(', ') || 'none';

/** The node was cordoned and an eviction was asked for each of the workload's pods that were on it. */
function checkDrained(rec: DrainRecording): void {
  if (!rec.cordoned) fail(`node ${rec.node} cordoned (unschedulable) by the drain`, 'it was not');
  const onNode = rec.before.filter((p) => p.node === rec.node).map((p) => p.name).sort();
  const asked = rec.evictions.map((e) => e.pod).sort();
  if (!onNode.length || JSON.stringify(onNode) !== JSON.stringify(asked)) fail(`an eviction for each pod on ${rec.node} (${onNode.join(', ') || 'none there'})`, `evictions for ${asked.join(', ') || 'none'}`);
}

const fresh = (rec: DrainRecording) => rec.after.filter((p) => !rec.before.some((b) => b.uid === p.uid));
const events = (p: PodSummary, init: string) => p.ledger.filter((e) => e.container === init).map((e) => e.event);

/**
 * The pods moved: every eviction was granted (201); no pod of before is left on the drained node;
 * each evicted pod was replaced by a new pod on another node, Ready, whose init container ran
 * there once, to the end.
 */
export function checkMoved(rec: DrainRecording): void {
  checkDrained(rec);
  const refused = rec.evictions.find((e) => e.status !== 201);
  if (refused) fail('every eviction granted (201)', `${refused.pod}: HTTP ${refused.status} ${refused.message}`);
  const left = rec.after.filter((p) => p.node === rec.node);
  if (left.length) fail(`no pod of the workload left on the drained node ${rec.node}`, listPods(left));
  const moved = fresh(rec);
  if (moved.length < rec.evictions.length) fail(`a new pod for each of the ${rec.evictions.length} evicted`, `${moved.length}: ${listPods(moved)}`);
  for (const p of moved) {
    if (!p.ready) fail(`the new pod ${p.name} Ready on another node`, describePod(p));
    const ran = events(p, rec.init);
    if (ran.filter((e) => e === 'started').length !== 1 || ran.filter((e) => e === 'ran').length !== 1) fail(`${rec.init} run once, to the end, in the new pod ${p.name} on ${p.node}`, ran.join(', ') || 'no ledger line');
  }
}

/**
 * A PodDisruptionBudget that allows no disruption held: every eviction refused with 429 naming the
 * disruption budget, and every pod of before still there, on its node and Ready; no new pod.
 */
export function checkBlocked(rec: DrainRecording): void {
  checkDrained(rec);
  const granted = rec.evictions.find((e) => e.status !== 429 || !/disruption budget/.test(e.message));
  if (granted) fail('every eviction refused by the disruption budget (HTTP 429, "… disruption budget …")', `${granted.pod}: HTTP ${granted.status} ${granted.message}`);
  for (const b of rec.before) {
    const now = rec.after.find((p) => p.uid === b.uid);
    if (!now || now.node !== b.node || !now.ready) fail(`${b.name} still Ready on ${b.node}`, now ? describePod(now) : 'gone');
  }
  const made = fresh(rec);
  if (made.length) fail('no new pod while the budget refuses', listPods(made));
}

/**
 * The volume binding plugin's reason for a node its pod's bound PV rules out (ErrReasonNodeConflict
 * in pkg/scheduler/framework/plugins/volumebinding/binder.go): "node(s) didn't match
 * PersistentVolume's node affinity" in the releases initc supports (v1.34.12 recorded), "node(s)
 * had volume node affinity conflict" in older ones.
 */
const VOLUME_AFFINITY = /didn't match PersistentVolume's node affinity|had volume node affinity conflict/;

/**
 * A pod whose claim is a node-local volume cannot follow it: evicted (201), its replacement stays
 * Pending, unplaced, the scheduler saying the volume's node affinity rules out the other node,
 * and its init container never ran.
 */
export function checkPendingOnLocalVolume(rec: DrainRecording): void {
  checkDrained(rec);
  const refused = rec.evictions.find((e) => e.status !== 201);
  if (refused) fail('every eviction granted (201)', `${refused.pod}: HTTP ${refused.status} ${refused.message}`);
  const made = fresh(rec);
  if (made.length < rec.evictions.length) fail(`a new pod for each of the ${rec.evictions.length} evicted`, `${made.length}: ${listPods(made)}`);
  for (const p of made) {
    if (p.node !== undefined || p.phase !== 'Pending') fail(`the new pod ${p.name} Pending, not placed on any node`, describePod(p));
    if (p.scheduled !== 'False (Unschedulable)' || !VOLUME_AFFINITY.test(String(p.scheduledMessage))) fail(`the scheduler saying why ${p.name} waits: PodScheduled False (Unschedulable), "… didn't match PersistentVolume's node affinity …"`, `PodScheduled ${p.scheduled ?? 'absent'}: ${p.scheduledMessage ?? 'no message'}`);
    const ran = events(p, rec.init);
    if (ran.length) fail(`${rec.init} never run in the Pending pod ${p.name}`, ran.join(', '));
  }
}
