/**
 * The pure judges of the faults on a workload (replace-pod, rollout, scale-out, drain): each
 * proves the fault took effect from the pods the API shows after it — a pod that was not replaced,
 * a rollout that made no new revision, a scale-out whose pods did not all come up and run their
 * init containers, a drain that evicted nothing, is not proven, and no verdict stands on it.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { FaultProof } from './proof.js';

function proof(claim: string, proven: boolean, seen: string, evidence: Record<string, unknown>): FaultProof {
  return { claim, proven, seen, evidence };
}

export function podReady(p: V1Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Why the pod's init containers have not all run, or undefined when they have: each plain one
 * ended with exit 0 (a containerID to show it was a real container), each sidecar started.
 */
export function initsNotRun(p: V1Pod): string | undefined {
  for (const c of p.spec?.initContainers ?? []) {
    const s = p.status?.initContainerStatuses?.find((x) => x.name === c.name);
    if (c.restartPolicy === 'Always') {
      if (!s?.started && !s?.state?.running) return `sidecar ${c.name} not started`;
      continue;
    }
    const t = s?.state?.terminated;
    if (!t) return `init container ${c.name} not finished (${s?.state?.running ? 'running' : s?.state?.waiting ? `waiting: ${s.state.waiting.reason ?? ''}` : 'no status'})`;
    if (t.exitCode !== 0) return `init container ${c.name} exited ${t.exitCode}`;
    if (!s?.containerID && !t.containerID) return `init container ${c.name} has no containerID`;
  }
  return undefined;
}

/** A pod in a line: name, uid (short), node, Ready or not, and whether its init containers ran. */
export function describePod(p: V1Pod): string {
  const why = initsNotRun(p);
  return `${p.metadata?.name} (uid ${(p.metadata?.uid ?? '?').slice(0, 8)}, node ${p.spec?.nodeName ?? 'none'}, ${podReady(p) ? 'Ready' : `not Ready: ${p.status?.phase ?? '?'}`}, ${why ?? 'init containers ran'})`;
}

/** Ready with every init container run. */
export const podUp = (p: V1Pod) => podReady(p) && initsNotRun(p) === undefined;

/** The pod's first init container has begun (running or ended): the kubelet is running its init containers. */
export function initsBegan(p: V1Pod): boolean {
  const first = p.spec?.initContainers?.[0]?.name;
  if (first === undefined) return false;
  const s = p.status?.initContainerStatuses?.find((x) => x.name === first);
  return Boolean(s?.state?.running || s?.state?.terminated || s?.lastState?.terminated);
}

const summary = (pods: V1Pod[]) => pods.map((p) => ({ name: p.metadata?.name, uid: p.metadata?.uid, node: p.spec?.nodeName, ready: podReady(p), initsNotRun: initsNotRun(p) ?? null }));

export interface ReplacedPod {
  name: string;
  uid: string;
  /** The uid of its controller (undefined for a bare Pod, whose replacement has its name). */
  owner?: string;
}

/** The pod that replaced `old`, if any: another uid, the same controller (a bare Pod: the same name). */
export function replacementOf(old: ReplacedPod, now: V1Pod[]): V1Pod | undefined {
  const same = (p: V1Pod) => (old.owner ? p.metadata?.ownerReferences?.some((o) => o.controller && o.uid === old.owner) : p.metadata?.name === old.name);
  return now.find((p) => p.metadata?.uid !== old.uid && same(p));
}

/**
 * replace-pod took effect: the old pod is gone, and a new pod (another uid) of the same owner began
 * running its init containers. That it comes up (Ready, every init container run) is the verdict
 * on the workload, not on the fault: a pod whose re-run init container fails is a replaced pod.
 */
export function replacementProof(old: ReplacedPod, now: V1Pod[]): FaultProof {
  const owner = old.owner ? `controller ${old.owner.slice(0, 8)}` : `bare Pod ${old.name}, created again`;
  const claim = `pod ${old.name} (uid ${old.uid.slice(0, 8)}) gone, a new pod of the same owner (${owner}) running its init containers`;
  const gone = !now.some((p) => p.metadata?.uid === old.uid);
  const next = replacementOf(old, now);
  const seen = `old pod ${gone ? 'gone' : 'still there'}; ${next ? `new pod ${describePod(next)}` : 'no new pod of the same owner'}`;
  return proof(claim, gone && next !== undefined && initsBegan(next), seen, { old, now: summary(now) });
}

