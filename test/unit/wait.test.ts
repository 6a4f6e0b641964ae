/**
 * Wait objects (lib/observe/wait.ts) on hand-made pods: what each waits for, when it gives up and
 * with which words (those reach the test report), their timeouts, and the two error kinds the
 * reporters tell apart.
 */
import { expect } from 'chai';
import type { V1ContainerState, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { InfrastructureError, WaitFailed, appRunningAfterRerun, infrastructureTrouble, phase, podMatches, podRunning, restartsAtLeast, status } from '../../lib/observe/wait.js';

const cs = (name: string, state: V1ContainerState | undefined, extra: Partial<V1ContainerStatus> = {}): V1ContainerStatus => ({
  name,
  image: `localhost/initc/${name}:v1`,
  imageID: '',
  ready: false,
  restartCount: 0,
  state,
  ...extra,
});
const waiting = (reason?: string, message?: string): V1ContainerState => ({ waiting: { reason, message } });
const running: V1ContainerState = { running: { startedAt: new Date(0) } };
const done = (exitCode: number, reason?: string): V1ContainerState => ({ terminated: { exitCode, reason } });

function pod(phaseName: string | undefined, o: { reason?: string; init?: V1ContainerStatus[]; app?: V1ContainerStatus[]; inits?: string[]; apps?: string[] } = {}): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns' },
    spec: { initContainers: (o.inits ?? []).map((name) => ({ name })), containers: (o.apps ?? ['app']).map((name) => ({ name })) },
    status: { phase: phaseName, reason: o.reason, initContainerStatuses: o.init, containerStatuses: o.app },
  };
}
const noStatus: V1Pod = { metadata: { name: 'p' } };
const emptyStatus: V1Pod = { metadata: { name: 'p' }, status: {} };

describe('wait errors', () => {
  it('WaitFailed is a failed assertion (reporters count it as failed, not broken) and keeps the last pod seen', () => {
    const last = pod('Pending');
    const e = new WaitFailed('expected phase Running of pod ns/p within 5s; it did not happen.', last);
    expect(e).to.be.instanceOf(Error);
    expect(e.name).to.equal('AssertionError');
    expect(e.message).to.equal('expected phase Running of pod ns/p within 5s; it did not happen.');
    expect(e.lastSeen).to.equal(last);
    expect(new WaitFailed('m', undefined).lastSeen).to.equal(undefined);
  });

  it('InfrastructureError is named apart, so the test is reported broken', () => {
    const e = new InfrastructureError('container a cannot get its image');
    expect(e).to.be.instanceOf(Error);
    expect(e).not.to.be.instanceOf(WaitFailed);
    expect(e.name).to.equal('InfrastructureError');
    expect(e.message).to.equal('container a cannot get its image');
  });
});

describe('phase waits', () => {
  it('describe themselves, wait 120 s unless told, and are met by exactly that phase', () => {
    const w = phase('Failed');
    expect(w.description).to.equal('phase Failed');
    expect(w.timeoutMs).to.equal(120_000);
    expect(phase('Succeeded', 5_000).timeoutMs).to.equal(5_000);
    expect(w.met(pod('Failed'))).to.equal(true);
    for (const other of [pod('Pending'), pod('Running'), pod('Succeeded'), noStatus, emptyStatus]) expect(w.met(other)).to.equal(false);
  });

  it('podRunning is phase Running', () => {
    const w = podRunning();
    expect(w.description).to.equal('phase Running');
    expect(w.timeoutMs).to.equal(120_000);
    expect(podRunning(7_000).timeoutMs).to.equal(7_000);
    expect(w.met(pod('Running'))).to.equal(true);
    expect(w.met(pod('Pending'))).to.equal(false);
  });

  // [wanted, pod, hopeless reason or undefined while the phase can still come]
  const cases: Array<['Running' | 'Pending' | 'Failed' | 'Succeeded', V1Pod, string | undefined]> = [
    ['Running', pod('Pending'), undefined],
    ['Running', pod('Running'), undefined],
    ['Running', pod('Failed'), 'the pod is already Failed'],
    ['Running', pod('Failed', { reason: 'DeadlineExceeded' }), 'the pod is already Failed (DeadlineExceeded)'],
    ['Running', pod('Succeeded'), 'the pod is already Succeeded'],
    ['Running', noStatus, undefined],
    ['Running', emptyStatus, undefined],
    ['Pending', pod('Running'), undefined],
    ['Pending', pod('Succeeded'), 'the pod is already Succeeded'],
    ['Pending', pod('Failed', { reason: 'Evicted' }), 'the pod is already Failed (Evicted)'],
    ['Failed', pod('Pending'), undefined],
    ['Failed', pod('Running'), undefined],
    ['Failed', pod('Failed', { reason: 'DeadlineExceeded' }), undefined],
    ['Failed', pod('Succeeded'), 'the pod is already Succeeded'],
    ['Failed', noStatus, undefined],
    ['Failed', emptyStatus, undefined],
    ['Succeeded', pod('Succeeded'), undefined],
    ['Succeeded', pod('Failed', { reason: 'DeadlineExceeded' }), 'the pod is already Failed (DeadlineExceeded)'],
    ['Succeeded', pod('Running'), undefined],
  ];
  for (const [wanted, p, why] of cases) {
    it(`waiting for ${wanted} on a pod ${p.status?.phase ?? 'without phase'}${p.status?.reason ? ` (${p.status.reason})` : ''} is ${why ? `hopeless: "${why}"` : 'not hopeless'}`, () => {
      expect(phase(wanted).hopeless(p)).to.equal(why);
    });
  }
});

