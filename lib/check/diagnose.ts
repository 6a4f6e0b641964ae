/**
 * Why a workload is not Ready, in the words of its init containers: which one failed or is stuck,
 * its exit code and reason, and its last log lines, so a failed wait says more than "it did not
 * happen". The choice of containers and the wording are pure; fetching the logs is the caller's.
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

export interface LogRequest {
  container: string;
  /** The previous attempt's log: the container is waiting to be restarted after it ended. */
  previous: boolean;
}

export interface StuckInit {
  name: string;
  /** "exit 1 (Error)", "running since …", "waiting: ImagePullBackOff (…)" */
  state: string;
  restartCount: number;
  log?: LogRequest;
}

function iso(d: Date | string | undefined): string {
  return d instanceof Date ? d.toISOString() : (d ?? '?');
}
function ended(s: V1ContainerStatus) {
  return s.state?.terminated ?? s.lastState?.terminated;
}

/** The init containers that keep the pod from Ready: each that ended non-zero, is waiting, or is still running; none once they all exited 0. */
export function stuckInits(pod: V1Pod): StuckInit[] {
  const out: StuckInit[] = [];
  for (const s of pod.status?.initContainerStatuses ?? []) {
    const t = s.state?.terminated;
    if (t && t.exitCode === 0) continue;
    if (t) {
      out.push({ name: s.name, state: `exit ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}`, restartCount: s.restartCount, log: { container: s.name, previous: false } });
    } else if (s.state?.waiting) {
      const last = ended(s);
      const why = `waiting: ${s.state.waiting.reason ?? '?'}${s.state.waiting.message ? ` (${s.state.waiting.message.split('\n')[0]})` : ''}`;
      out.push({ name: s.name, state: last ? `${why}; its last attempt ended exit ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : why, restartCount: s.restartCount, ...(last ? { log: { container: s.name, previous: true } } : {}) });
    } else if (s.state?.running) {
      out.push({ name: s.name, state: `running since ${iso(s.state.running.startedAt)}`, restartCount: s.restartCount, log: { container: s.name, previous: false } });
    }
  }
  return out;
}

/** The stuck init containers with their last log lines (`logs` by container name; a string for a log that could not be read says why). */
export function formatStuckInits(pod: V1Pod, stuck: StuckInit[], logs: Record<string, string>, lines = 5): string {
  if (!stuck.length) return `pod ${pod.metadata?.name ?? '?'}: no init container failed or is stuck (phase ${pod.status?.phase ?? '?'})`;
  return stuck
    .map((s) => {
      const tail = (logs[s.name] ?? '').split('\n').filter((l) => l.trim() !== '').slice(-lines);
      const log = s.log ? `\n    last ${s.log.previous ? 'log lines of its previous attempt' : 'log lines'}:\n${tail.map((l) => `      ${l}`).join('\n') || '      (empty)'}` : '';
      return `  init container ${s.name}: ${s.state}, restarted ${s.restartCount} time(s)${log}`;
    })
    .join('\n');
}
