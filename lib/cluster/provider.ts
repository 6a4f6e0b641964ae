/**
 * A cluster provider makes a cluster available and takes it away; a `RunningCluster` is what it
 * hands back, so nothing can ask for the kubeconfig of a cluster that never started. Optional
 * capabilities (loading images) are their own interfaces, implemented only where they make sense.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Progress } from '../progress.js';

export type ProviderName = 'local' | 'kubeconfig';

export interface CreateOptions {
  progress: Progress;
  signal?: AbortSignal;
}

export interface ClusterProvider {
  readonly name: ProviderName;
  /** Brings the cluster up, or finds it already up. */
  create(o: CreateOptions): Promise<RunningCluster>;
  /** Removes what this provider created (nothing, for a provider that created nothing). */
  destroy(o: CreateOptions): Promise<void>;
}

export interface RunningCluster {
  readonly provider: ProviderName;
  /** Whether this provider's create() brought the cluster up (false: it was running already, or is not ours). */
  readonly startedHere: boolean;
  /** The kubeconfig file to use, and its context (undefined: the file's current context). */
  readonly kubeconfigPath: string;
  readonly context?: string;
  kubeConfig(): KubeConfig;
  /** Copies the cluster's component logs into `dir`; returns the files written. */
  exportLogs(dir: string): Promise<string[]>;
  /** Ends this process's hold on the cluster (the embedded cluster's lock); the cluster keeps running. */
  release(): Promise<void>;
}

export interface ImageLoader {
  /** Imports an OCI or docker image archive into the node's runtime. */
  loadImageArchive(tarFile: string): Promise<void>;
}

export const canLoadImages = (c: RunningCluster): c is RunningCluster & ImageLoader =>
  typeof (c as Partial<ImageLoader>).loadImageArchive === 'function';

export function loadKubeConfig(file: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  if (context) kc.setCurrentContext(context);
  return kc;
}
