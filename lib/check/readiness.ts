/**
 * The workload's readiness as `initc check` needs it between faults: its Ready pod before each
 * fault (waiting for what the previous test left starting), and why it is not Ready when a wait
 * fails, in its init containers' words (exit codes, reasons, last log lines).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { WaitFailed } from '../observe/wait.js';
import { sleep } from '../util/time.js';
import { currentPods } from './apply.js';
import { formatStuckInits, stuckInits } from './diagnose.js';
import type { TestRecord } from './harness.js';
import { firstLine } from '../errors.js';
import type { Workload } from './manifests.js';
import { CheckBroken, Skip } from './outcome.js';
import { isReady } from './verdicts.js';

export function workloadReadiness(kc: KubeConfig, namespace: string, w: Workload, recoverMs: number) {
  const core = kc.makeApiClient(CoreV1Api);

  /** Why `pod` is not Ready, in its init containers' words: exit codes, reasons and last log lines. */
  const whyNotReady = async (pod: V1Pod | undefined): Promise<string> => {
    if (!pod?.metadata?.name) return 'no pod of the workload was seen';
    const name = pod.metadata.name;
    const fresh = await core.readNamespacedPod({ namespace, name }).catch(() => pod);
    const stuck = stuckInits(fresh);
    const logs: Record<string, string> = {};
    for (const s of stuck) {
      if (!s.log) continue;
      logs[s.name] = await core
        .readNamespacedPodLog({ namespace, name, container: s.log.container, previous: s.log.previous, tailLines: 5 })
        .then((l) => String(l), (err: unknown) => `(its log could not be read: ${firstLine(err)})`);
    }
    return formatStuckInits(fresh, stuck, logs);
  };

  /** A wait for Ready that failed says why, in the init containers' words. */
  const explained = async <T>(wait: Promise<T>): Promise<T> =>
    wait.catch(async (err: unknown) => {
      if (err instanceof WaitFailed) err.message += `\nWhy, as its init containers tell it:\n${await whyNotReady(err.lastSeen)}`;
      throw err;
    });

  /**
   * The workload's Ready pod, before a fault: waits (up to --recover-within) for the previous test's
   * pod to come up; a finished Job's pod is a skip with that reason; anything else a broken test.
   */
  const readyPod = async (rec: TestRecord): Promise<V1Pod> => {
    const end = Date.now() + recoverMs;
    for (;;) {
      const pods = await currentPods(kc, namespace, w);
      const ready = pods.find(isReady);
      if (ready) return ready;
      const done = pods.find((p) => p.status?.phase === 'Succeeded');
      if (w.kind === 'Job' && done) throw new Skip(`the Job's pod ${done.metadata!.name} has finished (Succeeded): nothing is left to disturb`);
      if (Date.now() > end) {
        const why = await whyNotReady(pods[0]);
        rec.extra.push({ name: 'not Ready before the fault', content: why });
        throw new CheckBroken(`expected ${w.kind}/${w.name} Ready before this fault (within --recover-within ${recoverMs / 1000} s of the previous check); observed ${pods.map((p) => `pod ${p.metadata!.name} ${p.status?.phase}`).join(', ') || 'no pod'}:\n${why}`);
      }
      await sleep(500);
    }
  };

  return { whyNotReady, explained, readyPod };
}
