/**
 * Faults of the node itself: its kubelet or its container runtime restarted (stopped, down for a
 * while, started again), and a node reboot (kubelet stopped, every sandbox and container removed,
 * the runtime restarted, the kubelet started: what a node finds after a reboot). Their undo always
 * leaves both components running, whatever happened in between.
 *
 * A node reached only through the cluster (a privileged pod: exec needs the API server, the kubelet
 * and containerd) cannot stop a component and start it later: there each fault is one detached
 * command on the node (DetachedNodeRestarts), used whenever the node access offers it.
 */
import type { NodeAccess, NodeComponent } from '../cluster/provider.js';
import { restartsDetached } from '../cluster/provider.js';
import { allSandboxIds } from './cri.js';
import type { Fault } from './fault.js';
import { sleep } from '../util/time.js';

export async function ensureNodeRunning(node: NodeAccess): Promise<void> {
  for (const c of ['kube-apiserver', 'containerd', 'kubelet'] as const) if (!(await node.componentRunning(c))) await node.startComponent(c);
}

export function restartComponent(component: NodeComponent, downMs: number): Fault {
  return {
    description: `restart ${component} (stopped with SIGTERM, down for ${downMs / 1000}s)`,
    undoDescription: 'the API server, containerd and the kubelet running',
    async inject(node: NodeAccess) {
      if (restartsDetached(node)) return node.restartComponent(component, downMs);
      await node.stopComponent(component);
      await sleep(downMs);
      await node.startComponent(component);
    },
    undo: ensureNodeRunning,
  };
}

export function rebootNode(): Fault {
  return {
    description: 'node reboot: kubelet stopped, every sandbox stopped and removed, containerd restarted, kubelet started',
    undoDescription: 'containerd and the kubelet running',
    async inject(node: NodeAccess) {
      if (restartsDetached(node)) return node.rebootNode();
      await node.stopComponent('kubelet');
      const sandboxes = await allSandboxIds(node);
      for (const id of sandboxes) await node.crictl(['stopp', id]);
      for (const id of sandboxes) await node.crictl(['rmp', '--force', id]);
      await node.stopComponent('containerd');
      await node.startComponent('containerd');
      await node.startComponent('kubelet');
    },
    undo: ensureNodeRunning,
  };
}
