/**
 * Faults as declared objects (as chaos-mesh and litmus do): each says what it does, injects it,
 * proves it took effect, and knows how to undo it. `injectFault` records both moments on the pod's
 * timeline, with how long each took, and the proof; it always undoes: when the test goes on, when
 * it fails, and when the run is interrupted (the undo is registered before the injection starts).
 * A fault that cannot prove its effect ends the test broken (FaultNotProven).
 */
import type { NodeAccess } from '../cluster/provider.js';
import type { PodTimeline } from '../observe/timeline.js';
import type { FaultProof } from './proof.js';
import { FaultNotProven, noProof } from './proof.js';

/** A fault, acting on its target: the node (NodeAccess) for most, the API (a KubeConfig) for a Service outage. */
export interface Fault<Target = NodeAccess> {
  /** What is done, in words that stand in the timeline: "SIGKILL to init-b's process (pid 4242)". */
  readonly description: string;
  inject(target: Target): Promise<void>;
  /** Puts back what inject changed; safe to call when inject failed half-way or never ran. */
  undo(target: Target): Promise<void>;
  /** What undo does, for the timeline ("nothing: the kubelet restarts the container"). */
  readonly undoDescription: string;
  /**
   * Right after inject: collects what shows the fault took effect and judges it (the judges in
   * proof.ts). A fault without it is never proven. It must not throw: a failure to collect is an
   * unproven proof that says so (proofFailed).
   */
  prove?(target: Target): Promise<FaultProof>;
}

export interface Injection {
  fault: string;
  injectedAt: string;
  injectMs: number;
  undoneAt?: string;
  undoMs?: number;
  error?: string;
  /** What showed the fault took effect: its own proof, then any the test added (requireProof). */
  proofs: FaultProof[];
}

/** The proofs of each injection, one line each, for the test's evidence. */
export function describeProofs(injections: Injection[]): string {
  return injections
    .map((i) => [`${i.fault}${i.error ? ` (${i.error})` : ''}`, ...(i.proofs.length ? i.proofs.map((p) => `  ${p.proven ? 'proven' : 'NOT PROVEN'}: ${p.claim}; seen: ${p.seen}`) : ['  no proof recorded'])].join('\n'))
    .join('\n');
}

/** Adds `proof` to the injection's record; throws FaultNotProven when it is not proven. */
export function requireProof(record: Injection, proof: FaultProof): void {
  record.proofs.push(proof);
  if (!proof.proven) throw new FaultNotProven(record.fault, proof);
}

const pending = new Set<() => Promise<void>>();

/** Undoes every fault still in force in this process (on Ctrl-C, or after a failed test). */
export async function undoAllFaults(): Promise<void> {
  for (const undo of [...pending]) await undo().catch(() => undefined);
}

/**
 * Injects `fault`, recording it on `timeline`; returns the undo to call when the test has seen what
 * it needed (the kit also calls it when the test ends). `undo` runs at most once.
 */
export async function injectFault<T>(target: T, timeline: PodTimeline, fault: Fault<T>, log: Injection[]): Promise<() => Promise<void>> {
  const record: Injection = { fault: fault.description, injectedAt: new Date().toISOString(), injectMs: 0, proofs: [] };
  log.push(record);
  let undone: Promise<void> | undefined;
  const undo = () => {
    undone ??= (async () => {
      pending.delete(undo);
      const t0 = Date.now();
      try {
        await fault.undo(target);
      } catch (err) {
        record.error = `undo failed: ${(err as Error).message}`;
        timeline.mark(`UNDO FAILED ${fault.description}: ${(err as Error).message}`);
        throw err;
      } finally {
        record.undoneAt = new Date().toISOString();
        record.undoMs = Date.now() - t0;
      }
      timeline.mark(`undone (${record.undoMs} ms): ${fault.undoDescription}`);
    })();
    return undone;
  };
  pending.add(undo);
  const t0 = Date.now();
  timeline.mark(`INJECT ${fault.description}`);
  try {
    await fault.inject(target);
  } catch (err) {
    record.error = `inject failed: ${(err as Error).message}`;
    await undo().catch(() => undefined);
    throw err;
  }
  record.injectMs = Date.now() - t0;
  timeline.mark(`injected (${record.injectMs} ms): ${fault.description}`);
  const proof = fault.prove ? await fault.prove(target) : noProof();
  timeline.mark(`${proof.proven ? 'PROVEN' : 'NOT PROVEN'}: ${proof.claim}; ${proof.seen}`);
  try {
    requireProof(record, proof);
  } catch (err) {
    await undo().catch(() => undefined);
    throw err;
  }
  return undo;
}
