/**
 * `initc check`'s kill-init test, one per plain init container: a fresh start of the workload, the
 * init container killed (SIGKILL) once seen running — or, when it runs for under a second and ended
 * between two looks, held at its next start and killed there — then Ready again, only it ran again
 * (the ones before it not), and with --probe the probe's output unchanged.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { killContainer, runtimeExitOfKill } from '../chaos/kill-container.js';
import { FaultNotProven } from '../chaos/proof.js';
import { recordRows } from '../checks/recording.js';
import { canHoldAtStart } from '../cluster/provider.js';
import type { NodeAccess } from '../cluster/provider.js';
import { firstLine } from '../errors.js';
import type { PodTimeline } from '../observe/timeline.js';
import { podMatches } from '../observe/wait.js';
import { freshStart } from './apply.js';
import type { FaultTestKit } from './harness.js';
import { injectionEnd } from './harness.js';
import { CheckBroken, Skip } from './outcome.js';
import { checkKilledReranAlone, initStatus, isReady } from './verdicts.js';

/** What the kill-init tests use of the check suite being built (lib/check/suite.ts). */
export interface KillInitKit extends FaultTestKit {
  /** The plain (not sidecar) init containers, in spec order. */
  plainInits: string[];
  /** The access to the node `nodeName` (the pod's; without it, the cluster's node access). */
  nodeAccess: (nodeName?: string) => NodeAccess;
  /** The access to every node of the cluster (a fresh pod may start on any). */
  everyNode: () => NodeAccess[];
}

function seenRunningOrDone(victim: string): (p: V1Pod) => boolean {
  return (p) => {
    const st = initStatus(p, victim)?.state;
    return Boolean(st?.running || st?.terminated || isReady(p));
  };
}

function runningNow(victim: string, p: V1Pod): boolean {
  return Boolean(initStatus(p, victim)?.state?.running);
}

export function addKillInitTests(k: KillInitKit): void {
  const w = k.workload;
  for (const victim of k.plainInits) {
    k.test('fault', `init container ${victim} killed (SIGKILL) during a fresh start, mid-run (or held at its start when it runs for under a second): it runs again alone, the ones before it not again, Ready within ${k.recoverMs / 1000} s, ${k.idempotency}`, async (rec) => {
      // Skipped early without node access; the kill then goes to the node the fresh pod runs on.
      k.nodeAccess();
      /** A fresh start, the victim killed once seen running; false when it ended first (too fast to catch). */
      const attempt = async (held: boolean): Promise<{ name: string; t: PodTimeline } | false> => {
        const name = await freshStart(k.kc, k.namespace, w, await k.readyPod(rec), k.labels);
        const t = await k.timeline(rec, name);
        t.mark(`fresh start: ${name} is the successor of the Ready pod${held ? `; ${victim}'s next start is held (a sleeper in place of its command)` : ''}`);
        const row = await t.until(podMatches(`${victim} running${held ? ' (held at its start)' : ''}`, seenRunningOrDone(victim), k.recoverMs));
        if (!runningNow(victim, row.pod)) {
          if (held) throw new CheckBroken(`expected ${victim} held at its start (running a sleeper until killed); observed it ${JSON.stringify(initStatus(row.pod, victim)?.state ?? null)}: the hold did not take effect`);
          return false;
        }
        try {
          await k.inject(rec, k.nodeAccess(row.pod.spec?.nodeName), t, killContainer(k.namespace, name, victim, 'SIGKILL'));
        } catch (err) {
          // The kill came after it had ended on its own (exit 0, or no running container left): too fast as well.
          const late = (err instanceof FaultNotProven && err.proof.evidence['exitCode'] === 0) || /expected one running container/.test(firstLine(err));
          if (late && !held) return false;
          throw err;
        }
        return { name, t };
      };
      let how = 'mid-run';
      let killed = await attempt(false);
      if (!killed) {
        // It ran and ended between two looks: hold its next start instead of racing it again.
        // The fresh pod may start on any node: its start is held on each.
        const nodes = k.everyNode();
        if (!nodes.every(canHoldAtStart)) throw new Skip(`${victim} finished before initc could kill it (it runs for well under a second), and this node's runtime cannot hold a container at its start (the embedded cluster's and kind's can; a node reached through a privileged pod cannot)`);
        for (const node of nodes) {
          const withdraw = await node.holdNextStart(k.namespace, victim);
          rec.undos.push(async () => void (await withdraw()));
        }
        how = 'held at its start';
        killed = (await attempt(true)) as { name: string; t: PodTimeline };
      }
      const { name, t } = killed;
      rec.extra.push({ name: 'kill', content: `${victim} was killed ${how}` });
      const ready = await k.readyAgain(rec, t, 'Ready', isReady, `${victim} killed`, injectionEnd(rec));
      checkKilledReranAlone(recordRows(t.rows), ready.pod, k.plainInits, victim, 137, runtimeExitOfKill(rec.injections));
      k.compareProbe(rec, k.baseline(), await k.probe(rec, name, `after ${victim} was killed`), `${victim} was killed ${how}`);
    });
  }
}
