/**
 * The pod's sandbox is lost: stopped and removed through the CRI (`crictl stopp` + `rmp`), as after
 * a runtime crash that lost its state, or killed by SIGKILL to its pause process. Either way the
 * kubelet must make a new sandbox and, upstream says (kuberuntime_manager.go computePodActions),
 * run every init container again from the first.
 */
import type { NodeAccess } from '../cluster/provider.js';
import { pidOf, sandboxIds } from './cri.js';
import type { Fault } from './fault.js';

export function removeSandbox(namespace: string, pod: string): Fault {
  return {
    description: `stop and remove the sandbox of ${pod} (crictl stopp + rmp)`,
    undoDescription: 'nothing to put back: the kubelet makes a new sandbox',
    async inject(node: NodeAccess) {
      const found = await sandboxIds(node, namespace, pod);
      if (found.length !== 1) throw new Error(`expected one ready sandbox of ${namespace}/${pod}, found ${found.length}`);
      await node.crictl(['stopp', found[0]!]);
      await node.crictl(['rmp', found[0]!]);
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