describe('STATUS waits', () => {
  const initError = pod('Failed', { inits: ['a', 'b'], init: [cs('a', done(0, 'Completed')), cs('b', done(3, 'Error'))], app: [cs('app', waiting('PodInitializing'))] });
  const initRunning = pod('Pending', { inits: ['a', 'b'], init: [cs('a', running), cs('b', waiting('PodInitializing'))], app: [cs('app', waiting('PodInitializing'))] });
  // Printed "Completed" before 1.35 and "Error" from 1.35.
  const appFailed = pod('Failed', { apps: ['a', 'b'], app: [cs('a', done(0, 'Completed')), cs('b', done(2, 'Error'))] });

  it('a string is matched exactly against the STATUS column', () => {
    const w = status('Init:Error');
    expect(w.description).to.equal('STATUS Init:Error');
    expect(w.timeoutMs).to.equal(120_000);
    expect(status('Init:Error', 9_000).timeoutMs).to.equal(9_000);
    expect(w.met(initError)).to.equal(true);
    expect(w.met(initRunning)).to.equal(false);
    expect(status('Init:').met(initError)).to.equal(false);
    expect(status('Init:Error:').met(initError)).to.equal(false);
  });

  it('a RegExp is tested against the STATUS column, and described as written', () => {
    const w = status(/^Init:(Error|ExitCode:3)$/);
    expect(w.description).to.equal('STATUS /^Init:(Error|ExitCode:3)$/');
    expect(w.met(initError)).to.equal(true);
    expect(w.met(initRunning)).to.equal(false);
    expect(status(/^Init:\d\/2$/).met(initRunning)).to.equal(true);
  });

  it('is hopeless on a terminal pod that shows another STATUS, never on one that shows it', () => {
    expect(status('Running').hopeless(initError)).to.equal('the pod is already Failed');
    expect(status(/Running/).hopeless(initError)).to.equal('the pod is already Failed');
    expect(status('Init:Error').hopeless(initError)).to.equal(undefined);
    expect(status(/Init:/).hopeless(initError)).to.equal(undefined);
    expect(status('Running').hopeless(initRunning)).to.equal(undefined);
  });

  it("uses the given release's printer (from 1.35 a failed app container beside a completed one shows its error)", () => {
    expect(status('Error').met(appFailed)).to.equal(false);
    expect(status('Error', 1_000, 35).met(appFailed)).to.equal(true);
    expect(status('Completed', 1_000, 34).met(appFailed)).to.equal(true);
    expect(status('Completed', 1_000, 35).met(appFailed)).to.equal(false);
    expect(status('Completed', 1_000, 35).hopeless(appFailed)).to.equal('the pod is already Failed');
    expect(status('Completed', 1_000, 34).hopeless(appFailed)).to.equal(undefined);
    expect(status('Error', 1_000, 35).hopeless(appFailed)).to.equal(undefined);
  });
});

