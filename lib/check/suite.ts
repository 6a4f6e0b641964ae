/**
 * `initc check`'s dynamic checks as Mocha tests made at run time (one suite, run in this process
 * with allure-mocha, as `initc run` runs its suites): the workload Ready, then one fault at a time
 * (the sandbox lost after Ready, each plain init container killed mid-run during a fresh start, a
 * node reboot, each Service of theirs removed for a while; then the faults that re-run init code in
 * production, lib/check/production-faults.ts: the pod replaced, a rollout, a scale-out, a drain).
 * Every fault test starts from the
 * workload Ready (waiting for it after the previous test, or saying it could not), so one test's
 * skip or failure never passes on to the next; each then checks Ready again, the init containers
 * ran again in order, and — with --probe — the probe's output unchanged.
 */
import path from 'node:path';
import Mocha from 'mocha';
import { AssertionError } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { Fault } from '../chaos/fault.js';
import { injectFault } from '../chaos/fault.js';
import { removeSandbox } from '../chaos/lose-sandbox.js';
import { ensureNodeRunning, rebootNode } from '../chaos/node-faults.js';
import { recordRows } from '../checks/recording.js';
import { nodeAccessFor } from '../cluster/node-access.js';
import { NodeCapabilityMissing } from '../cluster/provider.js';
import type { NodeAccess, Nodes } from '../cluster/provider.js';
import { PodTimeline } from '../observe/timeline.js';
import type { TimelineRow } from '../observe/timeline.js';
import { podMatches } from '../observe/wait.js';
import { serverInfo } from '../scenario/kit.js';
import { sleep } from '../util/time.js';
import { applyObjects, freshStart, runProbe, untilPod } from './apply.js';
import type { Finding } from './findings.js';
import { formatFinding } from './findings.js';
import type { TestRecord } from './harness.js';
import { addCheckTest, injectionEnd } from './harness.js';
import { addKillInitTests } from './kill-init.js';
import { addProductionFaultTests } from './production-faults.js';
import type { Manifests } from './manifests.js';
import { appContainerOf } from './manifests.js';
import { workloadReadiness } from './readiness.js';
import { DNS_PROBER, dnsForgetsWithin, formatLookup, lookUp, serviceRemoved, startDnsProber } from './outage.js';
import { Skip } from './outcome.js';
import type { CheckPart } from './outcome.js';
import type { ProbeOutput } from './verdicts.js';
import { checkBoundedDuringOutage, checkInitOrder, checkOutageTookEffect, checkProbeWorks, checkSameProbe, initContainerIds, isReady, readyWithNewInits, recoveryMs, sideBySide } from './verdicts.js';

import type { FaultName } from './faults.js';

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
  /** scale-out's replica count (--replicas). */
  replicas: number;
  /** replace-pod through the Eviction API (--evict). */
  evict: boolean;
  recoverMs: number;
  readyMs: number;
  outageMs: number;
  /** Only the static findings (the API server refused the manifests: nothing can be applied). */
  staticOnly?: boolean;
  /** A cluster with access to each of its nodes: the node faults act on the node the pod runs on. */
  nodes?: Nodes;
}

/**
 * The access to the node `nodeName` (where the pod runs) when the cluster has access to each node;
 * else (one node, or the pod not placed yet) the cluster's own node access, `fallback`.
 */
