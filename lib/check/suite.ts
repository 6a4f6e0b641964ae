/**
 * `initc check`'s dynamic checks as Mocha tests made at run time (one suite, run in this process
 * with allure-mocha, as `initc run` runs its suites): the workload Ready, then one fault at a time
 * (the sandbox lost after Ready, each plain init container killed mid-run during a fresh start, a
 * node reboot, each Service of theirs removed for a while), each followed by: Ready again within
 * the bound, the init containers ran again in order, the --probe output unchanged. Each test
 * attaches the pod's timeline (with the faults marked), spec, status, events, logs and the probe
 * outputs.
 */
import path from 'node:path';
import Mocha from 'mocha';
import { AssertionError } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod, V1Service } from '@kubernetes/client-node';
import { attachment, label } from 'allure-js-commons';
import type { Fault, Injection } from '../chaos/fault.js';
import { injectFault } from '../chaos/fault.js';
import { killContainer } from '../chaos/kill-container.js';
import { removeSandbox } from '../chaos/lose-sandbox.js';
import { ensureNodeRunning, rebootNode } from '../chaos/node-faults.js';
import { recordRows } from '../checks/recording.js';
import { nodeAccessFor } from '../cluster/node-access.js';
import { NodeCapabilityMissing } from '../cluster/provider.js';
import type { NodeAccess } from '../cluster/provider.js';
import { attachEvidence } from '../evidence/attach.js';
import { collectEvidence } from '../evidence/collect.js';
import { PodTimeline } from '../observe/timeline.js';
import type { TimelineRow } from '../observe/timeline.js';
import { podMatches } from '../observe/wait.js';
import { serverInfo } from '../scenario/kit.js';
import { sleep } from '../util/time.js';
import { applyObjects, currentPods, freshStart, runProbe, untilPod } from './apply.js';
import type { Finding } from './findings.js';
import { formatFinding } from './findings.js';
import type { Manifests } from './manifests.js';
import { appContainerOf } from './manifests.js';
import type { ProbeOutput } from './verdicts.js';
import { checkBoundedDuringOutage, checkInitOrder, checkKilledReranAlone, checkSameProbe, initContainerIds, isReady, readyWithNewInits, sideBySide } from './verdicts.js';

export const FAULTS = ['lose-sandbox', 'kill-init', 'node-reboot', 'service-outage'] as const;
export type FaultName = (typeof FAULTS)[number];

export interface CheckOptions {
  kc: KubeConfig;
  namespace: string;
  labels: Record<string, string>;
  provider: string;
  context?: string;
  manifests: Manifests;
  findings: Finding[];
  probe?: string;
  faults: FaultName[];
  recoverMs: number;
  readyMs: number;
  outageMs: number;
  /** Only the static findings (the API server refused the manifests: nothing can be applied). */
  staticOnly?: boolean;
}

export interface Recovery {
  fault: string;
  /** From the end of the injection (or, for an outage, the Service's return) to the pod Ready again. */
  ms: number;
}

export interface CheckState {
  ready: boolean;
  failed: boolean;
  recoveries: Recovery[];
  /** Deliberate waits (the outage itself), not the cluster's recovery. */
  deliberateMs: number;
}

class Skip extends Error {}

/** What one test collects: timelines, injections, extra attachments. */
class TestRecord {
  readonly timelines: PodTimeline[] = [];
  readonly injections: Injection[] = [];
  readonly extra: Array<{ name: string; content: string }> = [];
  readonly undos: Array<() => Promise<void>> = [];
}

/**
 * How long the cluster DNS may keep answering for a name after its Service is gone (plus a second):
 * nothing when its cache leaves cluster.local out (kubeadm's Corefile, ConfigMap kube-system/coredns),
 * else the TTL the CoreDNS kubernetes plugin gives its records (`ttl N`; 5 s, the plugin's default,
 * when not set or not readable, as on the embedded cluster, whose `cache 5` keeps answers that long).
 */
