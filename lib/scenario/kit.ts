/**
 * A conformance test's toolkit. `scenarioTest` wraps Mocha's `it`: the body gets a kit that makes
 * the test's own namespace, starts each fixture pod with its timeline already recording, and
 * afterwards (passed or failed) collects the evidence, attaches it to the Allure result, checks
 * that our STATUS agreed with the server's on every transition, and deletes the namespace
 * (kept on failure when INITC_KEEP_ON_FAILURE is set).
 */
import { promises as fs } from 'node:fs';
import { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { PodBuilder } from '../pod/builder.js';
import type { Recording } from '../checks/recording.js';
import { recordRows } from '../checks/recording.js';
import { checkStatusAgreement } from '../checks/status-agreement.js';
import { attachEvidence } from '../evidence/attach.js';
import { collectEvidence } from '../evidence/collect.js';
import { PodTimeline } from '../observe/timeline.js';
import { ObjectTimeline, formatObjectRows } from '../observe/objects.js';
import type { Fault, Injection } from '../chaos/fault.js';
import { describeProofs, injectFault } from '../chaos/fault.js';
import { nodeAccessFor } from '../cluster/node-access.js';
import { NodeCapabilityMissing } from '../cluster/provider.js';
import type { NodeAccess } from '../cluster/provider.js';
import { ENV, session } from '../session.js';
import { PodRun } from './pod-run.js';
import { placementOf, placeSpec } from './placement.js';
import type { Placement } from './placement.js';
import { createRunNamespace, deleteNamespace, keepNamespace, runLabels } from './namespace.js';
import { deletePods, keepPods, readPlan, scenarioLabels, suiteStem, SCENARIO_ID_LABEL } from './shared-namespace.js';
import type { SharedNamespacePlan } from './shared-namespace.js';
import { namePrefix } from '../access/namespaced.js';
import { serverInfo } from './server.js';
import type { ServerInfo } from './server.js';

export { serverInfo } from './server.js';
export type { ServerInfo } from './server.js';
// Suites import scenarioTest from here; it lives in scenario-test.ts (a function: the import cycle is safe).
export { scenarioTest } from './scenario-test.js';
export type { ScenarioOptions } from './scenario-test.js';

const keepOnFailure = () => process.env[ENV.keepOnFailure] === '1';

export class ScenarioKit {
  readonly kc: KubeConfig;
  readonly runId: string;
  readonly runs: PodRun[] = [];
  private ns: string | undefined;
  private nsPromise: Promise<string> | undefined;
  private readonly extra: Array<{ name: string; content: string }> = [];
  private readonly undos: Array<() => Promise<void>> = [];
  readonly injections: Injection[] = [];
  /** Workload objects (and pods by selector) watched by this test: stopped and attached at its end. */
  readonly objectTimelines: ObjectTimeline[] = [];
  private readonly pendingRuns: Array<Promise<unknown>> = [];

  skipped: string | undefined;
  private spread = false;
  /** Set in a namespace-scoped run: the namespaces it was given, where this scenario goes, and why its suite is skipped (if it is). */
  readonly shared: SharedNamespacePlan | undefined;
  /** Begins every object name of this scenario in a shared namespace; empty in a namespace of its own. */
  readonly prefix: string;
  /** When the last awaited pod state arrived: what the cluster took, before our own reading and checking. */
  lastMetAt: number | undefined;

  constructor(
    readonly scenario: string,
    private readonly mocha?: Mocha.Context,
  ) {
    ({ kc: this.kc, runId: this.runId } = session());
    this.shared = readPlan();
    this.prefix = this.shared ? namePrefix(this.runId, mocha?.test?.fullTitle() ?? scenario) : '';
  }

  /** The suite file's entry in a namespace-scoped run's plan, if any. */
  private planned(of: 'files' | 'skipped'): string | undefined {
    const stem = suiteStem(this.mocha?.test?.file);
    return stem === undefined ? undefined : this.shared?.[of][stem];
  }

  /** Why a namespace-scoped run skips this test's suite (decided before the run started), if it does. */
  plannedSkip(): string | undefined {
    return this.planned('skipped');
  }

  /** An object's name in this scenario's namespace: `base` behind the scenario's prefix. */
  objectName(base: string): string {
    return `${this.prefix}${base}`;
  }

  /** The labels of this scenario's objects: the run's, and in a shared namespace the scenario's own. */
  labels(): Record<string, string> {
    return this.shared ? scenarioLabels(this.runId, this.prefix, this.shared.namespaces[0]!) : runLabels(this.runId);
  }

  /** Notes that the cluster just delivered something awaited outside a pod wait (a log stream ending). */
  observed(): void {
    this.lastMetAt = Date.now();
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

  /** The test's namespace, made on first use (one, however many pods start at once); in a namespace-scoped run, the one its suite was given. */
  namespace(): Promise<string> {
    if (this.shared) return Promise.resolve((this.ns = this.planned('files') ?? this.shared.namespaces[0]!));
    this.nsPromise ??= createRunNamespace(this.kc, this.runId, this.scenario).then((ns) => (this.ns = ns));
    return this.nsPromise;
  }

  /** Creates the fixture pod with its timeline already recording. */
  async start(builder: PodBuilder, opts: { throughScheduler?: boolean } = {}): Promise<PodRun> {
    const namespace = await this.namespace();
    const name = this.objectName(builder.name);
    const timeline = await PodTimeline.start(this.kc, namespace, name, (await this.server()).minor);
    const run = new PodRun(this.kc, namespace, name, timeline, () => this.observed());
    this.runs.push(run);
    const body = builder.build(namespace, this.labels());
    body.metadata!.name = name;
    // The agent's node (node access through a privileged pod) or the home node (a cluster of several nodes), unless spread;
    // a pod that must go through the scheduler (the resources suite) is pinned by a node selector instead.
    if (body.spec) body.spec = placeSpec(body.spec, this.placement(), opts.throughScheduler ?? false);
    await this.kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace, body });
    return run;
  }

  /** Creates any object (a Service, ...) in the test's namespace, with the run's labels. */
  async create<T extends KubernetesObject>(obj: T): Promise<T> {
    const namespace = await this.namespace();
    const name = obj.metadata?.name === undefined ? {} : { name: this.objectName(obj.metadata.name) };
    const body = { ...obj, metadata: { ...obj.metadata, ...name, namespace, labels: { ...obj.metadata?.labels, ...this.labels() } } };
    return KubernetesObjectApi.makeApiClient(this.kc).create(body);
  }

  /**
   * Records the objects of one kind in the test's namespace (`resource`: "deployments",
   * "apps/v1/statefulsets", "batch/v1/jobs", ...; core kinds by plural alone), from before they
   * exist; attached as evidence at the test's end.
   */
  async watchObjects(resource: string, labelSelector?: string): Promise<ObjectTimeline> {
    const namespace = await this.namespace();
    const [plural, ...groupVersion] = resource.split('/').reverse();
    const base = groupVersion.length ? `/apis/${groupVersion.reverse().join('/')}` : '/api/v1';
    const t = await ObjectTimeline.start(this.kc, `${base}/namespaces/${namespace}/${plural}`, labelSelector);
    this.objectTimelines.push(t);
    return t;
  }

  /**
   * Pods a controller makes: records every pod `labelSelector` picks in the test's namespace (one
   * watch: their events in the server's order), and gives each pod, as it appears, a timeline of its
   * own (a PodRun, with evidence and the STATUS cross-check). `run(name)` resolves to that pod's PodRun.
   */
  async followPods(labelSelector: string): Promise<{ pods: ObjectTimeline; run(name: string): Promise<PodRun> }> {
    const namespace = await this.namespace();
    const minor = (await this.server()).minor;
    const runs = new Map<string, Promise<PodRun>>();
    const pods = await this.watchObjects('pods', labelSelector);
    const follow = (name: string) => {
      if (runs.has(name)) return;
      const made = PodTimeline.start(this.kc, namespace, name, minor).then((timeline) => {
        const run = new PodRun(this.kc, namespace, name, timeline, () => this.observed());
        this.runs.push(run);
        return run;
      });
      runs.set(name, made);
      this.pendingRuns.push(made);
    };
    pods.rows.forEach((r) => follow(r.name));
    pods.onRow((r) => r.event !== 'DELETED' && follow(r.name));
    return {
      pods,
      run: async (name) => {
        await pods.until(`pod ${name}`, (r) => r.name === name, 60_000);
        return runs.get(name)!;
      },
    };
  }

  /** A pod template of `builder`'s pod for a controller: the run's labels plus `labels`, and the pinned node (if any) as a node selector. */
  podTemplate(builder: PodBuilder, labels: Record<string, string>): { metadata: { labels: Record<string, string> }; spec: NonNullable<ReturnType<PodBuilder['build']>['spec']> } {
    const { metadata, spec } = builder.build('', { ...this.labels(), ...labels });
    return { metadata: { labels: metadata!.labels! }, spec: placeSpec(spec!, this.placement(), true) };
  }

  /** This scenario's pods go where the scheduler puts them, away from the home node if it can (drain); the agent's node still pins them. */
  spreadOverNodes(): void {
    this.spread = true;
  }

  /** Where this scenario's pods go (lib/scenario/placement.ts). */
  placement(): Placement {
    return placementOf(process.env, this.spread);
  }

  /** The node's access for fault injection; a cluster without it ends the test as skipped, saying why. */
  nodeAccess(): NodeAccess {
    const { access, why } = nodeAccessFor(process.env[ENV.provider], process.env[ENV.context], { kubeConfig: () => this.kc });
    if (!access) this.skip(why!);
    return access;
  }

  /**
   * Injects `fault` while `run`'s timeline records, and returns its undo; whatever the test does,
   * finish() undoes every fault still in force before it collects the evidence.
   */
  async inject(run: PodRun, fault: Fault<NodeAccess>): Promise<() => Promise<void>> {
    try {
      return this.track(await injectFault(this.nodeAccess(), run.timeline, fault, this.injections));
    } catch (err) {
      // The node lacks what this fault needs (no crictl, no systemd, ...): skipped, saying which.
      if (err instanceof NodeCapabilityMissing) this.skip(err.message);
      throw err;
    }
  }

  /** Injects a fault made through the API (a Service taken away), recorded and undone as `inject` does. */
  async injectThroughApi(run: PodRun, fault: Fault<KubeConfig>): Promise<() => Promise<void>> {
    return this.track(await injectFault(this.kc, run.timeline, fault, this.injections));
  }

  private track(undo: () => Promise<void>): () => Promise<void> {
    this.undos.push(undo);
    return undo;
  }

  /** Adds a file to this test's evidence (an API exchange, a streamed log). */
  attach(name: string, content: string): void {
    this.extra.push({ name, content });
  }

  /** The pod's recording for the checks (saved under INITC_RECORD_DIR when set). */
  async recording(run: PodRun): Promise<Recording> {
    const rec = await run.recording();
    await this.saveRecord(run.name, rec);
    return rec;
  }

  /** With INITC_RECORD_DIR set, saves `data` as <dir>/<scenario>-<name>.json (to refresh the negative-control data). */
  async saveRecord(name: string, data: unknown): Promise<void> {
    const dir = process.env[ENV.recordDir];
    if (!dir) return;
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(`${dir}/${this.scenario}-${name}.json`, JSON.stringify(data, null, 2));
  }

  /** The STATUS cross-check over every pod this test watched (none watched: nothing to check). */
  checkStatusAgreement(): void {
    checkStatusAgreement(this.runs.map((r) => ({ pod: r.name, rows: recordRows(r.timeline.rows) })));
  }

  /**
   * Stops the timelines, attaches the evidence, and deletes (or keeps) the namespace. Returns what
   * went wrong on the way, for the test to report: a verdict without its evidence is not earned.
   */
  async finish(failed: boolean): Promise<string[]> {
    const problems: string[] = [];
    const describe = (what: string) => (err: unknown) => void problems.push(`${what}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    for (const undo of this.undos) await undo().catch(describe('undoing an injected fault'));
    if (this.injections.length) {
      this.attach('fault proofs', describeProofs(this.injections));
      this.attach('injected faults', JSON.stringify(this.injections, null, 2));
    }
    await Promise.all(this.objectTimelines.map((t) => t.stop()));
    await Promise.allSettled(this.pendingRuns);
    for (const t of this.objectTimelines) {
      // Not "timeline …": the results model reads those as pod timelines.
      const name = `${t.kind} over time${t.selector ? ` (${t.selector})` : ''}`;
      this.attach(name, `${formatObjectRows(t.rows)}${t.watchErrors.length ? `\n\nwatch errors:\n${t.watchErrors.join('\n')}` : ''}`);
      this.attach(`${name}, rows as JSON`, JSON.stringify(t.rows, null, 2));
    }
    await Promise.all(this.runs.map((r) => r.timeline.stop()));
    const evidence = this.runs.length ? await collectEvidence(this.kc, this.runs.map((r) => r.timeline)).catch((err: unknown) => (describe('collecting evidence')(err), undefined)) : undefined;
    problems.push(...(evidence?.problems ?? []));
    const files = [...(evidence?.files ?? []), ...this.extra.map((e) => ({ ...e, contentType: 'text/plain' as const }))];
    if (problems.length) files.push({ name: 'evidence problems', contentType: 'text/plain', content: problems.join('\n') });
    await attachEvidence(files).catch(describe('attaching evidence'));
    if (!this.ns) return problems;
    if (this.shared) return this.finishShared(failed, problems, describe);
    if (failed && keepOnFailure()) {
      await keepNamespace(this.kc, this.ns, this.mocha?.test?.fullTitle() ?? this.scenario).catch(describe(`labelling namespace ${this.ns} kept`));
      process.stderr.write(`initc: kept namespace ${this.ns} of the failed test for debugging (--keep-on-failure)\n`);
      return problems;
    }
    await deleteNamespace(this.kc, this.ns).catch(describe(`deleting namespace ${this.ns}`));
    return problems;
  }

  /** In a shared namespace: this scenario's pods (by its label) are kept on failure, else deleted; the namespace stays. */
  private async finishShared(failed: boolean, problems: string[], describe: (what: string) => (err: unknown) => void): Promise<string[]> {
    const ns = this.ns!;
    const selector = `${SCENARIO_ID_LABEL}=${this.prefix.replace(/-$/, '')}`;
    if (failed && keepOnFailure()) {
      await keepPods(this.kc, ns, selector, this.mocha?.test?.fullTitle() ?? this.scenario).catch(describe(`labelling the pods (${selector}) in namespace ${ns} kept`));
      process.stderr.write(`initc: kept the pods of the failed test (${selector}) in namespace ${ns} for debugging (--keep-on-failure)\n`);
      return problems;
    }
    await deletePods(this.kc, ns, selector).catch(describe(`deleting the pods (${selector}) in namespace ${ns}`));
    return problems;
  }
}
