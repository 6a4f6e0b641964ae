/** A signal to a running container's main process on the node: the container dies as if it crashed (SIGKILL) or was told to stop (SIGTERM). */
import type { NodeAccess } from '../cluster/provider.js';
import { pidOf, runningContainerId } from './cri.js';
import type { Fault } from './fault.js';

export function killContainer(namespace: string, pod: string, container: string, signal: 'SIGKILL' | 'SIGTERM'): Fault {
  return {
    description: `${signal} to the process of container ${container} of ${pod}`,
    undoDescription: 'nothing to put back: the kubelet decides what runs next',
    async inject(node: NodeAccess) {
      const pid = await pidOf(node, await runningContainerId(node, namespace, pod, container));
      await node.signalProcess(pid, signal);
    },
    async undo() {
      /* a killed process is not brought back by us */
    },
  };
}
