/**
 * A running kind cluster (what `KindProvider.create` returns): its kubeconfig and context, node
 * access to each node container (the control plane through this object itself), `kind load
 * image-archive` and `kind export logs`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { InitcError } from '../../errors.js';
import type { ImageLoader, NodeAccess, NodeComponent, Nodes, ProviderName, RunningCluster } from '../provider.js';
import { loadKubeConfig } from '../provider.js';
import { kindNodeNames } from './config.js';
import { kindCli } from './kind-binary.js';
import { KindNode, kindNodeName } from './node.js';

async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(p)));
    else out.push(p);
  }
  return out;
}

export class KindCluster implements RunningCluster, ImageLoader, NodeAccess, Nodes {
  readonly provider: ProviderName = 'kind';
  readonly context: string;
  /** The control-plane node, which the cluster itself serves as NodeAccess. */
  readonly nodeName: string;
  private readonly node: KindNode;
  private readonly nodes: Map<string, KindNode>;

  /** `nodes`: the node containers, the control plane first (kindNodeNames, or `kind get nodes`). */
  constructor(
    readonly clusterName: string,
    private readonly kind: string,
    readonly kubeconfigPath: string,
    readonly startedHere: boolean,
    nodes: string[] = kindNodeNames(clusterName, 1),
  ) {
    this.context = `kind-${clusterName}`;
    this.nodes = new Map(nodes.map((n) => [n, new KindNode(clusterName, n)]));
    this.nodeName = kindNodeName(clusterName);
    const node = this.nodes.get(this.nodeName);
    if (!node) throw new InitcError('componentFailed', `the kind cluster ${clusterName} has no node ${this.nodeName} (its nodes: ${nodes.join(', ') || 'none'})`);
    this.node = node;
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  nodeAccess(name: string): KindNode {
    const node = this.nodes.get(name);
    if (!node) throw new InitcError('usage', `the kind cluster ${this.clusterName} has no node ${name} (its nodes: ${this.nodeNames().join(', ')})`);
    return node;
  }

  kubeConfig(): KubeConfig {
    return loadKubeConfig(this.kubeconfigPath, this.context);
  }

  async exportLogs(dir: string): Promise<string[]> {
    await fs.mkdir(dir, { recursive: true });
    const r = await kindCli(this.kind, ['export', 'logs', dir, '--name', this.clusterName]);
    if (r.exitCode !== 0) throw new InitcError('componentFailed', `kind export logs --name ${this.clusterName} failed: ${String(r.all).trim().split('\n').pop()}`);
    return walkFiles(dir);
  }

  async release(): Promise<void> {
    /* kind clusters hold no lock of ours */
  }

  async loadImageArchive(tarFile: string): Promise<void> {
    const r = await kindCli(this.kind, ['load', 'image-archive', tarFile, '--name', this.clusterName]);
    if (r.exitCode !== 0) throw new InitcError('componentFailed', `kind load image-archive ${path.basename(tarFile)} failed: ${String(r.all).trim().split('\n').pop()}`);
  }

  crictl(args: string[]): Promise<string> {
    return this.node.crictl(args);
  }
  signalProcess(pid: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    return this.node.signalProcess(pid, signal);
  }
  componentRunning(c: NodeComponent): Promise<boolean> {
    return this.node.componentRunning(c);
  }
  componentPid(c: NodeComponent): Promise<number | undefined> {
    return this.node.componentPid(c);
  }
  stopComponent(c: NodeComponent): Promise<void> {
    return this.node.stopComponent(c);
  }
  startComponent(c: NodeComponent): Promise<void> {
    return this.node.startComponent(c);
  }
}
