/**
 * Waits as objects: each knows what it waits for, its own timeout, and which states make waiting
 * pointless (waiting for Running when the pod already Failed fails at once, saying so). They are
 * driven by a watch of the one pod, resumed from the last resourceVersion when it drops.
 */
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';

export interface PodWait {
  /** What is awaited, for messages: "pod Running". */
  readonly description: string;
  readonly timeoutMs: number;
  met(pod: V1Pod): boolean;
  /** Why the awaited state can no longer come, or undefined while it still can. */
  hopeless(pod: V1Pod): string | undefined;
}

export class WaitFailed extends Error {
  constructor(
    message: string,
    readonly lastSeen: V1Pod | undefined,
  ) {
    super(message);
    this.name = 'WaitFailed';
  }
}

export function podRunning(timeoutMs = 120_000): PodWait {
  return {
    description: 'pod phase Running',
    timeoutMs,
    met: (p) => p.status?.phase === 'Running',
    hopeless: (p) => (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded' ? `the pod is already ${p.status.phase}` : undefined),
  };
}

const summary = (p: V1Pod | undefined) => {
  if (!p) return 'the pod was never seen';
  const states = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]
    .map((c) => `${c.name}=${Object.keys(c.state ?? {})[0] ?? '?'}${c.state?.waiting?.reason ? `(${c.state.waiting.reason})` : ''}${c.state?.terminated ? `(exit ${c.state.terminated.exitCode})` : ''}`)
    .join(' ');
  return `phase ${p.status?.phase ?? '?'}${states ? `, containers ${states}` : ''}`;
};

/** Resolves with the first observed pod that meets `wait`; rejects at once on a hopeless state or at its timeout. */
export async function waitForPod(kc: KubeConfig, namespace: string, name: string, wait: PodWait, signal?: AbortSignal): Promise<V1Pod> {
  const core = kc.makeApiClient(CoreV1Api);
  const watch = new Watch(kc);
  let last: V1Pod | undefined;
  let controller: AbortController | undefined;
  let settled = false;

  return new Promise<V1Pod>((resolve, reject) => {
    const finish = (err: Error | undefined, pod?: V1Pod) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      controller?.abort();
      if (err) reject(err);
      else resolve(pod!);
    };
    const timer = setTimeout(
      () => finish(new WaitFailed(`timed out after ${wait.timeoutMs / 1000}s waiting for ${wait.description} of ${namespace}/${name}; last seen: ${summary(last)}`, last)),
      wait.timeoutMs,
    );
    signal?.addEventListener('abort', () => finish(new WaitFailed(`interrupted while waiting for ${wait.description} of ${namespace}/${name}`, last)));
    const consider = (pod: V1Pod) => {
      last = pod;
      if (wait.met(pod)) return finish(undefined, pod);
      const why = wait.hopeless(pod);
      if (why) finish(new WaitFailed(`${wait.description} of ${namespace}/${name} cannot happen any more: ${why}; last seen: ${summary(pod)}`, pod));
    };
    const listAndWatch = async () => {
      if (settled) return;
      try {
        const list = await core.listNamespacedPod({ namespace, fieldSelector: `metadata.name=${name}` });
        list.items.forEach(consider);
        await watchFrom(list.metadata?.resourceVersion);
      } catch {
        if (!settled) setTimeout(() => void listAndWatch(), 500);
      }
    };
    const watchFrom = async (resourceVersion: string | undefined) => {
      if (settled) return;
      let rv = resourceVersion;
      let gone = false;
      controller = await watch.watch(
        `/api/v1/namespaces/${namespace}/pods`,
        { fieldSelector: `metadata.name=${name}`, resourceVersion: rv, allowWatchBookmarks: true },
        (type, obj: V1Pod & { code?: number }) => {
          if (type === 'ERROR') {
            gone = obj.code === 410;
            return;
          }
          rv = obj.metadata?.resourceVersion ?? rv;
          if (type !== 'BOOKMARK') consider(obj);
        },
        () => {
          if (settled) return;
          // 410 Gone: our resourceVersion is too old, list again; otherwise resume where we were.
          void (gone ? listAndWatch() : watchFrom(rv).catch(() => listAndWatch()));
        },
      );
    };
    void listAndWatch();
  });
}
