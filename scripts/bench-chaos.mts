// Benchmark of the fault injectors on the embedded cluster: per injector, the time from the end of
// the injection to the pod's recovery (its app running again after the re-run), beside the
// cluster's own floor for that recovery: the same pod started fresh (creation to app running),
// which is what a re-run from the first init container has to go through again. Restarts of the
// kubelet, containerd and the API server re-run nothing: for them, the delay they add to a pod that
// is initializing (creation → app running, less the same pod undisturbed) beside the time the
// restart itself took (stop, 3 s down, start until serving). Medians of `runs` (default 3).
// Prints tables and the ratios.
// Usage: scripts/bench-chaos [runs]  (root; starts the embedded cluster if needed, stops it if it did)
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { holdsFirstAttempt, pod, printsLedger, slow, succeeds } from '../fixtures/pod.js';
import type { PodBuilder } from '../fixtures/pod.js';
import type { Fault, Injection } from '../lib/chaos/fault.js';
import { injectFault } from '../lib/chaos/fault.js';
import { killContainer } from '../lib/chaos/kill-container.js';
import { killPause, removeSandbox } from '../lib/chaos/lose-sandbox.js';
import { rebootNode, restartComponent } from '../lib/chaos/node-faults.js';
import type { NodeComponent } from '../lib/cluster/provider.js';
import { LocalClusterProvider } from '../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../lib/cluster/local/versions.js';
import { PodTimeline } from '../lib/observe/timeline.js';
import { allContainerStatuses } from '../lib/observe/status.js';
import { appRunningAfterRerun, podMatches } from '../lib/observe/wait.js';
import { silentProgress } from '../lib/progress.js';
import { createRunNamespace, deleteNamespace, newRunId, runLabels } from '../lib/scenario/namespace.js';

const runs = Number(process.argv[2] ?? 3);
const provider = new LocalClusterProvider({ version: resolveKubeVersion(process.env.INITC_BENCH_VERSION), mergeKubeconfig: false });
const wasRunning = (await provider.status()).running;
const cluster = await provider.create({ progress: silentProgress });
const kc = cluster.kubeConfig();
const runId = newRunId();
const minor = Number.parseInt((await kc.makeApiClient(CoreV1Api).readNode({ name: provider.layout.nodeName })).status!.nodeInfo!.kubeletVersion.split('.')[1]!, 10);

const appRunning = (p: V1Pod) => Boolean(allContainerStatuses(p).find((c) => c.name === 'app')?.state?.running);

async function withPod<T>(kc: KubeConfig, builder: PodBuilder, body: (t: PodTimeline, ns: string) => Promise<T>): Promise<T> {
  const ns = await createRunNamespace(kc, runId, 'bench-chaos');
  const t = await PodTimeline.start(kc, ns, builder.name, minor);
  try {
    await kc.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: ns, body: builder.build(ns, runLabels(runId)) });
    return await body(t, ns);
  } finally {
    await t.stop();
    await deleteNamespace(kc, ns);
  }
}

/** Fresh start: creation to app running, for the all-succeeding twin of the pod. */
const freshStart = () =>
  withPod(kc, pod('fresh').init(succeeds('init-a')).init(succeeds('init-b')).init(succeeds('init-c')).app(printsLedger('app')), async (t) => {
    const t0 = Date.now();
    await t.until(podMatches('app running', appRunning, 60_000));
    return Date.now() - t0;
  });

interface Case {
  name: string;
  builder: () => PodBuilder;
  /** When to inject: init-b has started (its first attempt holds), or the app runs. */
  when: 'init-b held' | 'running';
  fault: (ns: string, pod: string) => Fault;
  /** The recovery awaited: init-a ran again (sandbox lost) or only init-b did (kill). */
  rerunFromFirst: boolean;
}

