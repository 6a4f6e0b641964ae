/**
 * The pod's sandbox is lost: stopped and removed through the CRI (`crictl stopp` + `rmp`), as after
 * a runtime crash that lost its state, or killed by SIGKILL to its pause process. Either way the
 * kubelet must make a new sandbox and, upstream says (kuberuntime_manager.go computePodActions),
 * run every init container again from the first.
 */
import type { NodeAccess } from '../cluster/provider.js';
import { pidOf, sandboxIds } from './cri.js';
import type { Fault } from './fault.js';
import { sleep } from '../util/time.js';

/**
 * `crictl rmp`, tried again while the runtime is busy removing one of the sandbox's containers
 * itself ("already in removing state": the kubelet prunes exited init containers at any moment),
 * up to five times, 200 ms apart. A sandbox already gone counts as removed.
 */
async function removeStoppedSandbox(node: NodeAccess, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await node.crictl(['rmp', id]);
      return;
    } catch (err) {
      const message = (err as Error).message;
      if (/not found|does not exist/i.test(message)) return;
      if (attempt >= 5 || !/already in removing state/.test(message)) throw err;
      await sleep(200);
    }
  }
}

export function removeSandbox(namespace: string, pod: string): Fault {
  return {
    description: `stop and remove the sandbox of ${pod} (crictl stopp + rmp)`,
    undoDescription: 'nothing to put back: the kubelet makes a new sandbox',
    async inject(node: NodeAccess) {
      const found = await sandboxIds(node, namespace, pod);
      if (found.length !== 1) throw new Error(`expected one ready sandbox of ${namespace}/${pod}, found ${found.length}`);
      await node.crictl(['stopp', found[0]!]);
      await removeStoppedSandbox(node, found[0]!);
    },
    async undo() {
      /* the kubelet recreates it */
    },
  };
}

export function killPause(namespace: string, pod: string): Fault {
  return {
    description: `SIGKILL to the pause process of ${pod}'s sandbox`,
    undoDescription: 'nothing to put back: the kubelet makes a new sandbox',
    async inject(node: NodeAccess) {
      const found = await sandboxIds(node, namespace, pod);
      if (found.length !== 1) throw new Error(`expected one ready sandbox of ${namespace}/${pod}, found ${found.length}`);
      await node.signalProcess(await pidOf(node, found[0]!, true), 'SIGKILL');
    },
    async undo() {
      /* the kubelet recreates it */
    },
  };
}
