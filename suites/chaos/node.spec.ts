/**
 * Faults of the whole node. They disturb every pod on it, so `initc run` runs this file alone,
 * after the other suites (its serial phase).
 */
import { expect } from 'chai';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { PRINTOUT_END, pod, printsLedger, resultLine, succeeds, writesResult } from '../../fixtures/pod.js';
import { requireProof } from '../../lib/chaos/fault.js';
import { rebootNode, restartComponent } from '../../lib/chaos/node-faults.js';
import { overlapProof } from '../../lib/chaos/proof.js';
import { attemptsOf } from '../../lib/checks/recording.js';
import { checkNothingReran, checkRanAgainFromFirst, checkSameTransitions } from '../../lib/checks/chaos.js';
import { idempotencyVerdict } from '../../lib/checks/behaviours.js';
import { allContainerStatuses, podStatus } from '../../lib/observe/status.js';
import { appRunningAfterRerun, phase, podMatches } from '../../lib/observe/wait.js';
import type { PodRun } from '../../lib/scenario/pod-run.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

const INITS = ['init-a', 'init-b', 'init-c'];
const SLOW = 20;

/**
 * init-b takes SLOW seconds: long enough for a component to go down and come back while it runs.
 * On loaded cores (kind through a privileged pod, beside other clusters) a kubelet restart took 9 s
 * from its stop to serving again, and the stop came 4 s into init-b: 12 s was not enough.
 */
const slowMiddle = (name: string) => pod(name).init(succeeds('init-a')).init(succeeds('init-b', SLOW)).init(succeeds('init-c')).app(printsLedger('app'));

/**
 * Waits until a whole second has passed since `name`'s start as the API shows it (to the second,
 * truncated), so that a fault injected now provably came after the start (overlapProof).
 */
