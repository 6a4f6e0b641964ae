/**
 * One fixture pod under test: its timeline, waits on it, its logs (followed or read), its ledger,
 * and observation windows. Made by ScenarioKit.start (or directly, for the smoke scenario).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { LedgerEntry } from '../pod/ledger.js';
import { parseLedger } from '../pod/ledger.js';
import type { Recording } from '../checks/recording.js';
import { recordRows } from '../checks/recording.js';
import { isGone } from '../evidence/collect.js';
import { streamLines } from '../kube/raw.js';
import { allContainerStatuses } from '../observe/status.js';
import type { PodTimeline, ContainerSnapshot, TimelineRow } from '../observe/timeline.js';
import type { PodWait } from '../observe/wait.js';
import { InfrastructureError, WaitFailed, podMatches } from '../observe/wait.js';

const containerStarted = (p: V1Pod, name: string) =>
  allContainerStatuses(p).some((c) => c.name === name && (c.state?.running || c.state?.terminated || c.lastState?.terminated));

export class PodRun {
  constructor(
    private readonly kc: KubeConfig,
    readonly namespace: string,
    readonly name: string,
    readonly timeline: PodTimeline,
    private readonly onMet: () => void = () => undefined,
  ) {}

  async until(wait: PodWait): Promise<TimelineRow> {
    const row = await this.timeline.until(wait);
    this.onMet();
    return row;
  }

  /** The container's state in the latest row. */
  container(name: string): ContainerSnapshot | undefined {
    return this.timeline.latest?.containers.find((c) => c.name === name);
  }

  async pod(): Promise<V1Pod> {
    return this.kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace: this.namespace, name: this.name });
  }

  async log(container: string, previous = false): Promise<string> {
    return String(await this.kc.makeApiClient(CoreV1Api).readNamespacedPodLog({ namespace: this.namespace, name: this.name, container, previous }));
  }

  /**
   * The ledger, from every container's log (current and previous attempt). Each ledger line is
   * echoed to its container's stdout, and an app that prints the ledger file repeats all of them,
   * which covers init attempts whose containers the kubelet already removed. Lines are unique by
   * (uptime, container, event), in ledger order.
   */
  async ledgerFromLogs(): Promise<LedgerEntry[]> {
    const pod = await this.pod();
    const texts: string[] = [];
    // A log that cannot be read would hide ledger lines (and make "never ran" look true): fail instead.
    // `tolerant`: a log whose container may be gone from the node reads as empty (see PREVIOUS_GONE).
    const read = (name: string, previous: boolean, tolerant = previous) =>
      this.log(name, previous).catch((err: Error) => {
        if (tolerant && isGone(err)) return '';
        throw new InfrastructureError(`cannot read the ${previous ? 'previous' : 'current'} log of ${this.namespace}/${this.name}/${name} for the ledger: ${err.message.split('\n')[0]}`);
      });
    for (const s of allContainerStatuses(pod)) {
      if (s.state?.running || s.state?.terminated) texts.push(await read(s.name, false));
      // Waiting after an exit (CrashLoopBackOff): the current log is that last exited attempt's, and the
      // "previous" one the attempt before it, which the kubelet may already have removed.
      else if (s.lastState?.terminated) texts.push(await read(s.name, false, true));
      if (s.lastState?.terminated) texts.push(await read(s.name, true));
    }
    const unique = new Map(texts.flatMap(parseLedger).map((e) => [`${e.uptime} ${e.container} ${e.event}`, e]));
    return [...unique.values()].sort((a, b) => a.uptime - b.uptime);
  }

  /** The timeline so far and the ledger, for the checks. */
  async recording(): Promise<Recording> {
    return { rows: recordRows(this.timeline.rows), ledger: await this.ledgerFromLogs() };
  }

  /**
   * Follows a container's log (from its start) and resolves with the first line matching
   * `pattern`, rejecting when the log ends without one or after `timeoutMs`.
   */
  async untilLog(container: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    // A log can be followed once its container has started.
    await this.until(podMatches(`container ${container} started`, (p) => containerStarted(p, container), timeoutMs));
    return this.followUntil(container, pattern, timeoutMs);
  }

  /** Streams a container's log from its start, following it until the container stops or `signal` aborts. */
  private followStream(container: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const path = `/api/v1/namespaces/${this.namespace}/pods/${this.name}/log?container=${encodeURIComponent(container)}&follow=true`;
    return streamLines(this.kc, path, '*/*', onLine, signal);
  }

  private followUntil(container: string, pattern: RegExp, timeoutMs: number): Promise<string> {
    const abort = new AbortController();
    const lines: string[] = [];
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        abort.abort();
        reject(new WaitFailed(`expected a line matching ${pattern} in the log of ${this.name}/${container} within ${timeoutMs / 1000}s; its log:\n${lines.join('\n') || '(empty)'}`, this.timeline.latest?.pod));
      }, timeoutMs);
      this.followStream(container, (line) => {
        lines.push(line);
        if (pattern.test(line)) {
          clearTimeout(timer);
          abort.abort();
          resolve(line);
        }
      }, abort.signal).then(
        () => {
          clearTimeout(timer);
          reject(new WaitFailed(`the log of ${this.name}/${container} ended without a line matching ${pattern}:\n${lines.join('\n') || '(empty)'}`, this.timeline.latest?.pod));
        },
        (err: Error) => {
          clearTimeout(timer);
          if (!abort.signal.aborted) reject(new InfrastructureError(`cannot follow the log of ${this.name}/${container}: ${err.message}`));
        },
      );
    });
  }

  /** Follows a container's log in the background: `ended` resolves with every line when the container stops; `stop()` ends it early. */
  followLog(container: string): { ended: Promise<string[]>; stop(): Promise<string[]> } {
    const abort = new AbortController();
    const lines: string[] = [];
    const ended = this.followStream(container, (l) => lines.push(l), abort.signal).then(() => lines, () => lines);
    return {
      ended,
      stop: async () => {
        abort.abort();
        return ended;
      },
    };
  }

  /**
   * An observation window: resolves after `ms` if every row received meanwhile satisfies `holds`,
   * rejects at the first that does not. For "stays initializing while X is absent".
   */
  holdsFor(ms: number, description: string, holds: (row: TimelineRow) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const broken = (row: TimelineRow, when: string) => {
        clearTimeout(timer);
        unsubscribe();
        reject(new WaitFailed(`expected ${description} for ${ms / 1000}s; ${when} row #${row.seq} (${row.status}) broke it:\n${this.timeline.table(6)}`, row.pod));
      };
      const timer = setTimeout(() => {
        unsubscribe();
        resolve();
      }, ms);
      const unsubscribe = this.timeline.onRow((row) => {
        if (!holds(row)) broken(row, 'then');
      });
      const current = this.timeline.latest;
      if (current && !holds(current)) broken(current, 'at the start');
    });
  }
}
