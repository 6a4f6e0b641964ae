/**
 * A conformance test's toolkit. `scenarioTest` wraps Mocha's `it`: the body gets a kit that makes
 * the test's own namespace, starts each fixture pod with its timeline already recording, and
 * afterwards (passed or failed) collects the evidence, attaches it to the Allure result, checks
 * that our STATUS agreed with the server's on every transition, and deletes the namespace
 * (kept on failure when INITC_KEEP_ON_FAILURE is set).
 */
import { CoreV1Api, KubernetesObjectApi, VersionApi } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { AssertionError } from 'chai';
import { label } from 'allure-js-commons';
import type { LedgerEntry, PodBuilder } from '../../fixtures/pod.js';
import { parseLedger } from '../../fixtures/pod.js';
import { attachEvidence } from '../evidence/attach.js';
import { collectEvidence } from '../evidence/collect.js';
import { streamLines } from '../kube/raw.js';
import type { Recording } from '../checks/recording.js';
import { recordRows } from '../checks/recording.js';
import { PodTimeline } from '../observe/timeline.js';
import type { ContainerSnapshot, TimelineRow } from '../observe/timeline.js';
import type { PodWait } from '../observe/wait.js';
import { InfrastructureError, WaitFailed, podMatches } from '../observe/wait.js';
import { ENV, session } from '../session.js';
import { createRunNamespace, deleteNamespace, keepNamespace, runLabels } from './namespace.js';

export interface ServerInfo {
  gitVersion: string;
  minor: number;
}

let server: Promise<ServerInfo> | undefined;

export function serverInfo(kc: KubeConfig): Promise<ServerInfo> {
  server ??= kc
    .makeApiClient(VersionApi)
    .getCode()
    .then((v) => ({ gitVersion: v.gitVersion, minor: Number.parseInt(v.minor.replace(/\D.*$/, ''), 10) }));
  return server;
}

export const keepOnFailure = () => process.env[ENV.keepOnFailure] === '1';

const containerStarted = (p: V1Pod, name: string) =>
  [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].some((c) => c.name === name && (c.state?.running || c.state?.terminated || c.lastState?.terminated));

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
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      if (s.state?.running || s.state?.terminated) texts.push(await this.log(s.name).catch(() => ''));
      if (s.lastState?.terminated) texts.push(await this.log(s.name, true).catch(() => ''));
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

  private followUntil(container: string, pattern: RegExp, timeoutMs: number): Promise<string> {
    const abort = new AbortController();
    const lines: string[] = [];
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        abort.abort();
        reject(new WaitFailed(`expected a line matching ${pattern} in the log of ${this.name}/${container} within ${timeoutMs / 1000}s; its log:\n${lines.join('\n') || '(empty)'}`, this.timeline.latest?.pod));
      }, timeoutMs);
      const path = `/api/v1/namespaces/${this.namespace}/pods/${this.name}/log?container=${encodeURIComponent(container)}&follow=true`;
      streamLines(this.kc, path, '*/*', (line) => {
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
    const path = `/api/v1/namespaces/${this.namespace}/pods/${this.name}/log?container=${encodeURIComponent(container)}&follow=true`;
    const ended = streamLines(this.kc, path, '*/*', (l) => lines.push(l), abort.signal).then(() => lines, () => lines);
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

export class ScenarioKit {
  readonly kc: KubeConfig;
  readonly runId: string;
  readonly runs: PodRun[] = [];
  private ns: string | undefined;
  private nsPromise: Promise<string> | undefined;

  skipped: string | undefined;
  /** When the last awaited pod state arrived: what the cluster took, before our own reading and checking. */
  lastMetAt: number | undefined;

  constructor(
    readonly scenario: string,
    private readonly mocha?: Mocha.Context,
  ) {
    ({ kc: this.kc, runId: this.runId } = session());
  }

  /** Ends the test as skipped (never passed), saying why: a feature this server lacks. */
  skip(reason: string): never {
    this.skipped = reason;
    this.attach('skipped', reason);
    if (this.mocha?.test) this.mocha.test.title += ` (skipped: ${reason})`;
    this.mocha?.skip();
    throw new Error(`skipped: ${reason}`);
  }

  server(): Promise<ServerInfo> {
    return serverInfo(this.kc);
  }

  /** The test's namespace, made on first use (one, however many pods start at once). */
  namespace(): Promise<string> {
    this.nsPromise ??= createRunNamespace(this.kc, this.runId, this.scenario).then((ns) => (this.ns = ns));
    return this.nsPromise;
  }

  /** Creates the fixture pod with its timeline already recording. */
  async start(builder: PodBuilder): Promise<PodRun> {
    const namespace = await this.namespace();
    const timeline = await PodTimeline.start(this.kc, namespace, builder.name, (await this.server()).minor);
    const run = new PodRun(this.kc, namespace, builder.name, timeline, () => (this.lastMetAt = Date.now()));
    this.runs.push(run);
    await this.kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace, body: builder.build(namespace, runLabels(this.runId)) });
    return run;
  }

  /** Creates any object (a Service, ...) in the test's namespace, with the run's labels. */
  async create<T extends KubernetesObject>(obj: T): Promise<T> {
    const namespace = await this.namespace();
    const body = { ...obj, metadata: { ...obj.metadata, namespace, labels: { ...obj.metadata?.labels, ...runLabels(this.runId) } } };
    return KubernetesObjectApi.makeApiClient(this.kc).create(body);
  }

  private readonly extra: Array<{ name: string; content: string }> = [];

  /** Adds a file to this test's evidence (an API exchange, a streamed log). */
  attach(name: string, content: string): void {
    this.extra.push({ name, content });
  }

  /** The pod's recording for the checks (saved under INITC_RECORD_DIR when set). */
  async recording(run: PodRun): Promise<Recording> {
    const rec = await run.recording();
    await this.saveRecording(run, rec);
    return rec;
  }

  /** With INITC_RECORD_DIR set, saves a pod's recording there (to refresh the negative-control data). */
  saveRecording(run: PodRun, rec: Recording): Promise<void> {
    return this.saveRecord(run.name, rec);
  }

  /** With INITC_RECORD_DIR set, saves `data` as <dir>/<scenario>-<name>.json. */
  async saveRecord(name: string, data: unknown): Promise<void> {
    const dir = process.env[ENV.recordDir];
    if (!dir) return;
    const { promises: fs } = await import('node:fs');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(`${dir}/${this.scenario}-${name}.json`, JSON.stringify(data, null, 2));
  }

  /** Every row where our STATUS and the server's disagreed, across this test's pods. */
  statusDisagreements(): string[] {
    return this.runs.flatMap((r) => r.timeline.mismatches().map((row) => `${r.name} rv ${row.resourceVersion}: initc computed "${row.status}", the server printed "${row.serverStatus}"`));
  }

  async finish(failed: boolean): Promise<void> {
    await Promise.all(this.runs.map((r) => r.timeline.stop()));
    const files = this.runs.length ? await collectEvidence(this.kc, this.runs.map((r) => r.timeline)).catch(() => []) : [];
    files.push(...this.extra.map((e) => ({ ...e, contentType: 'text/plain' as const })));
    await attachEvidence(files).then(undefined, () => undefined);
    if (!this.ns) return;
    if (failed && keepOnFailure()) {
      await keepNamespace(this.kc, this.ns, this.mocha?.test?.fullTitle() ?? this.scenario).catch(() => undefined);
      process.stderr.write(`initc: kept namespace ${this.ns} of the failed test for debugging (--keep-on-failure)\n`);
      return;
    }
    await deleteNamespace(this.kc, this.ns);
  }
}

