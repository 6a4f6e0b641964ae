/**
 * A fault proves it took effect before a check may pass (as chaos-mesh and litmus record a
 * chaos's status): each fault declares what shows its effect, collects that evidence on the node
 * or through the API right after injecting, and one of the pure judges below decides. A fault that
 * did nothing (a restart whose pid did not change, a kill whose container did not end with the
 * signal's exit code, a sandbox that is still there) is not proven, and the test is broken, not
 * passed and not failed: its checks would judge an undisturbed pod.
 */
import { InfrastructureError } from '../observe/wait.js';

export interface FaultProof {
  /** What shows the fault took effect, as the fault declares it. */
  claim: string;
  proven: boolean;
  /** What was seen, with its figures. */
  seen: string;
  /** The raw evidence (pids, times, ids), attached with the injection. */
  evidence: Record<string, unknown>;
}

/** The fault did not take effect (or could not be shown to): the test is broken, with why. */
export class FaultNotProven extends InfrastructureError {
  constructor(
    readonly fault: string,
    readonly proof: FaultProof,
  ) {
    super(`the fault did not prove it took effect, so no verdict on the cluster is earned: ${fault}: expected ${proof.claim}; observed ${proof.seen}`);
    this.name = 'FaultNotProven';
  }
}

function proof(claim: string, proven: boolean, seen: string, evidence: Record<string, unknown>): FaultProof {
  return { claim, proven, seen, evidence };
}

/** A fault that declares no proof: never proven. */
export function noProof(): FaultProof {
  return proof('a proof that the fault took effect', false, 'the fault declares none', {});
}

