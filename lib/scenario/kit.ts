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
import { PodTimeline } from '../observe/timeline.js';
import type { ContainerSnapshot, TimelineRow } from '../observe/timeline.js';
import type { PodWait } from '../observe/wait.js';
import { ENV, session } from '../session.js';
import { createRunNamespace, deleteNamespace, runLabels } from './namespace.js';

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

/** Keeps namespaces of failed tests, reporting which; initc run prints them at the end. */
export const keptNamespaces: string[] = [];

export class PodRun {
  constructor(
    private readonly kc: KubeConfig,
    readonly namespace: string,
    readonly name: string,
    readonly timeline: PodTimeline,
  ) {}

  until(wait: PodWait): Promise<TimelineRow> {
    return this.timeline.until(wait);
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
   * Ledger lines from every container's log (current and previous attempt), in ledger order.
   * Each ledger line is also echoed to the container's stdout, so this works when the app never
   * started and no container is left to read the shared file.
   */
  async ledgerFromLogs(): Promise<LedgerEntry[]> {
    const pod = await this.pod();
    const entries: LedgerEntry[] = [];
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      if (s.state?.running || s.state?.terminated) entries.push(...parseLedger(await this.log(s.name).catch(() => '')).filter((e) => e.container === s.name));
      if (s.lastState?.terminated) entries.push(...parseLedger(await this.log(s.name, true).catch(() => '')).filter((e) => e.container === s.name));
    }
    const unique = new Map(entries.map((e) => [`${e.uptime} ${e.container} ${e.event}`, e]));
    return [...unique.values()].sort((a, b) => a.uptime - b.uptime);
  }
}

export class ScenarioKit {
  readonly kc: KubeConfig;
  readonly runId: string;
  readonly runs: PodRun[] = [];
  private ns: string | undefined;

  constructor(readonly scenario: string) {
    ({ kc: this.kc, runId: this.runId } = session());
  }

  server(): Promise<ServerInfo> {
    return serverInfo(this.kc);
  }

  async namespace(): Promise<string> {
    this.ns ??= await createRunNamespace(this.kc, this.runId, this.scenario);
    return this.ns;
  }

  /** Creates the fixture pod with its timeline already recording. */
  async start(builder: PodBuilder): Promise<PodRun> {
    const namespace = await this.namespace();
    const timeline = await PodTimeline.start(this.kc, namespace, builder.name, (await this.server()).minor);
    const run = new PodRun(this.kc, namespace, builder.name, timeline);
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

  /** Every row where our STATUS and the server's disagreed, across this test's pods. */
  statusDisagreements(): string[] {
    return this.runs.flatMap((r) => r.timeline.mismatches().map((row) => `${r.name} rv ${row.resourceVersion}: initc computed "${row.status}", the server printed "${row.serverStatus}"`));
  }

  async finish(failed: boolean): Promise<void> {
    await Promise.all(this.runs.map((r) => r.timeline.stop()));
    if (this.runs.length) await attachEvidence(await collectEvidence(this.kc, this.runs.map((r) => r.timeline))).then(undefined, () => undefined);
    if (!this.ns) return;
    if (failed && keepOnFailure()) {
      keptNamespaces.push(this.ns);
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
export function scenarioTest(title: string, body: (kit: ScenarioKit) => Promise<void>, opts: { timeoutMs?: number; scenario?: string } = {}): Mocha.Test {
  return it(title, async function () {
    if (opts.timeoutMs) this.timeout(opts.timeoutMs);
    const suiteTitle = this.test?.parent?.title ?? 'initc';
    const kit = new ScenarioKit(opts.scenario ?? suiteTitle.split(':')[0]!.trim());
    const info = await kit.server();
    await label('k8sVersion', info.gitVersion);
    await label('provider', process.env[ENV.provider] || 'kubeconfig');
    await label('feature', suiteTitle);
    let failed = true;
    try {
      await body(kit);
      const disagreements = kit.statusDisagreements();
      if (disagreements.length) {
        throw new AssertionError(`STATUS disagreement between initc's printPod port and the server's Table on ${disagreements.length} transition(s):\n${disagreements.join('\n')}`);
      }
      failed = false;
    } catch (err) {
      if (err instanceof Error) err.message += evidenceHint(kit);
      throw err;
    } finally {
      await kit.finish(failed);
    }
  });
}

export type { ContainerSnapshot, TimelineRow };
