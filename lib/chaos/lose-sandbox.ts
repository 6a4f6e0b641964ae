/**
 * The pod's sandbox is lost: stopped and removed through the CRI (`crictl stopp` + `rmp`), as after
 * a runtime crash that lost its state, or killed by SIGKILL to its pause process. Either way the
 * kubelet must make a new sandbox and, upstream says (kuberuntime_manager.go computePodActions),
 * run every init container again from the first.
 */
import type { NodeAccess } from '../cluster/provider.js';
import { pidOf, pollUntil, sandboxIds } from './cri.js';
import type { Fault } from './fault.js';
import type { FaultProof, SandboxEvidence } from './proof.js';
import { proofFailed, sandboxProof } from './proof.js';
import { sleep } from '../util/time.js';

/**
 * One crictl command, tried again (up to five times, 200 ms apart) while its error matches
 * `transient`; such an error counts as success once `doneAfter` (when given) says the command's
 * end is reached all the same.
 */
async function crictlRetrying(node: NodeAccess, args: string[], transient: RegExp, doneAfter?: () => Promise<boolean>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await node.crictl(args);
      return;
    } catch (err) {
      if (!transient.test((err as Error).message)) throw err;
      if (doneAfter && (await doneAfter())) return;
      if (attempt >= 5) throw err;
      await sleep(200);
    }
  }
}

/**
 * `crictl stopp`, tried again when the runtime failed tearing down the sandbox's network: the
 * kubelet, seeing the sandbox stop, stops it too, and one stop's CNI delete can meet the namespace
 * the other just removed ("unknown FS magic" on its path). Once that stop is done, another finds
 * the namespace gone and succeeds.
 */
function stopSandbox(node: NodeAccess, id: string): Promise<void> {
  return crictlRetrying(node, ['stopp', id], /failed to destroy network for sandbox/);
}

/**
 * `crictl rmp`, tried again (up to five times, 200 ms apart) while one of the sandbox's containers
 * is being removed or is gone ("already in removing state", "not found": the kubelet prunes exited
 * init containers at any moment). Such an error counts as done only when the runtime no longer
 * lists the sandbox. containerd answers the removal of a sandbox it no longer has with success
 * (internal/cri/server/sandbox_remove.go), so a "not found" is about a part of it, and the removal
 * stopped there: under load one left the sandbox in place, which the words alone had passed.
 */
function removeStoppedSandbox(node: NodeAccess, namespace: string, pod: string, id: string): Promise<void> {
  return crictlRetrying(node, ['rmp', id], /already in removing state|not found|does not exist/i, async () => !(await sandboxIds(node, namespace, pod, false)).includes(id));
}

/**
 * The proof of a sandbox loss: the old sandbox gone (`removed`) or no longer ready, and a new
 * ready one, waited for up to `waitMs` (the kubelet makes it at its next sync of the pod).
 */
async function proveLoss(node: NodeAccess, namespace: string, pod: string, before: string | undefined, removed: boolean, waitMs: number): Promise<FaultProof> {
  const claim = `the sandbox of ${pod} ${removed ? 'removed' : 'no longer ready'}, and a new ready sandbox with another id`;
  if (!before) return proofFailed(claim, new Error('no sandbox was found to take away'));
  try {
    const read = async (): Promise<SandboxEvidence> => {
      const [all, ready] = await Promise.all([sandboxIds(node, namespace, pod, false), sandboxIds(node, namespace, pod)]);
      return { before, stillListed: all.includes(before), stillReady: ready.includes(before), after: ready.find((id) => id !== before) };
    };
    return sandboxProof(await pollUntil(read, (e) => sandboxProof(e, removed).proven, waitMs, 500), removed);
  } catch (err) {
    return proofFailed(claim, err);
  }
}

async function theReadySandbox(node: NodeAccess, namespace: string, pod: string): Promise<string> {
  const found = await sandboxIds(node, namespace, pod);
  if (found.length !== 1) throw new Error(`expected one ready sandbox of ${namespace}/${pod}, found ${found.length}`);
  return found[0]!;
}

/** How long the proof waits for the new sandbox: `newSandboxWaitMs`, a minute unless told. */
export interface SandboxLossOptions {
  newSandboxWaitMs?: number;
}

export function removeSandbox(namespace: string, pod: string, o: SandboxLossOptions = {}): Fault {
  let before: string | undefined;
  return {
    description: `stop and remove the sandbox of ${pod} (crictl stopp + rmp)`,
    undoDescription: 'nothing to put back: the kubelet makes a new sandbox',
    async inject(node: NodeAccess) {
      before = await theReadySandbox(node, namespace, pod);
      await stopSandbox(node, before);
      await removeStoppedSandbox(node, namespace, pod, before);
    },
    prove: (node: NodeAccess) => proveLoss(node, namespace, pod, before, true, o.newSandboxWaitMs ?? 60_000),
    async undo() {
      /* the kubelet recreates it */
    },
  };
}

export function killPause(namespace: string, pod: string, o: SandboxLossOptions = {}): Fault {
  let before: string | undefined;
  return {
    description: `SIGKILL to the pause process of ${pod}'s sandbox`,
    undoDescription: 'nothing to put back: the kubelet makes a new sandbox',
    async inject(node: NodeAccess) {
      before = await theReadySandbox(node, namespace, pod);
      await node.signalProcess(await pidOf(node, before, true), 'SIGKILL');
    },
    prove: (node: NodeAccess) => proveLoss(node, namespace, pod, before, false, o.newSandboxWaitMs ?? 60_000),
    async undo() {
      /* the kubelet recreates it */
    },
  };
}
