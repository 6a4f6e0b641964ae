/**
 * `down` of an embedded cluster, every node of it: its processes stopped in order (pods first,
 * through their cgroups, then each runtime and its shims), its networks, mounts, cgroups and folders
 * removed; and what of it is still on the host. Works from the state file when there is one, and
 * by path and name when not (a crashed `up`), each step tolerating its part being gone.
 */
import { promises as fs } from 'node:fs';
import { exists } from '../../util/fsx.js';
import type { Progress } from '../../progress.js';
import { removeFromFile } from '../kubeconfig-file.js';
import { extraNodeLeftovers, killExtraNodePods, teardownExtraNodes } from './extra-node.js';
import { killAndRemoveCgroups, mountsUnder, unmountAll } from './host.js';
import type { ClusterLayout } from './layout.js';
import { networkLeftovers, teardownNetwork } from './network.js';
import { componentOf, possibleExtraNodes } from './node-layout.js';
import type { ProcessRecord } from './processes.js';
import { isRunning, pidsWithCmdline, stopProcess } from './processes.js';
import { readState } from './state.js';

const STOP_ORDER = ['storage-provisioner', 'coredns', 'kube-proxy', 'kubelet', 'kube-scheduler', 'kube-controller-manager', 'containerd', 'kube-apiserver', 'etcd'];

/**
 * Stops and removes all of cluster `l`; returns what it could not remove. `hasSlot`: whether the
 * cluster holds its slot (without one it never made a network, and the addresses of the slot it
 * would claim may be another cluster's).
 */
export async function removeCluster(l: ClusterLayout, o: { hasSlot: boolean; progress: Progress }): Promise<string[]> {
  const state = await readState(l.stateFile);
  const problems: string[] = [];
  await o.progress.step('stop cluster processes', async () => {
    const byComponent = new Map<string, ProcessRecord[]>();
    for (const p of state?.processes ?? []) byComponent.set(componentOf(p.name), [...(byComponent.get(componentOf(p.name)) ?? []), p]);
    for (const name of STOP_ORDER) {
      if (name === 'containerd') {
        // Pods first: kill their containers through their cgroups, then the runtimes and their shims.
        problems.push(...(await killAndRemoveCgroups(l.cgroupRoot)).map((d) => `cgroup ${d}`));
        problems.push(...(await killExtraNodePods(l)));
      }
      await Promise.all((byComponent.get(name) ?? []).map((p) => stopProcess(p)));
      if (name === 'containerd') {
        for (const pid of (await Promise.all([l, ...possibleExtraNodes(l)].map((n) => pidsWithCmdline(n.containerdSocket)))).flat()) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
    }
  });
  await o.progress.step('remove network, mounts and files', async () => {
    if (o.hasSlot) problems.push(...(await teardownExtraNodes(l)), ...(await teardownNetwork(l)));
    problems.push(...(await unmountAll([l.dataDir, l.runDir])).map((m) => `mount ${m}`));
    problems.push(...(await killAndRemoveCgroups(l.cgroupRoot)).map((d) => `cgroup ${d}`));
    if (state?.mergedKubeconfig) await removeFromFile(state.mergedKubeconfig.file, l.context, state.mergedKubeconfig.previousContext).catch(() => undefined);
    if (!(await mountsUnder([l.dataDir, l.runDir])).length) {
      await fs.rm(l.runDir, { recursive: true, force: true });
      await fs.rm(l.dataDir, { recursive: true, force: true });
    }
  });
  return problems;
}

/** Everything of cluster `l` still on the host: processes, mounts, network (every node's, when it holds its slot), folders. */
export async function clusterLeftovers(l: ClusterLayout, hasSlot: boolean): Promise<string[]> {
  const left: string[] = [];
  const state = await readState(l.stateFile);
  for (const p of state?.processes ?? []) if (await isRunning(p)) left.push(`process ${p.name} (pid ${p.pid})`);
  // With the trailing slash: cluster "initc" must not claim the processes of a cluster named "initc2".
  for (const pid of await pidsWithCmdline(`${l.dataDir}/`)) left.push(`process pid ${pid} (uses ${l.dataDir})`);
  for (const pid of await pidsWithCmdline(`${l.runDir}/`)) left.push(`process pid ${pid} (uses ${l.runDir})`);
  for (const m of await mountsUnder([l.dataDir, l.runDir])) left.push(`mount ${m}`);
  if (hasSlot) left.push(...(await networkLeftovers(l)), ...(await extraNodeLeftovers(l)));
  for (const d of [l.dataDir, l.runDir]) if (await exists(d)) left.push(`folder ${d}`);
  return [...new Set(left)];
}
