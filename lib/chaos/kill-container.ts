/** A signal to a running container's main process on the node: the container dies as if it crashed (SIGKILL) or was told to stop (SIGTERM). */
import type { NodeAccess } from '../cluster/provider.js';
import { containerState, pidOf, pollUntil, runningContainerId } from './cri.js';
import type { Fault, Injection } from './fault.js';
import type { KillEvidence } from './proof.js';
import { killProof, proofFailed } from './proof.js';

/**
 * The kill proves itself (killProof): the runtime reports the signalled container exited with
 * 128 + the signal's number, waited for up to `exitWaitMs`.
 */
export function killContainer(namespace: string, pod: string, container: string, signal: 'SIGKILL' | 'SIGTERM', o: { exitWaitMs?: number } = {}): Fault {
  let killed: Omit<KillEvidence, 'state' | 'exitCode'> | undefined;
  return {
    description: `${signal} to the process of container ${container} of ${pod}`,
    undoDescription: 'nothing to put back: the kubelet decides what runs next',
    async inject(node: NodeAccess) {
      const containerId = await runningContainerId(node, namespace, pod, container);
      const pid = await pidOf(node, containerId);
      killed = { container, containerId, pid, signal };
      await node.signalProcess(pid, signal).catch((err: unknown) => {
        // It ended between the look and the signal (a container of well under a second): nothing
        // was killed, and the proof says so with the exit code the container ended with itself.
        if (!noSuchProcess(err)) throw err;
      });
    },
    async prove(node: NodeAccess) {
      const claim = `container ${container} exited with the exit code of ${signal}`;
      if (!killed) return proofFailed(claim, new Error('no container was signalled'));
      const k = killed;
      try {
        const seen = await pollUntil(() => containerState(node, k.containerId), (s) => s.state !== 'CONTAINER_RUNNING', o.exitWaitMs ?? 10_000);
        return killProof({ ...k, ...seen });
      } catch (err) {
        return proofFailed(claim, err);
      }
    },
    async undo() {
      /* a killed process is not brought back by us */
    },
  };
}

/**
 * A signal's failure because its process is gone: ESRCH from process.kill, or a shell's `kill`
 * saying "No such process" (procps, busybox and dash all do). Any other failure (EPERM, a node
 * that cannot be reached) is not that.
 */
export function noSuchProcess(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; stderr?: unknown } | undefined;
  return e?.code === 'ESRCH' || /no such process/i.test(`${String(e?.message)}\n${String(e?.stderr)}`);
}

/** The exit code the runtime reported for the last killed container among these injections, when its kill was proven (killProof). */
export function runtimeExitOfKill(injections: readonly Injection[]): number | undefined {
  for (const injection of [...injections].reverse()) {
    for (const p of injection.proofs) if (p.proven && typeof p.evidence['expectedExitCode'] === 'number' && typeof p.evidence['exitCode'] === 'number') return p.evidence['exitCode'];
  }
  return undefined;
}