const held = () => pod('held').init(succeeds('init-a')).init(holdsFirstAttempt('init-b')).init(succeeds('init-c')).app(printsLedger('app'));
const plain = () => pod('plain').init(succeeds('init-a')).init(succeeds('init-b')).init(succeeds('init-c')).app(printsLedger('app'));
const cases: Case[] = [
  { name: 'SIGKILL init container', builder: held, when: 'init-b held', fault: (ns, p) => killContainer(ns, p, 'init-b', 'SIGKILL'), rerunFromFirst: false },
  { name: 'sandbox removed (init)', builder: held, when: 'init-b held', fault: removeSandbox, rerunFromFirst: true },
  { name: 'pause killed (init)', builder: held, when: 'init-b held', fault: killPause, rerunFromFirst: true },
  { name: 'sandbox removed (running)', builder: plain, when: 'running', fault: removeSandbox, rerunFromFirst: true },
  { name: 'node reboot (running)', builder: plain, when: 'running', fault: () => rebootNode(), rerunFromFirst: true },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`.padStart(8);
try {
  const fresh: number[] = [];
  for (let i = 0; i < runs; i++) fresh.push(await freshStart());
  console.log(`fresh start of the pod (creation → app running), median of ${runs}: ${s(median(fresh))}\n`);
  console.log(`${'injector'.padEnd(26)} ${'inject'.padStart(8)} ${'recovery'.padStart(8)} ${'floor'.padStart(8)}  ratio`);
  for (const c of cases) {
    const injectMs: number[] = [];
    const recoveryMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      await withPod(kc, c.builder(), async (t, ns) => {
        await t.until(c.when === 'running' ? podMatches('app running', appRunning, 60_000) : podMatches('init-b running', (p) => Boolean(allContainerStatuses(p).find((x) => x.name === 'init-b')?.state?.running), 60_000));
        const log: Injection[] = [];
        const undo = await injectFault(cluster, t, c.fault(ns, c.builder().name), log);
        const t0 = Date.now();
        await t.until(c.rerunFromFirst ? appRunningAfterRerun('init-a', 'app', 120_000) : podMatches('app running', appRunning, 120_000));
        recoveryMs.push(Date.now() - t0);
        injectMs.push(log[0]!.injectMs);
        await undo();
      });
    }
    const r = median(recoveryMs);
    console.log(`${c.name.padEnd(26)} ${s(median(injectMs))} ${s(r)} ${s(median(fresh))}  ${(r / median(fresh)).toFixed(2).padStart(5)}`);
  }
  console.log('\nrecovery: end of the injection → the app running again after the re-run; floor: the same pod started fresh.');

  // Restarts: init-b takes 8 s; the restart is injected as soon as it runs.
  const slowPod = () => pod('slow').init(succeeds('init-a')).init(slow('init-b', 8)).init(succeeds('init-c')).app(printsLedger('app'));
  const initBRunning = (p: V1Pod) => Boolean(allContainerStatuses(p).find((x) => x.name === 'init-b')?.state?.running);
  const untilApp = async (t: PodTimeline) => {
    const t0 = Date.now();
    await t.until(podMatches('app running', appRunning, 180_000));
    return Date.now() - t0;
  };
  const undisturbed: number[] = [];
  for (let i = 0; i < runs; i++) undisturbed.push(await withPod(kc, slowPod(), (t) => untilApp(t)));
  console.log(`\nthe same pod with an 8 s init-b, undisturbed (creation → app running), median of ${runs}: ${s(median(undisturbed))}\n`);
  console.log(`${'restart (nothing re-runs)'.padEnd(26)} ${'restart'.padStart(8)} ${'delay'.padStart(8)}  ratio`);
  for (const component of ['kubelet', 'containerd', 'kube-apiserver'] as NodeComponent[]) {
    const restartMs: number[] = [];
    const delayMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      await withPod(kc, slowPod(), async (t) => {
        const created = Date.now();
        await t.until(podMatches('init-b running', initBRunning, 60_000));
        const log: Injection[] = [];
        const undo = await injectFault(cluster, t, restartComponent(component, 3000), log);
        await t.until(podMatches('app running', appRunning, 180_000));
        delayMs.push(Math.max(0, Date.now() - created - median(undisturbed)));
        restartMs.push(log[0]!.injectMs);
        await undo();
      });
    }
    const d = median(delayMs);
    console.log(`${component.padEnd(26)} ${s(median(restartMs))} ${s(d)}  ${(d / median(restartMs)).toFixed(2).padStart(5)}`);
  }
  console.log('\nrestart: stop, 3 s down, start until it serves; delay: what the restart added to the pod\'s creation → app running.');
} finally {
  await cluster.release();
  if (!wasRunning) await provider.destroy({ progress: silentProgress });
}