/** Collecting the evidence failed: not proven, saying why. */
export function proofFailed(claim: string, err: unknown): FaultProof {
  return proof(claim, false, `collecting the evidence failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, {});
}

export interface RestartEvidence {
  component: string;
  pidBefore?: number;
  pidAfter?: number;
  /** The component was seen not running between the stop and the start (undefined: not observable, a detached restart). */
  seenDown?: boolean;
  /** From the stop's start to the component serving again, ms. */
  gapMs: number;
}

/**
 * A component restart took effect: it ran before and after with different pids, it was seen down
 * in between (a detached restart cannot be watched: there the pid alone), and it was gone for at
 * least `minGapMs`.
 */
export function restartProof(e: RestartEvidence, minGapMs: number): FaultProof {
  const claim = `${e.component} running before and after under a new pid, seen down in between, gone for at least ${minGapMs} ms`;
  const pids = `pid ${e.pidBefore ?? 'none'} before, ${e.pidAfter ?? 'none'} after`;
  const down = e.seenDown === undefined ? 'down not observable (detached restart)' : e.seenDown ? 'seen down' : 'never seen down';
  const seen = `${pids}; ${down}; gap ${e.gapMs} ms`;
  const proven = e.pidBefore !== undefined && e.pidAfter !== undefined && e.pidAfter !== e.pidBefore && e.seenDown !== false && e.gapMs >= minGapMs;
  return proof(claim, proven, seen, { ...e, minGapMs });
}

/** The window a component was down: from the moment its stop began to the moment it served again (ISO times). */
export interface DownWindow {
  from: string;
  to: string;
}

/**
 * The restart overlapped a container's run: the container started before the component went down
 * and finished after it was back. Container times have one-second resolution (truncated), so it
 * started at least a second before the window (startedAt + 1 s ≤ from) and finished no sooner than
 * the window's end (finishedAt ≥ to).
 */
export function overlapProof(window: DownWindow, container: string, attempt: { startedAt?: string; finishedAt?: string } | undefined): FaultProof {
  const claim = `${container} started before the component went down (${window.from}) and finished after it was back (${window.to})`;
  const evidence = { window, container, startedAt: attempt?.startedAt, finishedAt: attempt?.finishedAt };
  if (!attempt?.startedAt || !attempt.finishedAt) return proof(claim, false, `${container} ${attempt ? `started at ${attempt.startedAt ?? 'no time'}, finished at ${attempt.finishedAt ?? 'no time'}` : 'never seen running'}`, evidence);
  const before = Date.parse(attempt.startedAt) + 1000 <= Date.parse(window.from);
  const after = Date.parse(attempt.finishedAt) >= Date.parse(window.to);
  return proof(claim, before && after, `${container} ran from ${attempt.startedAt} to ${attempt.finishedAt}`, evidence);
}

export const SIGNAL_EXIT = { SIGKILL: 137, SIGTERM: 143 } as const;

export interface KillEvidence {
  container: string;
  containerId: string;
  pid: number;
  signal: keyof typeof SIGNAL_EXIT;
  /** The runtime's state of the container after the signal (CONTAINER_EXITED, ...), and its exit code. */
  state?: string;
  exitCode?: number;
}

/** A kill took effect: the container's attempt ended (the runtime says exited) with 128 + the signal's number. */
export function killProof(e: KillEvidence): FaultProof {
  const want = SIGNAL_EXIT[e.signal];
  const claim = `container ${e.container} (${e.containerId.slice(0, 13)}, pid ${e.pid}) exited with code ${want} after ${e.signal}`;
  const seen = e.state === undefined ? 'no state from the runtime' : `state ${e.state}, exit code ${e.exitCode ?? 'none'}`;
  return proof(claim, e.state === 'CONTAINER_EXITED' && e.exitCode === want, seen, { ...e, expectedExitCode: want });
}

export interface SandboxEvidence {
  before: string;
  /** Whether the old sandbox is still listed (any state) and still ready, after the fault. */
  stillListed: boolean;
  stillReady: boolean;
  /** The pod's ready sandbox after the fault (undefined: none came). */
  after?: string;
}

/**
 * A sandbox loss took effect: the old sandbox is no longer ready (and, when `removed` is claimed,
 * no longer listed at all), and the kubelet made a new ready sandbox with another id.
 */
export function sandboxProof(e: SandboxEvidence, removed: boolean): FaultProof {
  const short = (id?: string) => (id ? id.slice(0, 13) : 'none');
  const claim = `sandbox ${short(e.before)} ${removed ? 'removed' : 'no longer ready'}, and a new ready sandbox with another id`;
  const old = e.stillReady ? 'still ready' : e.stillListed ? 'listed, not ready' : 'gone';
  const gone = removed ? !e.stillListed : !e.stillReady;
  return proof(claim, gone && !e.stillReady && e.after !== undefined && e.after !== e.before, `old sandbox ${short(e.before)} ${old}; new ready sandbox ${short(e.after)}`, { ...e });
}

export interface RebootEvidence {
  sandboxesBefore: string[];
  /** The sandboxes of before still listed after the reboot. */
  survivors: string[];
  kubelet: { before?: number; after?: number };
  containerd: { before?: number; after?: number };
}

/** A node reboot took effect: there were sandboxes and none of them survived, and the kubelet and containerd both run under new pids. */
export function rebootProof(e: RebootEvidence): FaultProof {
  const claim = 'every sandbox of the node gone (at least one before), the kubelet and containerd running under new pids';
  const moved = (p: { before?: number; after?: number }) => p.before !== undefined && p.after !== undefined && p.after !== p.before;
  const pids = (name: string, p: { before?: number; after?: number }) => `${name} pid ${p.before ?? 'none'} → ${p.after ?? 'none'}`;
  const seen = `${e.sandboxesBefore.length} sandboxes before, ${e.survivors.length} survived; ${pids('kubelet', e.kubelet)}; ${pids('containerd', e.containerd)}`;
  return proof(claim, e.sandboxesBefore.length > 0 && e.survivors.length === 0 && moved(e.kubelet) && moved(e.containerd), seen, { ...e });
}

export interface OutageEvidence {
  service: string;
  uidBefore?: string;
  /** The API answered 404 for the Service while it was meant to be down. */
  seenGone: boolean;
  uidAfter?: string;
}

/** A Service outage took effect: the API said the Service did not exist during the outage, and it came back as a new object (another uid). */
export function outageProof(e: OutageEvidence): FaultProof {
  const claim = `Service ${e.service} not found during the outage, then back as a new object (another uid)`;
  const seen = `${e.seenGone ? 'not found during the outage' : 'still found during the outage'}; uid ${e.uidBefore ?? 'none'} before, ${e.uidAfter ?? 'none'} after`;
  return proof(claim, e.seenGone && e.uidBefore !== undefined && e.uidAfter !== undefined && e.uidAfter !== e.uidBefore, seen, { ...e });
}

export interface ServiceGoneEvidence {
  service: string;
  uidBefore?: string;
  /** The uid the API still answered with right after the deletion (undefined: 404). */
  uidNow?: string;
}

/** A Service removal took effect (and stays so until its undo): the Service existed, and the API answers 404 for it now. */
export function serviceGoneProof(e: ServiceGoneEvidence): FaultProof {
  const claim = `Service ${e.service} existed and is not found after its deletion`;
  const seen = `uid ${e.uidBefore ?? 'none'} before; ${e.uidNow === undefined ? 'not found now' : `still found now (uid ${e.uidNow})`}`;
  return proof(claim, e.uidBefore !== undefined && e.uidNow === undefined, seen, { ...e });
}