export function podNodeAccess(nodeName: string | undefined, nodes: Nodes | undefined, fallback: () => NodeAccess): NodeAccess {
  return nodes && nodeName ? nodes.nodeAccess(nodeName) : fallback();
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

export function buildCheckSuite(mocha: Mocha, o: CheckOptions, state: CheckState): void {
  const w = o.manifests.workload;
  const suite = Mocha.Suite.create(mocha.suite, `check: ${w.kind}/${w.name}`);
  // allure-mocha names a test's file in its result (tests made at run time have none of their own): the manifest's.
  const file = path.resolve(w.source.replace(/#.*$/, ''));
  suite.file = file;
  const plainInits = (w.podSpec.initContainers ?? []).filter((c) => c.restartPolicy !== 'Always').map((c) => c.name);
  const app = appContainerOf(w);
  const core = o.kc.makeApiClient(CoreV1Api);
  const idempotency = o.probe ? 'probe output unchanged' : 'idempotency not compared (no --probe)';
  let minor = 34;
  /** The probe at the first Ready: the state a fresh pod's init containers leave, compared with after a fault during a fresh start. */
  let baseline: ProbeOutput | undefined;
  let node: { access?: NodeAccess; why?: string } | undefined;
  /** The access to the node `nodeName` (the pod's), or without it the cluster's node access; none: the test is skipped. */
  const nodeAccess = (nodeName?: string) =>
    podNodeAccess(nodeName, o.nodes, () => {
      node ??= nodeAccessFor(o.provider, o.context, { kubeConfig: () => o.kc });
      if (!node.access) throw new Skip(node.why ?? 'no node access');
      return node.access;
    });
  const everyNode = () => (o.nodes ? o.nodes.nodeNames().map((n) => o.nodes!.nodeAccess(n)) : [nodeAccess()]);

  const { explained, readyPod } = workloadReadiness(o.kc, o.namespace, w, o.recoverMs);

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
      rec.extra.push({ name: 'idempotency', content: 'not compared: no --probe was given, so the state inside the app container after the fault was not compared with the one before it' });
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
  /** Waits for the pod to recover; its recovery time runs from `fromWall` (when the fault ended) to the row that shows it. */
  const readyAgain = async (rec: TestRecord, t: PodTimeline, description: string, met: (p: V1Pod) => boolean, fault: string, fromWall: number): Promise<TimelineRow> => {
    const row = await explained(t.until(podMatches(description, met, o.recoverMs)));
    const ms = recoveryMs(row.receivedAt, fromWall);
    state.recoveries.push({ fault, ms });
    rec.extra.push({ name: 'recovery', content: `${description}: ${(ms / 1000).toFixed(2)} s after the fault ended (bound --recover-within ${o.recoverMs / 1000} s)` });
    return row;
  };

  const test = (part: CheckPart, title: string, body: (rec: TestRecord) => Promise<void>) =>
    addCheckTest(
      {
        suite,
        file,
        kc: o.kc,
        feature: `check: ${w.kind}/${w.name}`,
        provider: o.provider,
        timeoutMs: o.recoverMs * 3 + o.outageMs + 180_000,
        lookAlso: o.probe ? ' and the "probe" attachments' : ', the events and the logs',
        onFailure: () => (state.failed = true),
        before:
          part === 'fault'
            ? async () => {
                if (!state.ready) throw new Skip('the workload never became Ready');
              }
            : undefined,
      },
      part,
      title,
      body,
    );

  test('static', `static findings: ${o.findings.length ? `${o.findings.length} (${o.findings.map((f) => f.severity).filter((s, i, a) => a.indexOf(s) === i).join(', ')})` : 'none'}`, async (rec) => {
    rec.extra.push({ name: 'static findings', content: o.findings.map(formatFinding).join('\n\n') || 'none' });
    const errors = o.findings.filter((f) => f.severity !== 'warning');
    if (errors.length) throw new AssertionError(`the manifests have errors:\n${errors.map(formatFinding).join('\n')}`);
  });
  if (o.staticOnly) return;

  test('ready', `Ready: ${w.kind}/${w.name} is applied and its pod becomes Ready within ${o.readyMs / 1000} s${o.probe ? ', the --probe succeeds on it' : ''}`, async (rec) => {
    minor = (await serverInfo(o.kc)).minor;
    const applied = await applyObjects(o.kc, o.namespace, o.manifests.objects, w, o.labels);
    rec.extra.push({ name: 'applied', content: `namespace ${o.namespace}:\n${applied.join('\n')}` });
    const name = w.kind === 'Pod' ? w.name : await untilPod(o.kc, o.namespace, w, [], o.readyMs);
    const t = await timeline(rec, name);
    const done = w.kind === 'Job' ? (p: V1Pod) => isReady(p) || p.status?.phase === 'Succeeded' : isReady;
    const row = await explained(t.until(podMatches('Ready', done, o.readyMs)));
    state.ready = true;
    checkInitOrder(row.pod);
    baseline = await probe(rec, name, 'at Ready (what a fresh pod is compared with)');
    if (baseline) checkProbeWorks(baseline, 'on the freshly Ready pod');
  });

  if (o.faults.includes('kill-init')) {
    addKillInitTests({ kc: o.kc, namespace: o.namespace, labels: o.labels, workload: w, recoverMs: o.recoverMs, plainInits, idempotency, test, nodeAccess, everyNode, readyPod, timeline, inject, readyAgain, probe, compareProbe, baseline: () => baseline });
  }

  // The faults that replace every container of the pod: the same test, but for how the fault is made and settles.
  const wholePodFaults = [
    { fault: 'lose-sandbox', title: 'sandbox lost after Ready', what: 'the sandbox loss', label: 'sandbox lost', injector: (name: string) => removeSandbox(o.namespace, name), settle: async () => undefined, probeTries: 1 },
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
    test('fault', `${f.title}: Ready again within ${o.recoverMs / 1000} s, every init container ran again from the first in spec order, ${idempotency}`, async (rec) => {
      nodeAccess();
      const pod = await readyPod(rec);
      const name = pod.metadata!.name!;
      const node = nodeAccess(pod.spec?.nodeName);
      const before = await probe(rec, name, `before ${f.what}`);
      if (before) checkProbeWorks(before, `before ${f.what}`);
      const t = await timeline(rec, name);
      const ids = initContainerIds(t.latest!.pod);
      await f.settle(await inject(rec, node, t, f.injector(name)), node);
      const row = await readyAgain(rec, t, 'Ready again, every init container a new container', (p) => readyWithNewInits(p, ids), f.label, injectionEnd(rec));
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
    if (!services.length) test('fault', 'dependency outage', async () => {
      throw new Skip('the manifests define no Service to take away');
    });
    for (const svc of services) {
      test('fault', `dependency outage: Service ${svc} gone for ${o.outageMs / 1000} s during a fresh start (its name proven gone from inside the namespace): the init containers do not wait without a bound, Ready within ${o.recoverMs / 1000} s of its return, init order kept, ${idempotency}`, async (rec) => {
        const pod = await readyPod(rec);
        const fqdn = `${svc}.${o.namespace}.svc.cluster.local`;
        await startDnsProber(o.kc, o.namespace, o.labels);
        rec.undos.push(() => core.deleteNamespacedPod({ namespace: o.namespace, name: DNS_PROBER, gracePeriodSeconds: 0 }).then(() => undefined));
        const resolvedBefore = await lookUp(o.kc, o.namespace, fqdn);
        rec.extra.push({ name: `DNS from inside namespace ${o.namespace}, before the outage`, content: formatLookup(resolvedBefore) });
        const old = await timeline(rec, pod.metadata!.name!);
        const undo = await inject(rec, o.kc, old, serviceRemoved(o.namespace, svc));
        // A name the cluster DNS answered a moment ago stays in its caches for up to the record's TTL:
        // a fresh pod started at once would still resolve the Service and never see the outage.
        const settleMs = await dnsForgetsWithin(o.kc);
        old.mark(`Service ${svc} is gone; waiting ${settleMs / 1000} s for the cluster DNS to forget it`);
        await sleep(settleMs);
        state.deliberateMs += settleMs;
        const goneAfter = await lookUp(o.kc, o.namespace, fqdn);
        rec.extra.push({ name: `DNS from inside namespace ${o.namespace}, during the outage`, content: formatLookup(goneAfter) });
        checkOutageTookEffect(resolvedBefore.answer, goneAfter.answer, fqdn);
        const name = await freshStart(o.kc, o.namespace, w, pod, o.labels);
        const t = await timeline(rec, name);
        t.mark(`Service ${svc} is gone (${fqdn}: NXDOMAIN inside the namespace); pod ${name} started afresh`);
        await sleep(o.outageMs);
        state.deliberateMs += o.outageMs;
        const during = recordRows(t.rows);
        const last = t.latest?.pod ?? (await core.readNamespacedPod({ namespace: o.namespace, name }));
        await undo();
        const back = Date.now();
        t.mark(`Service ${svc} created again`);
        const bounded = checkBoundedDuringOutage(during, last, o.outageMs, svc);
        rec.extra.push({ name: 'outage outcome', content: bounded });
        const row = await readyAgain(rec, t, 'Ready', isReady, `Service ${svc} outage`, back);
        checkInitOrder(row.pod);
        compareProbe(rec, baseline, await probe(rec, name, 'after the outage'), `the outage of Service ${svc}`);
      });
    }
  }

  addProductionFaultTests({
    kc: o.kc, namespace: o.namespace, labels: o.labels, workload: w, faults: o.faults, recoverMs: o.recoverMs, replicas: o.replicas, evict: o.evict,
    idempotency, test, readyPod, timeline, inject, readyAgain, probe, compareProbe, baseline: () => baseline,
    recovered: (rec, fault, ms, description) => {
      state.recoveries.push({ fault, ms });
      rec.extra.push({ name: 'recovery', content: `${description}: ${(ms / 1000).toFixed(2)} s after the fault ended (bound --recover-within ${o.recoverMs / 1000} s)` });
    },
  });
}