async function pastStartOf(run: PodRun, name: string): Promise<void> {
  const startedAt = (p: V1Pod) => allContainerStatuses(p).find((c) => c.name === name)?.state?.running?.startedAt;
  const row = await run.until(podMatches(`${name} running, with its start time`, (p) => Boolean(startedAt(p)), 30_000));
  const wait = new Date(startedAt(row.pod)!).getTime() + 1100 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

async function printout(run: PodRun): Promise<string[]> {
  await run.untilLog('app', new RegExp(`^${PRINTOUT_END}$`), 90_000);
  return (await run.log('app')).split('\n');
}

describe('chaos-node: the kubelet, the container runtime and the node itself', function () {
  this.timeout(240_000);

  // Upstream: the kubelet rebuilds its view from the runtime on start (kuberuntime GetPodStatus):
  // a running init container is found running and exited ones are found exited, so nothing is
  // re-run. upstream's own node e2e test says the same for the kubelet: test/e2e_node/
  // container_lifecycle_test.go, "The kubelet restarts" → "a Pod is initializing the long-running
  // init container" → "should not restart any completed init container after the kubelet restart"
  // (listed in the test plan of the sidecar KEP-753). This test asserts it on 1.33–1.36. containerd keeps its
  // containers in their shims while it is down and the kubelet reconnects; upstream has no node
  // e2e test of that for init containers: this one asserts what 1.33–1.36 do (embedded and kind).
  //
  // The restart proves itself (a new pid, seen down, gone ≥ 3 s), and that it overlapped init-b's
  // run (init-b started before the stop and finished after the component served again): else the
  // test is broken, since "nothing ran twice" would hold for an undisturbed pod too.
  for (const component of ['kubelet', 'containerd'] as const) {
    scenarioTest(`${component} restarted while an init container runs (proven: a new pid, down ≥ 3 s, within init-b's run): it keeps running, nothing runs twice, the pod reaches Running`, async (kit) => {
      const run = await kit.start(slowMiddle(`${component}-restart`));
      await run.untilLog('init-b', / init-b started$/);
      await pastStartOf(run, 'init-b');
      const restart = restartComponent(component, 3000);
      await kit.inject(run, restart);
      await run.until(phase('Running', 120_000));
      await printout(run);
      const rec = await kit.recording(run);
      requireProof(kit.injections.at(-1)!, overlapProof(restart.downWindow()!, 'init-b', attemptsOf(rec.rows, 'init-b')[0]));
      checkNothingReran(rec, INITS, 'app');
    }, { timeoutMs: 200_000 });
  }

  // Upstream: test/e2e_node/container_lifecycle_test.go, "should restart the containers in the
  // right order after the node reboot": every init container starts again, in order, before the app.
  scenarioTest('node reboot after init: every init container runs again from the first; the idempotent writer keeps one result, the appending one is caught', async (kit) => {
    const good = await kit.start(pod('reboot-idempotent').init(succeeds('init-a')).init(writesResult('init-writer', 0, true)).app(printsLedger('app')));
    const bad = await kit.start(pod('reboot-appending').init(succeeds('init-a')).init(writesResult('init-writer', 0, false)).app(printsLedger('app')));
    await Promise.all([good.until(phase('Running', 60_000)), bad.until(phase('Running', 60_000))]);
    await Promise.all([printout(good), printout(bad)]);
    await kit.inject(good, rebootNode());
    await Promise.all([good.until(appRunningAfterRerun('init-a', 'app', 120_000)), bad.until(appRunningAfterRerun('init-a', 'app', 120_000))]);
    const [goodOut, badOut] = await Promise.all([printout(good), printout(bad)]);
    kit.observed();
    checkRanAgainFromFirst(await kit.recording(good), ['init-a', 'init-writer'], 'app', 'complete');
    const results = (lines: string[]) => lines.filter((l) => l.startsWith('result of '));
    expect(results(goodOut), 'the idempotent writer after the reboot: the first attempt\'s result, alone').to.deep.equal([resultLine('init-writer', 1)]);
    expect(idempotencyVerdict(results(badOut)), `negative control: the appending writer after the reboot left ${results(badOut).join(' | ') || 'no result'}`).to.equal('not idempotent');
    expect(results(badOut), 'the appending writer: one result per pass (before and after the reboot)').to.deep.equal([resultLine('init-writer', 1), resultLine('init-writer', 2)]);
  }, { timeoutMs: 220_000 });
});

/**
 * A second watch, independent of the timeline recorder: client-node's plain JSON watch (not the
 * server's Table), resumed from its last resourceVersion whenever it ends, and listed again on
 * 410 Gone (a restarted API server's watch cache starts at etcd's current revision, so resuming
 * from an older one is refused).
 */
class PlainWatch {
  readonly seen: Array<{ rv: string; status: string }> = [];
  private abort?: AbortController;
  private stopped = false;
  private rv = '';

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly pod: string,
    private readonly printerMinor: number,
  ) {}

  async start(): Promise<void> {
    await this.list();
    this.watch();
  }

  private async list(): Promise<void> {
    const list = await this.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: this.namespace, fieldSelector: `metadata.name=${this.pod}` });
    for (const p of list.items) this.add(p);
    this.rv = list.metadata?.resourceVersion ?? '';
  }

  private add(p: V1Pod): void {
    const rv = p.metadata?.resourceVersion ?? '';
    if (this.seen.at(-1)?.rv !== rv) this.seen.push({ rv, status: podStatus(p, this.printerMinor) });
  }

  private watch(): void {
    if (this.stopped) return;
    let gone = false;
    const again = () => setTimeout(() => void (gone ? this.list().catch(() => undefined) : Promise.resolve()).then(() => this.watch()), 250);
    void new Watch(this.kc)
      .watch(`/api/v1/namespaces/${this.namespace}/pods`, { fieldSelector: `metadata.name=${this.pod}`, resourceVersion: this.rv, allowWatchBookmarks: true }, (type, obj: V1Pod & { code?: number }) => {
        if (type === 'ERROR') gone = obj.code === 410;
        if (type === 'ERROR' || type === 'BOOKMARK') return;
        this.rv = obj.metadata?.resourceVersion ?? this.rv;
        this.add(obj);
      }, again)
      .then((c) => (this.abort = c), again);
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}

describe('chaos-node: the API server restarted mid-scenario', function () {
  this.timeout(240_000);

  scenarioTest('the timeline keeps every transition through an API server restart (proven: a new pid, down ≥ 3 s, the recorder\'s watch dropped): the same resourceVersions and STATUS as an independent plain watch', async (kit) => {
    const builder = slowMiddle('apiserver-restart');
    const independent = new PlainWatch(kit.kc, await kit.namespace(), builder.name, (await kit.server()).minor);
    await independent.start();
    try {
      const run = await kit.start(builder);
      await run.untilLog('init-b', / init-b started$/);
      await kit.inject(run, restartComponent('kube-apiserver', 3000));
      await run.until(phase('Running', 120_000));
      await printout(run);
      // The independent watch may still be catching up on the last events.
      const lastRv = run.timeline.latest!.resourceVersion;
      for (let i = 0; i < 40 && !independent.seen.some((s) => s.rv === lastRv); i++) await new Promise((r) => setTimeout(r, 250));
      kit.attach('independent watch (resourceVersion STATUS)', independent.seen.map((s) => `${s.rv} ${s.status}`).join('\n'));
      await kit.saveRecord('apiserver-restart-independent', independent.seen);
      expect(run.timeline.watchErrors.join('\n'), 'the recorder saw its watch end during the restart').to.match(/watch dropped|watch error/);
      const rec = await kit.recording(run);
      checkSameTransitions(rec.rows, independent.seen);
      checkNothingReran(rec, INITS, 'app');
    } finally {
      independent.stop();
    }
  }, { timeoutMs: 200_000 });
});