describe('restart waits', () => {
  const p = (restarts: number, phaseName = 'Pending') =>
    pod(phaseName, { inits: ['a', 'b'], init: [cs('a', done(0, 'Completed'), { restartCount: 9 }), cs('b', waiting('CrashLoopBackOff'), { restartCount: restarts })], app: [cs('app', waiting('PodInitializing'), { restartCount: 5 })] });

  it('describe the container and count, and wait 180 s unless told', () => {
    const w = restartsAtLeast('b', 4);
    expect(w.description).to.equal('container b restarted 4 times');
    expect(w.timeoutMs).to.equal(180_000);
    expect(restartsAtLeast('b', 4, 60_000).timeoutMs).to.equal(60_000);
  });

  it('are met once that container (not another) has restarted at least that often', () => {
    const w = restartsAtLeast('b', 4);
    expect(w.met(p(3))).to.equal(false);
    expect(w.met(p(4))).to.equal(true);
    expect(w.met(p(6))).to.equal(true);
    expect(restartsAtLeast('app', 5).met(p(0))).to.equal(true);
    expect(restartsAtLeast('app', 6).met(p(0))).to.equal(false);
  });

  it('count a container with no status yet as not restarted', () => {
    expect(restartsAtLeast('missing', 1).met(p(4))).to.equal(false);
    expect(restartsAtLeast('missing', 0).met(p(4))).to.equal(true);
    expect(restartsAtLeast('b', 1).met(noStatus)).to.equal(false);
    expect(restartsAtLeast('b', 1).met(pod('Pending', { inits: ['b'], init: [{ name: 'b', image: 'i', imageID: '', ready: false } as V1ContainerStatus] }))).to.equal(false);
  });

  it('are hopeless once the pod is terminal', () => {
    expect(restartsAtLeast('b', 4).hopeless(p(1))).to.equal(undefined);
    expect(restartsAtLeast('b', 4).hopeless(p(1, 'Failed'))).to.equal('the pod is already Failed');
  });
});

describe('predicate waits', () => {
  it('take their description, predicate and timeout, and give up on a terminal pod unless told otherwise', () => {
    const hasIp = (x: V1Pod) => Boolean(x.status?.podIP);
    const w = podMatches('an IP', hasIp);
    expect(w.description).to.equal('an IP');
    expect(w.met).to.equal(hasIp);
    expect(w.timeoutMs).to.equal(120_000);
    expect(w.hopeless(pod('Succeeded'))).to.equal('the pod is already Succeeded');
    expect(w.hopeless(pod('Running'))).to.equal(undefined);
    const never = () => 'never';
    const custom = podMatches('x', hasIp, 3_000, never);
    expect(custom.timeoutMs).to.equal(3_000);
    expect(custom.hopeless).to.equal(never);
  });
});