/** The revision a pod was made from: a Deployment's pod-template-hash, a StatefulSet's or DaemonSet's controller-revision-hash. */
export function revisionOf(p: V1Pod): string | undefined {
  return p.metadata?.labels?.['pod-template-hash'] ?? p.metadata?.labels?.['controller-revision-hash'];
}

export interface RolloutEvidence {
  /** The revisions and uids of the pods before the restart. */
  revisionsBefore: string[];
  uidsBefore: string[];
  /** How many pods the workload should have. */
  replicas: number;
  now: V1Pod[];
}

/**
 * rollout took effect: a pod of a new revision (none of before) began running its init
 * containers. That the rollout completes (every pod new and up) is the verdict on the workload
 * (rolloutComplete).
 */
export function rolloutProof(e: RolloutEvidence): FaultProof {
  const claim = `a pod of a new revision (not ${e.revisionsBefore.join(', ') || 'none'}) running its init containers`;
  const old = e.now.filter((p) => e.uidsBefore.includes(p.metadata?.uid ?? ''));
  const newRevision = e.now.filter((p) => {
    const r = revisionOf(p);
    return r !== undefined && !e.revisionsBefore.includes(r);
  });
  const up = newRevision.filter(podUp);
  const seen = `${e.now.length} pod(s): ${old.length} old, ${newRevision.length} of a new revision (${[...new Set(newRevision.map(revisionOf))].join(', ') || 'none'}), ${up.length} of them up; ${e.now.map(describePod).join('; ') || 'no pod'}`;
  return proof(claim, e.revisionsBefore.length > 0 && newRevision.some(initsBegan), seen, { ...e, now: summary(e.now) });
}

/** The rollout is complete: `replicas` pods, all of a new revision, none of the old ones left, each up (Ready, init containers run). */
export function rolloutComplete(e: RolloutEvidence): boolean {
  const fresh = e.now.filter((p) => !e.uidsBefore.includes(p.metadata?.uid ?? '') && !e.revisionsBefore.includes(revisionOf(p) ?? ''));
  return e.now.length === e.replicas && fresh.length === e.replicas && fresh.every(podUp);
}

/**
 * scale-out took effect: exactly `replicas` pods (more than one), each of which began running its
 * init containers. That they all come up is the verdict on the workload.
 */
export function scaleOutProof(replicas: number, now: V1Pod[]): FaultProof {
  const claim = `${replicas} pods, each running its init containers`;
  const began = now.filter(initsBegan);
  return proof(claim, replicas > 1 && now.length === replicas && began.length === replicas, `${now.length} pod(s), ${began.length} of them began their init containers: ${now.map(describePod).join('; ') || 'no pod'}`, { replicas, now: summary(now) });
}

export interface DrainEvidence {
  node: string;
  /** The node reads back unschedulable after the cordon. */
  cordoned: boolean;
  /** The Eviction API's answer for each of the workload's pods on the node. */
  evictions: Array<{ pod: string; uid: string; status: number; message: string }>;
  /** The uids of the workload's pods (not being deleted) after the evictions. */
  uidsNow: string[];
}

/** drain took effect: the node is cordoned, at least one pod was asked to leave, each evicted one is gone and each other was refused by the API (429, a PodDisruptionBudget). */
export function drainProof(e: DrainEvidence): FaultProof {
  const claim = `node ${e.node} cordoned and each of the workload's pods on it evicted (gone) or refused by a PodDisruptionBudget (HTTP 429)`;
  const answered = e.evictions.map((v) => `${v.pod}: ${v.status === 429 ? 'refused (429)' : v.status === 201 ? (e.uidsNow.includes(v.uid) ? 'evicted, still there' : 'evicted, gone') : `HTTP ${v.status}`}`);
  const seen = `node ${e.cordoned ? 'cordoned' : 'NOT cordoned'}; ${answered.join('; ') || 'no pod of the workload on it'}`;
  const each = e.evictions.every((v) => (v.status === 201 && !e.uidsNow.includes(v.uid)) || v.status === 429);
  return proof(claim, e.cordoned && e.evictions.length > 0 && each, seen, { ...e });
}
