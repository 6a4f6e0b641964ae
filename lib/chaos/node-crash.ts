/**
 * A node's crash as one pod lives it, for the known upstream bug (lib/checks/stale-sandbox.ts):
 * while its app container's start is blocked at the runtime (created, never started), the kubelet
 * is stopped, containerd is killed with SIGKILL, and the pod's shim with every process under it
 * (pause, the blocked `runc create`) is killed the same way; containerd starts again and finds the
 * app container of the old sandbox still CONTAINER_CREATED, then the kubelet starts and makes a
 * new sandbox. Unlike the reboot of node-faults.ts nothing is removed through the CRI: what the
 * runtime keeps across the crash is the point. The other pods keep their shims.
 *
 * Why containerd must die mid-start (containerd v2.2.9, the embedded cluster's): a StartContainer
 * that fails marks the container EXITED with reason StartError (internal/cri/server/
 * container_start.go), so a sandbox lost while containerd lives (lose-sandbox.ts) leaves no
 * CREATED container behind; the in-flight "starting" flag is not saved (store/container/status.go,
 * `json:"-"`), and on restart a container with no task and no start time stays CONTAINER_CREATED
 * (server/restart.go).
 */
import type { BlockedStart, CrashesNode, NodeAccess } from '../cluster/provider.js';
import { NodeCapabilityMissing, canCrashNode } from '../cluster/provider.js';
import type { CrashEvidence, CriListing } from '../checks/stale-sandbox.js';
import { READY, crashProof, parseCriContainers, parseCriSandboxes } from '../checks/stale-sandbox.js';
import { pidOf, pollUntil } from './cri.js';
import type { Fault } from './fault.js';
import { ensureNodeRunning } from './node-faults.js';
import { proofFailed } from './proof.js';

function podLabels(namespace: string, pod: string) {
  return ['--label', `io.kubernetes.pod.namespace=${namespace}`, '--label', `io.kubernetes.pod.name=${pod}`];
}

/** The pod's containers (all states) and sandboxes, as the runtime lists them. */
export async function podListing(node: NodeAccess, namespace: string, pod: string): Promise<CriListing> {
  const [containers, sandboxes] = await Promise.all([node.crictl(['ps', '-a', '-o', 'json', ...podLabels(namespace, pod)]), node.crictl(['pods', '-o', 'json', ...podLabels(namespace, pod)])]);
  return { containers: parseCriContainers(containers), sandboxes: parseCriSandboxes(sandboxes) };
}

export function crashingNode(node: NodeAccess): NodeAccess & CrashesNode {
  if (!canCrashNode(node)) throw new NodeCapabilityMissing('a crash with a container blocked at its start needs the embedded cluster (initc\'s runc wrapper, the node\'s processes)');
  return node;
}

/**
 * The crash fault; `blocked` is the app's start, blocked before the pod was made (released by
 * undo). Without it (the control) the same crash hits a pod whose app runs: no container is left
 * CONTAINER_CREATED, and the proof asks for none.
 */
export function crashWithStaleContainer(namespace: string, pod: string, app: string, blocked?: BlockedStart): Fault & { evidence(): CrashEvidence } {
  const evidence: CrashEvidence = { app, variant: blocked ? 'stale' : 'control' };
  return {
    description: `node crash ${blocked ? `while ${app}'s start is blocked at the runtime` : `with ${app} running (control)`}: kubelet stopped, containerd SIGKILLed, ${pod}'s shim and its processes SIGKILLed, containerd started, kubelet started`,
    undoDescription: `containerd and the kubelet running${blocked ? `; ${app}'s start released` : ''}`,
    async inject(target: NodeAccess) {
      const node = crashingNode(target);
      const ready = parseCriSandboxes(await node.crictl(['pods', '-o', 'json', ...podLabels(namespace, pod)])).filter((s) => s.state === READY);
      if (ready.length !== 1) throw new Error(`expected one ready sandbox of ${namespace}/${pod}, found ${ready.length}`);
      evidence.oldSandbox = ready[0]!.id;
      const pause = await pidOf(node, evidence.oldSandbox, true);
      evidence.crashUptime = await node.nodeUptime();
      await node.stopComponent('kubelet');
      await node.killRuntime();
      await node.killShimOf(pause);
      await node.startComponent('containerd');
      evidence.afterRuntimeRestart = await podListing(node, namespace, pod);
      await node.startComponent('kubelet');
    },
    async prove(node: NodeAccess) {
      if (!evidence.oldSandbox) return proofFailed('the old sandbox read before the crash', new Error('nothing was read before the crash'));
      try {
        const newReady = async () => (await podListing(node, namespace, pod)).sandboxes.find((s) => s.state === READY && s.id !== evidence.oldSandbox)?.id;
        evidence.newSandbox = await pollUntil(newReady, (id) => id !== undefined, 60_000, 500);
        return crashProof(evidence);
      } catch (err) {
        return proofFailed('a new ready sandbox after the crash', err);
      }
    },
    async undo(node: NodeAccess) {
      await ensureNodeRunning(node);
      await blocked?.release();
    },
    evidence: () => evidence,
  };
}
