/**
 * A running embedded cluster (what `LocalClusterProvider.create` returns): its kubeconfig, node
 * access to each of its nodes (node 0 through this object itself), image loading into every
 * node's containerd, its logs, and the lock a run holds on it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { InitcError } from '../../errors.js';
import type { ImageLoader, NodeAccess, NodeComponent, Nodes, RunningCluster } from '../provider.js';
import { loadKubeConfig } from '../provider.js';
import { importImage } from './images.js';
import type { ClusterLayout } from './layout.js';
import type { HeldLock } from './lock.js';
import { LocalNode } from './node.js';
import { nodeLayouts } from './node-layout.js';
import type { ClusterState } from './state.js';

export class LocalCluster implements RunningCluster, ImageLoader, NodeAccess, Nodes {
  readonly provider = 'local' as const;
  readonly context: string;
  private readonly node: LocalNode;

  constructor(
    readonly layout: ClusterLayout,
    readonly state: ClusterState,
    readonly startedHere = false,
    private readonly lock?: HeldLock,
  ) {
    this.context = layout.context;
    this.node = new LocalNode(layout);
  }

  /** Every node's layout, node 0 (this cluster's own) first. */
  get nodeLayouts(): ClusterLayout[] {
    return nodeLayouts(this.layout, this.state.nodes ?? 1);
  }

  nodeNames(): string[] {
    return this.nodeLayouts.map((n) => n.nodeName);
  }

  nodeAccess(name: string): LocalNode {
    if (name === this.layout.nodeName) return this.node;
    const n = this.nodeLayouts.find((x) => x.nodeName === name);
    if (!n) throw new InitcError('usage', `the embedded cluster "${this.layout.name}" has no node ${name} (its nodes: ${this.nodeNames().join(', ')})`);
    return new LocalNode(n);
  }

  async release(): Promise<void> {
    await this.lock?.release();
  }

  get nodeName(): string {
    return this.layout.nodeName;
  }
  crictl(args: string[]): Promise<string> {
    return this.node.crictl(args);
  }
  signalProcess(pid: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    return this.node.signalProcess(pid, signal);
  }
  stopComponent(c: NodeComponent): Promise<void> {
    return this.node.stopComponent(c);
  }
  startComponent(c: NodeComponent): Promise<void> {
    return this.node.startComponent(c);
  }
  componentRunning(c: NodeComponent): Promise<boolean> {
    return this.node.componentRunning(c);
  }
  holdNextStart(namespace: string, container: string): Promise<() => Promise<boolean>> {
    return this.node.holdNextStart(namespace, container);
  }
  componentPid(c: NodeComponent): Promise<number | undefined> {
    return this.node.componentPid(c);
  }

  get kubeconfigPath(): string {
    return this.layout.kubeconfig;
  }

  kubeConfig(): KubeConfig {
    return loadKubeConfig(this.layout.kubeconfig, this.context);
  }

  async exportLogs(dir: string): Promise<string[]> {
    await fs.mkdir(dir, { recursive: true });
    const written: string[] = [];
    for (const f of await fs.readdir(this.layout.logDir).catch(() => [] as string[])) {
      await fs.copyFile(path.join(this.layout.logDir, f), path.join(dir, f));
      written.push(path.join(dir, f));
    }
    return written;
  }

  async loadImageArchive(tarFile: string): Promise<void> {
    if (!this.state.binaries) throw new InitcError('notRunning', `the embedded cluster "${this.layout.name}" has no containerd running`);
    for (const n of this.nodeLayouts) await importImage(this.state.binaries.ctr, n.containerdSocket, tarFile);
  }
}