const evidenceHint = (kit: ScenarioKit) =>
  kit.runs.length
    ? `\nEvidence: in this test's Allure result open ${kit.runs.map((r) => `"timeline ${r.name}"`).join(', ')}, "events <namespace>" and the "log …" attachments.`
    : '';

/**
 * A Mocha test around a ScenarioKit. The test's labels carry the suite, the server's version and
 * the provider; its failure message ends with where the evidence is.
 */
export interface ScenarioOptions {
  timeoutMs?: number;
  scenario?: string;
  /**
   * The time the scenario cannot beat: back-off the kubelet must sit through, or delays the
   * fixture makes on purpose. scripts/bench-suites compares the time to verdict with it.
   */
  floorMs?: number;
}

export function scenarioTest(title: string, body: (kit: ScenarioKit) => Promise<void>, opts: ScenarioOptions = {}): Mocha.Test {
  return it(title, async function () {
    const started = Date.now();
    if (opts.timeoutMs) this.timeout(opts.timeoutMs);
    const suiteTitle = this.test?.parent?.title ?? 'initc';
    const kit = new ScenarioKit(opts.scenario ?? suiteTitle.split(':')[0]!.trim(), this);
    const info = await kit.server();
    await label('k8sVersion', info.gitVersion);
    await label('provider', process.env[ENV.provider] || 'kubeconfig');
    await label('feature', suiteTitle);
    let failed = true;
    try {
      await body(kit);
      await label('initc.verdictMs', String(Date.now() - started));
      await label('initc.floorMs', String(opts.floorMs ?? 0));
      await label('initc.clusterMs', String((kit.lastMetAt ?? Date.now()) - started));
      const disagreements = kit.statusDisagreements();
      if (disagreements.length) {
        throw new AssertionError(`STATUS disagreement between initc's printPod port and the server's Table on ${disagreements.length} transition(s):\n${disagreements.join('\n')}`);
      }
      failed = false;
    } catch (err) {
      if (kit.skipped) {
        failed = false;
        throw err;
      }
      if (err instanceof Error) err.message += evidenceHint(kit);
      throw err;
    } finally {
      await kit.finish(failed);
    }
  });
}

export type { ContainerSnapshot, TimelineRow };