describe('app running after a re-run', () => {
  /** A pod of init-a, init-b and app, as a lost sandbox leaves it: init-a restarted `aRestarts` times, app in `appState`. */
  const p = (aRestarts: number, appState: V1ContainerState | undefined, phaseName = 'Running', bRestarts = 0) =>
    pod(phaseName, {
      inits: ['init-a', 'init-b'],
      init: [cs('init-a', done(0, 'Completed'), { restartCount: aRestarts }), cs('init-b', done(0, 'Completed'), { restartCount: bRestarts })],
      app: [cs('app', appState)],
    });

  it('describe the app and the first init container, and wait 90 s unless told', () => {
    const w = appRunningAfterRerun();
    expect(w.description).to.equal('app running after init-a ran again');
    expect(w.timeoutMs).to.equal(90_000);
    const given = appRunningAfterRerun('init-x', 'web', 120_000);
    expect(given.description).to.equal('web running after init-x ran again');
    expect(given.timeoutMs).to.equal(120_000);
  });

  it('are met once the first init container has restarted and the app runs: neither alone', () => {
    const w = appRunningAfterRerun();
    expect(w.met(p(1, running)), 'restarted, app running').to.equal(true);
    expect(w.met(p(2, running)), 'restarted twice, app running').to.equal(true);
    expect(w.met(p(0, running)), 'app running before any re-run (a row from before the fault)').to.equal(false);
    expect(w.met(p(1, waiting('PodInitializing'))), 'restarted, app not started yet').to.equal(false);
    expect(w.met(p(1, done(137, 'Error'))), 'restarted, app terminated').to.equal(false);
    expect(w.met(p(1, undefined)), 'restarted, app with no state').to.equal(false);
  });

  it('look at the named containers only', () => {
    // init-b restarted, init-a not: the first init container did not run again.
    expect(appRunningAfterRerun().met(p(0, running, 'Running', 1))).to.equal(false);
    expect(appRunningAfterRerun('init-b').met(p(0, running, 'Running', 1))).to.equal(true);
    expect(appRunningAfterRerun('init-b').met(p(1, running, 'Running', 0))).to.equal(false);
    // Another app container running is not the app.
    const twoApps = pod('Running', { inits: ['init-a'], init: [cs('init-a', done(0, 'Completed'), { restartCount: 1 })], apps: ['side', 'app'], app: [cs('side', running), cs('app', waiting('PodInitializing'))] });
    expect(appRunningAfterRerun().met(twoApps)).to.equal(false);
    expect(appRunningAfterRerun('init-a', 'side').met(twoApps)).to.equal(true);
  });

  it('count containers with no status yet as not restarted and not running', () => {
    const w = appRunningAfterRerun();
    expect(w.met(noStatus)).to.equal(false);
    expect(w.met(emptyStatus)).to.equal(false);
    expect(w.met(pod('Running', { app: [cs('app', running)] })), 'no status of init-a').to.equal(false);
    expect(w.met(pod('Running', { inits: ['init-a'], init: [cs('init-a', done(0, 'Completed'), { restartCount: 1 })], app: [] })), 'no status of the app').to.equal(false);
  });

  it('are hopeless once the pod is terminal', () => {
    expect(appRunningAfterRerun().hopeless(p(0, waiting('PodInitializing'), 'Pending'))).to.equal(undefined);
    expect(appRunningAfterRerun().hopeless(p(1, running))).to.equal(undefined);
    expect(appRunningAfterRerun().hopeless(p(1, done(1, 'Error'), 'Failed'))).to.equal('the pod is already Failed');
    expect(appRunningAfterRerun().hopeless(pod('Succeeded', { reason: 'Completed' }))).to.equal('the pod is already Succeeded (Completed)');
  });
});

describe('infrastructure trouble', () => {
  for (const reason of ['ErrImageNeverPull', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']) {
    it(`${reason} on an init container means the image is not there`, () => {
      const p = pod('Pending', { inits: ['a'], init: [cs('a', waiting(reason, 'image not present with pull policy of Never'))], app: [cs('app', waiting('PodInitializing'))] });
      expect(infrastructureTrouble(p)).to.equal(
        `container a cannot get its image localhost/initc/a:v1 (${reason}: image not present with pull policy of Never); is the fixture image loaded on the node?`,
      );
    });
  }

  it('is found on app containers too, with an empty message when the kubelet gave none', () => {
    const p = pod('Pending', { app: [cs('app', waiting('ErrImagePull'))] });
    expect(infrastructureTrouble(p)).to.equal('container app cannot get its image localhost/initc/app:v1 (ErrImagePull: ); is the fixture image loaded on the node?');
  });

  it('names the first container in trouble: init containers before app containers', () => {
    const p = pod('Pending', { inits: ['a'], init: [cs('a', waiting('ImagePullBackOff', 'back-off'))], app: [cs('app', waiting('ErrImageNeverPull', 'never'))] });
    expect(infrastructureTrouble(p)).to.equal('container a cannot get its image localhost/initc/a:v1 (ImagePullBackOff: back-off); is the fixture image loaded on the node?');
  });

  it('is nothing for the ordinary states of a pod, whatever else is wrong with it', () => {
    const ordinary = [
      noStatus,
      emptyStatus,
      pod('Pending', { init: [cs('a', undefined)], app: [cs('app', undefined)] }),
      pod('Pending', { init: [cs('a', {})] }),
      pod('Pending', { init: [cs('a', waiting())] }),
      pod('Pending', { init: [cs('a', waiting('CrashLoopBackOff', 'back-off 10s restarting failed container'))], app: [cs('app', waiting('PodInitializing'))] }),
      pod('Pending', { app: [cs('app', waiting('ContainerCreating'))] }),
      pod('Running', { app: [cs('app', running, { ready: true })] }),
      pod('Failed', { app: [cs('app', done(1, 'Error'))] }),
    ];
    for (const p of ordinary) expect(infrastructureTrouble(p), JSON.stringify(p.status)).to.equal(undefined);
  });
});
