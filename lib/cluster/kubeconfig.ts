/**
 * Any existing cluster, given by kubeconfig (`--kubeconfig`, else $KUBECONFIG, else ~/.kube/config)
 * and optionally `--context`. It starts nothing and destroys nothing: a run deletes only the
 * namespaces it labelled as its own.
 */
import { promises as fs } from 'node:fs';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { InitcError } from '../errors.js';
import { defaultKubeconfigPath } from './kubeconfig-file.js';
import type { ClusterProvider, CreateOptions, RunningCluster } from './provider.js';

export interface KubeconfigProviderOptions {
  kubeconfig?: string;
  context?: string;
  /** How long to wait for the API server's /version. */
  reachTimeoutMs?: number;
}

export class ExistingCluster implements RunningCluster {
  readonly provider = 'kubeconfig' as const;
  readonly startedHere = false;

  constructor(
    readonly kubeconfigPath: string,
    private readonly kc: KubeConfig,
    readonly context: string,
  ) {}

  kubeConfig(): KubeConfig {
    return this.kc;
  }

  async exportLogs(): Promise<string[]> {
    return []; // an existing cluster's component logs are not ours to read
  }

  async release(): Promise<void> {
    /* nothing is held on a cluster that is not ours */
  }
}

export class KubeconfigProvider implements ClusterProvider {
  readonly name = 'kubeconfig' as const;

  constructor(private readonly opts: KubeconfigProviderOptions = {}) {}

  async create({ progress, signal }: CreateOptions): Promise<ExistingCluster> {
    const file = this.opts.kubeconfig ?? defaultKubeconfigPath();
    return progress.step(`connect to the cluster of ${file}`, async () => {
      try {
        await fs.access(file);
      } catch {
        throw new InitcError('kubeconfig', `kubeconfig ${file} cannot be read (missing or no permission)`);
      }
      const kc = new KubeConfig();
      try {
        kc.loadFromFile(file);
      } catch (err) {
        throw new InitcError('kubeconfig', `kubeconfig ${file} is not a valid kubeconfig: ${(err as Error).message.split('\n')[0]}`);
      }
      const context = this.opts.context ?? kc.getCurrentContext();
      if (!context || !kc.getContextObject(context)) {
        const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
        throw new InitcError('kubeconfig', `kubeconfig ${file} has no context "${context ?? ''}" (contexts: ${known})`);
      }
      kc.setCurrentContext(context);
      const server = kc.getCurrentCluster()?.server ?? '(no server)';
      try {
        const version = await withTimeout(kc.makeApiClient(VersionApi).getCode(), this.opts.reachTimeoutMs ?? 10_000, signal);
        progress.info(`cluster ${server} answers: Kubernetes ${version.gitVersion}`);
      } catch (err) {
        if (err instanceof InitcError) throw err;
        throw new InitcError('kubeconfig', `the cluster of context "${context}" (${server}) cannot be reached: ${firstLine(err)}`);
      }
      return new ExistingCluster(file, kc, context);
    });
  }

  async destroy(): Promise<void> {
    /* nothing of an existing cluster is ours to destroy */
  }
}

function firstLine(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  return (e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err)).split('\n')[0]!;
}

/** `p`, or a rejection after `ms` or when `signal` aborts (Ctrl-C while a cluster does not answer). */
function withTimeout<T>(p: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
    const aborted = () => (clearTimeout(t), reject(new InitcError('interrupted', 'interrupted while connecting to the cluster')));
    if (signal?.aborted) return aborted();
    signal?.addEventListener('abort', aborted, { once: true });
    p.then((v) => (clearTimeout(t), resolve(v)), (e) => (clearTimeout(t), reject(e))).finally(() => signal?.removeEventListener('abort', aborted));
  });
}
