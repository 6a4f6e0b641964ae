/**
 * What became of each pod a drain asked to leave (pure, from the Eviction API's answer and the pod
 * that replaced it): it moved (its replacement Ready on another node, init containers run), it
 * stayed Pending (with the scheduler's reason: no other schedulable node, or a node-local volume
 * pinning it to the cordoned node), or a PodDisruptionBudget refused the eviction (HTTP 429).
 * Anything else is undecided, with what was seen.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { describePod, initsNotRun, podUp } from './workload-proof.js';

export interface EvictionRecord {
  pod: string;
  uid: string;
  /** The pod's controller uid (undefined: a bare Pod). */
  owner?: string;
  /** 201: evicted; 429: refused by a PodDisruptionBudget; 404: already gone. */
  status: number;
  message: string;
}

export type PendingCause = 'no-other-schedulable-node' | 'node-local-volume' | 'other';

export type DrainOutcome =
  | { pod: string; kind: 'moved'; replacement: string; to: string }
  | { pod: string; kind: 'pending'; replacement: string; cause: PendingCause; why: string }
  | { pod: string; kind: 'blocked'; why: string }
  | { pod: string; kind: 'undecided'; why: string };

/**
 * Why the scheduler cannot place a pod, from its message ("0/2 nodes are available: 1 node(s) had
 * volume node affinity conflict, 1 node(s) were unschedulable. preemption: …"): a node-local volume
 * when a node was ruled out by the volume's node affinity; no other schedulable node when every node
 * counted was unschedulable (cordoned).
 */
export function pendingCause(message: string): PendingCause {
  if (/volume node affinity conflict/.test(message)) return 'node-local-volume';
  const head = message.split('preemption:')[0]!;
  const total = /(\d+)\/(\d+) nodes are available/.exec(head)?.[2];
  const cordoned = /(\d+) node\(s\) were unschedulable/.exec(head)?.[1];
  if (total !== undefined && cordoned !== undefined && Number(total) === Number(cordoned)) return 'no-other-schedulable-node';
  return 'other';
}

/** The scheduler's word on a pod it could not place (its PodScheduled condition), if it gave one. */
export function unschedulableMessage(p: V1Pod): string | undefined {
  const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
  return c?.status === 'False' && c.reason === 'Unschedulable' ? (c.message ?? '') : undefined;
}

/** What became of the pod the eviction was asked for, `replacement` being the pod its controller made in its place (if any). */
export function drainOutcome(e: EvictionRecord, fromNode: string, replacement: V1Pod | undefined): DrainOutcome {
  if (e.status === 429) return { pod: e.pod, kind: 'blocked', why: e.message };
  if (e.status !== 201) return { pod: e.pod, kind: 'undecided', why: `the Eviction API answered HTTP ${e.status}: ${e.message}` };
  if (!replacement) return { pod: e.pod, kind: 'undecided', why: e.owner ? 'evicted; no pod has replaced it' : 'evicted; a bare Pod has no controller to make a new one' };
  const name = replacement.metadata?.name ?? '?';
  const node = replacement.spec?.nodeName;
  const message = unschedulableMessage(replacement);
  if (!node && message !== undefined) return { pod: e.pod, kind: 'pending', replacement: name, cause: pendingCause(message), why: message };
  if (node && node !== fromNode && podUp(replacement)) return { pod: e.pod, kind: 'moved', replacement: name, to: node };
  const state = node === fromNode ? `placed on the drained node ${fromNode} again` : node ? `on node ${node}, ${initsNotRun(replacement) ?? 'not Ready'}` : 'not yet placed by the scheduler';
  return { pod: e.pod, kind: 'undecided', why: `replaced by ${describePod(replacement)}: ${state}` };
}

/** The replacement of each evicted pod among `now`: a pod of the same controller that was not there before, each used once, in order. */
export function replacements(evictions: EvictionRecord[], uidsBefore: string[], now: V1Pod[]): Array<V1Pod | undefined> {
  const taken = new Set<string>();
  return evictions.map((e) => {
    if (e.status !== 201 || !e.owner) return undefined;
    const p = now.find((x) => !uidsBefore.includes(x.metadata?.uid ?? '') && !taken.has(x.metadata?.uid ?? '') && x.metadata?.ownerReferences?.some((o) => o.controller && o.uid === e.owner));
    if (p) taken.add(p.metadata!.uid!);
    return p;
  });
}

/** The outcome line of a pod, for the evidence. */
export function describeOutcome(o: DrainOutcome): string {
  switch (o.kind) {
    case 'moved':
      return `${o.pod}: moved — ${o.replacement} Ready on node ${o.to}, its init containers run`;
    case 'pending':
      return `${o.pod}: stayed Pending (${o.cause === 'no-other-schedulable-node' ? 'no other schedulable node' : o.cause === 'node-local-volume' ? 'node-local volume' : 'unschedulable'}) — ${o.replacement}: ${o.why}`;
    case 'blocked':
      return `${o.pod}: blocked by a PodDisruptionBudget (eviction refused, HTTP 429) — ${o.why}`;
    default:
      return `${o.pod}: undecided — ${o.why}`;
  }
}
