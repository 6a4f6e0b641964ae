/**
 * Faults of the node itself: its kubelet or its container runtime restarted (stopped, down for a
 * while, started again), and a node reboot (kubelet stopped, every sandbox and container removed,
 * the runtime restarted, the kubelet started: what a node finds after a reboot). Their undo always
 * leaves both components running, whatever happened in between.
 *
 * A node reached only through the cluster (a privileged pod: exec needs the API server, the kubelet
 * and containerd) cannot stop a component and start it later: there each fault is one detached
 * command on the node (DetachedNodeRestarts), used whenever the node access offers it.
 *
 * Each proves it took effect (lib/chaos/proof.ts) by the components' pids, read before and after
 * where the node access tells them (ComponentPids), and for a restart by seeing it down between.
 */
import type { NodeAccess, NodeComponent } from '../cluster/provider.js';
import { NodeCapabilityMissing, readsComponentPids, restartsDetached } from '../cluster/provider.js';
import { allSandboxIds } from './cri.js';
import type { Fault } from './fault.js';
import type { DownWindow, RestartEvidence } from './proof.js';
import { proofFailed, rebootProof, restartProof } from './proof.js';
import { sleep } from '../util/time.js';

export async function ensureNodeRunning(node: NodeAccess): Promise<void> {
  for (const c of ['kube-apiserver', 'containerd', 'kubelet'] as const) {
    let running: boolean;
    try {
      running = await node.componentRunning(c);
    } catch (err) {
      // A node of several that runs no API server (a worker, an embedded cluster's node 1..): nothing of it to start.
      if (c === 'kube-apiserver' && err instanceof NodeCapabilityMissing) continue;
      throw err;
    }
    if (!running) await node.startComponent(c);
  }
}

/** The component's pid where the node access can tell it (ComponentPids), else undefined (never proven). */
function pidOfComponent(node: NodeAccess, c: NodeComponent): Promise<number | undefined> {
  return readsComponentPids(node) ? node.componentPid(c) : Promise.resolve(undefined);
}

export interface ComponentRestart extends Fault {
  /** From the moment the stop began to the moment the component served again (after inject). */
  downWindow(): DownWindow | undefined;
}

/** A restart proves itself: a new pid, seen down in between (step by step), gone for at least `downMs`. */
export function restartComponent(component: NodeComponent, downMs: number): ComponentRestart {
  let window: DownWindow | undefined;
  let evidence: RestartEvidence | undefined;
  return {
    description: `restart ${component} (stopped with SIGTERM, down for ${downMs / 1000}s)`,
    undoDescription: 'the API server, containerd and the kubelet running',
    async inject(node: NodeAccess) {
      const pidBefore = await pidOfComponent(node, component);
      const t0 = Date.now();
      const from = new Date(t0).toISOString();
      let seenDown: boolean | undefined;
      if (restartsDetached(node)) {
        await node.restartComponent(component, downMs);
      } else {
        await node.stopComponent(component);
        seenDown = !(await node.componentRunning(component));
        await sleep(downMs);
        await node.startComponent(component);
      }
      window = { from, to: new Date().toISOString() };
      evidence = { component, pidBefore, seenDown, gapMs: Date.now() - t0 };
    },
    async prove(node: NodeAccess) {
      if (!evidence) return proofFailed(`${component} restarted`, new Error('the restart did not finish'));
      try {
        return restartProof({ ...evidence, pidAfter: await pidOfComponent(node, component) }, downMs);
      } catch (err) {
        return proofFailed(`${component} running under a new pid`, err);
      }
    },
    downWindow: () => window,
    undo: ensureNodeRunning,
  };
}

/** A reboot proves itself: every sandbox the node had is gone, and the kubelet and containerd run under new pids. */
export function rebootNode(): Fault {
  let before: { sandboxes: string[]; kubelet?: number; containerd?: number } | undefined;
  return {
    description: 'node reboot: kubelet stopped, every sandbox stopped and removed, containerd restarted, kubelet started',
    undoDescription: 'containerd and the kubelet running',
    async inject(node: NodeAccess) {
      const sandboxes = await allSandboxIds(node);
      before = { sandboxes, kubelet: await pidOfComponent(node, 'kubelet'), containerd: await pidOfComponent(node, 'containerd') };
      if (restartsDetached(node)) return node.rebootNode();
      await node.stopComponent('kubelet');
      for (const id of sandboxes) await node.crictl(['stopp', id]);
      for (const id of sandboxes) await node.crictl(['rmp', '--force', id]);
      await node.stopComponent('containerd');
      await node.startComponent('containerd');
      await node.startComponent('kubelet');
    },
    async prove(node: NodeAccess) {
      if (!before) return proofFailed('the node rebooted', new Error('nothing was read before the reboot'));
      try {
        const now = await allSandboxIds(node);
        return rebootProof({
          sandboxesBefore: before.sandboxes,
          survivors: before.sandboxes.filter((id) => now.includes(id)),
          kubelet: { before: before.kubelet, after: await pidOfComponent(node, 'kubelet') },
          containerd: { before: before.containerd, after: await pidOfComponent(node, 'containerd') },
        });
      } catch (err) {
        return proofFailed('every sandbox gone, the kubelet and containerd under new pids', err);
      }
    },
    undo: ensureNodeRunning,
  };
}