export function dnsTtlSeconds(corefile: string | undefined): number {
  // kubeadm's Corefile (1.34+) keeps answers for cluster.local out of the cache altogether.
  if (/\bcache\b[^{\n]*\{[^}]*\bdisable\s+success\s+cluster\.local\b/.test(corefile ?? '')) return 0;
  const ttl = /\bkubernetes\b[^{]*\{[^}]*\bttl\s+(\d+)/.exec(corefile ?? '')?.[1];
  return ttl === undefined ? 5 : Number(ttl);
}

async function dnsForgetsWithin(kc: KubeConfig): Promise<number> {
  const corefile = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' })
    .then((cm) => cm.data?.['Corefile'], () => undefined);
  return (dnsTtlSeconds(corefile) + 1) * 1000;
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

export function buildCheckSuite(mocha: Mocha, o: CheckOptions, state: CheckState): void {
  const w = o.manifests.workload;
  const suite = Mocha.Suite.create(mocha.suite, `check: ${w.kind}/${w.name}`);
  // allure-mocha names a test's file in its result (tests made at run time have none of their own): the manifest's.
  const file = path.resolve(w.source.replace(/#.*$/, ''));
  suite.file = file;
  const plainInits = (w.podSpec.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always').map((c) => c.name);
  const app = appContainerOf(w);
  let minor = 34;
  /** The probe at the first Ready: the state a fresh pod's init containers leave, compared with after a fault during a fresh start. */
  let baseline: ProbeOutput | undefined;
  let node: { access?: NodeAccess; why?: string } | undefined;
  const nodeAccess = () => {
    node ??= nodeAccessFor(o.provider, o.context, { kubeConfig: () => o.kc });
    if (!node.access) throw new Skip(node.why ?? 'no node access');
    return node.access;
  };

  const currentPod = async (): Promise<V1Pod> => {
    const pods = await currentPods(o.kc, o.namespace, w);
    if (!pods.length) throw new Error(`${w.kind}/${w.name} has no pod`);
    return pods[0]!;
  };
  const timeline = async (rec: TestRecord, pod: string) => {
    const t = await PodTimeline.start(o.kc, o.namespace, pod, minor);
    rec.timelines.push(t);
    return t;
  };
  const probe = async (rec: TestRecord, pod: string, when: string): Promise<ProbeOutput | undefined> => {
    if (!o.probe) return undefined;
    const out = await runProbe(o.kc, o.namespace, pod, app, o.probe);
    rec.extra.push({ name: `probe ${when} (pod ${pod}, container ${app}: sh -c ${JSON.stringify(o.probe)})`, content: `exit ${out.exitCode}\n--- stdout\n${out.stdout}${out.stderr ? `\n--- stderr\n${out.stderr}` : ''}` });
    return out;
  };
  const compareProbe = (rec: TestRecord, before: ProbeOutput | undefined, after: ProbeOutput | undefined, what: string) => {
    if (!before || !after) {
      rec.extra.push({ name: 'probe', content: 'no --probe given: the state inside the app container was not compared' });
      return;
    }
    rec.extra.push({ name: 'probe before │ after', content: sideBySide(before.stdout, after.stdout) });
    checkSameProbe(before, after, what);
  };
  const inject = async <T>(rec: TestRecord, target: T, t: PodTimeline, fault: Fault<T>) => {
    try {
      const undo = await injectFault(target, t, fault, rec.injections);
      rec.undos.push(undo);
      return undo;
    } catch (err) {
      if (err instanceof NodeCapabilityMissing) throw new Skip(err.message);
      throw err;
    }
  };
  /** Waits for the pod to recover; its recovery time runs from `fromWall` (when the fault began) to the row that shows it. */
  const readyAgain = async (rec: TestRecord, t: PodTimeline, description: string, met: (p: V1Pod) => boolean, fault: string, fromWall: number): Promise<TimelineRow> => {
    const row = await t.until(podMatches(description, met, o.recoverMs));
    const ms = Date.parse(row.receivedAt) - fromWall;
    state.recoveries.push({ fault, ms });
    rec.extra.push({ name: 'recovery', content: `${description}: ${(ms / 1000).toFixed(2)} s after the fault (bound --recover-within ${o.recoverMs / 1000} s)` });
    return row;
  };

  const test = (title: string, body: (rec: TestRecord) => Promise<void>, needsReady = true) => {
    const t = new Mocha.Test(title, async function (this: Mocha.Context) {
        this.timeout(o.recoverMs * 2 + o.outageMs + 180_000);
        await label('feature', `check: ${w.kind}/${w.name}`);
        await label('provider', o.provider);
        const rec = new TestRecord();
        let failure: unknown;
        if (needsReady && !state.ready) {
          this.test!.title += ' (skipped: the workload never became Ready)';
          this.skip();
        }
        try {
          await body(rec);
        } catch (err) {
          failure = err;
        }
        for (const undo of rec.undos) await undo().catch((err: unknown) => rec.extra.push({ name: 'undo problem', content: firstLine(err) }));
        if (rec.injections.length) rec.extra.push({ name: 'injected faults', content: JSON.stringify(rec.injections, null, 2) });
        await Promise.all(rec.timelines.map((t) => t.stop()));
        const evidence = rec.timelines.length ? await collectEvidence(o.kc, rec.timelines).catch((err: unknown) => ({ files: [], problems: [firstLine(err)] })) : { files: [], problems: [] };
        await attachEvidence([...evidence.files, ...rec.extra.map((e) => ({ ...e, contentType: 'text/plain' as const }))]);
        if (evidence.problems.length) await attachment('evidence problems', evidence.problems.join('\n'), 'text/plain');
        if (failure instanceof Skip) {
          this.test!.title += ` (skipped: ${failure.message})`;
          this.skip();
        }
        if (failure !== undefined) {
          state.failed = true;
          if (failure instanceof Error && rec.timelines.length) failure.message += `\nEvidence: in this test's Allure result open ${rec.timelines.map((t) => `"timeline ${t.podName}"`).join(', ')}${o.probe ? ' and the "probe" attachments' : ', the events and the logs'}.`;
          throw failure;
        }
      });
    t.file = file;
    suite.addTest(t);
  };

  test(`static findings: ${o.findings.length ? `${o.findings.length} (${o.findings.map((f) => f.severity).filter((s, i, a) => a.indexOf(s) === i).join(', ')})` : 'none'}`, async (rec) => {
    rec.extra.push({ name: 'static findings', content: o.findings.map(formatFinding).join('\n\n') || 'none' });
    const errors = o.findings.filter((f) => f.severity !== 'warning');
    if (errors.length) throw new AssertionError(`the manifests have errors:\n${errors.map(formatFinding).join('\n')}`);
  }, false);
  if (o.staticOnly) return;

  test(`Ready: ${w.kind}/${w.name} is applied and its pod becomes Ready within ${o.readyMs / 1000} s`, async (rec) => {
    minor = (await serverInfo(o.kc)).minor;
    const applied = await applyObjects(o.kc, o.namespace, o.manifests.objects, w, o.labels);
    rec.extra.push({ name: 'applied', content: `namespace ${o.namespace}:\n${applied.join('\n')}` });
    const name = w.kind === 'Pod' ? w.name : await untilPod(o.kc, o.namespace, w, [], o.readyMs);
    const t = await timeline(rec, name);
    const done = w.kind === 'Job' ? (p: V1Pod) => isReady(p) || p.status?.phase === 'Succeeded' : isReady;
    const row = await t.until(podMatches('Ready', done, o.readyMs));
    state.ready = true;
    checkInitOrder(row.pod);
    baseline = await probe(rec, name, 'at Ready (what a fresh pod is compared with)');
  }, false);

  const runningPod = async () => {
    const p = await currentPod();
    if (p.status?.phase !== 'Running') throw new Skip(`the pod is ${p.status?.phase} (a finished Job's pod has nothing left to disturb)`);
    return p;
  };

  if (o.faults.includes('kill-init')) {
    for (const victim of plainInits) {
      test(`init container ${victim} killed (SIGKILL) mid-run during a fresh start: it runs again alone, the ones before it not again, Ready within ${o.recoverMs / 1000} s, probe output unchanged`, async (rec) => {
        const node = nodeAccess();
        const pod = await runningPod();
        const before = baseline;
        const from = Date.now();
        const name = await freshStart(o.kc, o.namespace, w, pod, o.labels);
        const t = await timeline(rec, name);
        t.mark(`fresh start: pod ${pod.metadata!.name} deleted, ${name} is its successor`);
        const state_ = (p: V1Pod) => p.status?.initContainerStatuses?.find((s) => s.name === victim)?.state;
        const row = await t.until(podMatches(`${victim} running`, (p) => Boolean(state_(p)?.running || state_(p)?.terminated || isReady(p)), o.recoverMs));
        if (!state_(row.pod)?.running) throw new Skip(`${victim} had already finished when initc saw it (it runs for well under a second): nothing to kill mid-run`);
        try {
          await inject(rec, node, t, killContainer(o.namespace, name, victim, 'SIGKILL'));
        } catch (err) {
          if (/expected one running container/.test(firstLine(err))) throw new Skip(`${victim} finished before initc could kill it: ${firstLine(err)}`);
          throw err;
        }
        const ready = await readyAgain(rec, t, 'Ready', isReady, `${victim} killed`, from);
        checkKilledReranAlone(recordRows(t.rows), ready.pod, plainInits, victim);
        compareProbe(rec, before, await probe(rec, name, `after ${victim} was killed`), `${victim} was killed mid-run`);
      });
    }
  }

  // The faults that replace every container of the pod: the same test, but for how the fault is made and settles.
  const wholePodFaults = [
    {
      fault: 'lose-sandbox',
      title: 'sandbox lost after Ready',
      what: 'the sandbox loss',
      label: 'sandbox lost',
      injector: (name: string) => removeSandbox(o.namespace, name),
      settle: async () => undefined,
      probeTries: 1,
    },
    {
      fault: 'node-reboot',
      title: 'node reboot (kubelet stopped, every sandbox removed, containerd restarted, kubelet started)',
      what: 'the node reboot',
      label: 'node reboot',
      injector: () => rebootNode(),
      settle: async (undo: () => Promise<void>, node: NodeAccess) => {
        await undo();
        await ensureNodeRunning(node);
      },
      // The API server may still be settling after the reboot: the probe gets a few tries.
      probeTries: 11,
    },
  ] as const;
  for (const f of wholePodFaults) {
    if (!o.faults.includes(f.fault)) continue;
    test(`${f.title}: Ready again within ${o.recoverMs / 1000} s, every init container ran again from the first in spec order, probe output unchanged`, async (rec) => {
      const node = nodeAccess();
      const pod = await runningPod();
      const name = pod.metadata!.name!;
      const before = await probe(rec, name, `before ${f.what}`);
      const t = await timeline(rec, name);
      const ids = initContainerIds(t.latest!.pod);
      const from = Date.now();
      await f.settle(await inject(rec, node, t, f.injector(name)), node);
      const row = await readyAgain(rec, t, 'Ready again, every init container a new container', (p) => readyWithNewInits(p, ids), f.label, from);
      checkInitOrder(row.pod);
      let after: ProbeOutput | undefined;
      for (let i = 1; ; i++) {
        try {
          after = await probe(rec, name, `after ${f.what}`);
          break;
        } catch (err) {
          if (i >= f.probeTries) throw err;
          await sleep(2000);
        }
      }
      compareProbe(rec, before, after, f.what);
    });
  }



  if (o.faults.includes('service-outage')) {
    const services = o.manifests.objects.filter((s) => s.object.kind === 'Service').map((s) => s.object.metadata.name);
    if (!services.length) {
      test('dependency outage: skipped (the manifests define no Service)', async () => {
        throw new Skip('the manifests define no Service to take away');
      }, false);
    }
    for (const svc of services) {
      test(`dependency outage: Service ${svc} gone for ${o.outageMs / 1000} s during a fresh start: the init containers do not wait without a bound, Ready within ${o.recoverMs / 1000} s of its return, init order kept, probe output unchanged`, async (rec) => {
        const pod = await runningPod();
        const before = baseline;
        const old = await timeline(rec, pod.metadata!.name!);
        const undo = await inject(rec, o.kc, old, serviceRemoved(o.namespace, svc));
        // A name the cluster DNS answered a moment ago stays in its caches for up to the record's TTL:
        // a fresh pod started at once would still resolve the Service and never see the outage.
        const settleMs = await dnsForgetsWithin(o.kc);
        old.mark(`Service ${svc} is gone; waiting ${settleMs / 1000} s for the cluster DNS to forget it`);
        await sleep(settleMs);
        state.deliberateMs += settleMs;
        const name = await freshStart(o.kc, o.namespace, w, pod, o.labels);
        const t = await timeline(rec, name);
        t.mark(`Service ${svc} is gone; pod ${name} started afresh`);
        await sleep(o.outageMs);
        state.deliberateMs += o.outageMs;
        const during = recordRows(t.rows);
        const last = t.latest?.pod ?? (await o.kc.makeApiClient(CoreV1Api).readNamespacedPod({ namespace: o.namespace, name }));
        const from = Date.now();
        await undo();
        t.mark(`Service ${svc} created again`);
        const row = await readyAgain(rec, t, 'Ready', isReady, `Service ${svc} outage`, from);
        checkBoundedDuringOutage(during, last, o.outageMs, svc);
        checkInitOrder(row.pod);
        compareProbe(rec, before, await probe(rec, name, 'after the outage'), `the outage of Service ${svc}`);
      });
    }
  }
}

/** A Service taken away; undo creates it again from the same spec (without its ClusterIP) if it is missing. */
export function serviceRemoved(namespace: string, name: string): Fault<KubeConfig> {
  let saved: V1Service | undefined;
  return {
    description: `Service ${name} deleted`,
    undoDescription: `Service ${name} created again`,
    async inject(kc) {
      const core = kc.makeApiClient(CoreV1Api);
      saved = await core.readNamespacedService({ namespace, name });
      await core.deleteNamespacedService({ namespace, name });
    },
    async undo(kc) {
      if (!saved) return;
      const core = kc.makeApiClient(CoreV1Api);
      const exists = await core.readNamespacedService({ namespace, name }).then(() => true, (err: { code?: number }) => (err.code === 404 ? false : Promise.reject(err)));
      if (exists) return;
      const { clusterIP: _ip, clusterIPs: _ips, ...spec } = saved.spec ?? {};
      await core.createNamespacedService({ namespace, body: { metadata: { name, labels: saved.metadata?.labels, annotations: saved.metadata?.annotations }, spec } });
    },
  };
}

/** Parses --faults: names from FAULTS, comma-separated; `all` for every one. */
export function parseFaults(values: string[] | undefined): FaultName[] {
  const names = (values ?? ['all']).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  if (names.includes('none')) return [];
  if (!names.length || names.includes('all')) return [...FAULTS];
  const unknown = names.filter((n) => !(FAULTS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown fault ${unknown.join(', ')}; faults: all, none, ${FAULTS.join(', ')}`);
  return [...new Set(names)] as FaultName[];
}
