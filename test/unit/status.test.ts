import { expect } from 'chai';
import type { V1ContainerState, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { allContainerStatuses, podColumns, podStatus } from '../../lib/observe/status.js';

const cs = (name: string, state: V1ContainerState, extra: Partial<V1ContainerStatus> = {}): V1ContainerStatus => ({
  name,
  image: 'img',
  imageID: '',
  ready: false,
  restartCount: 0,
  state,
  ...extra,
});
const waiting = (reason?: string): V1ContainerState => ({ waiting: { reason } });
const running: V1ContainerState = { running: { startedAt: new Date(0) } };
const done = (exitCode: number, reason?: string, signal?: number): V1ContainerState => ({ terminated: { exitCode, reason, signal } });

function mkPod(o: {
  inits?: string[];
  sidecars?: string[];
  apps?: string[];
  phase?: string;
  reason?: string;
  init?: V1ContainerStatus[];
  app?: V1ContainerStatus[];
  conditions?: Array<[string, string, string?]>;
  deleting?: boolean;
}): V1Pod {
  const sidecars = new Set(o.sidecars ?? []);
  return {
    metadata: { name: 'p', deletionTimestamp: o.deleting ? new Date(0) : undefined },
    spec: {
      initContainers: (o.inits ?? []).map((name) => ({ name, ...(sidecars.has(name) ? { restartPolicy: 'Always' } : {}) })),
      containers: (o.apps ?? ['app']).map((name) => ({ name })),
    },
    status: {
      phase: o.phase ?? 'Pending',
      reason: o.reason,
      initContainerStatuses: o.init,
      containerStatuses: o.app,
      conditions: (o.conditions ?? []).map(([type, status, reason]) => ({ type, status, reason })),
    },
  };
}

const two = ['a', 'b'];
const appWaiting = [cs('app', waiting('PodInitializing'))];

describe('STATUS column (port of printPod)', () => {
  const table: Array<[string, V1Pod, string, string?, number?]> = [
    ['a new pod with no statuses', mkPod({ inits: two }), 'Pending', '0/1'],
    ['first init container waiting to start', mkPod({ inits: two, init: [cs('a', waiting('PodInitializing')), cs('b', waiting('PodInitializing'))], app: appWaiting }), 'Init:0/2'],
    ['first init container running', mkPod({ inits: two, init: [cs('a', running), cs('b', waiting('PodInitializing'))], app: appWaiting }), 'Init:0/2'],
    ['second init container running', mkPod({ inits: two, init: [cs('a', done(0, 'Completed')), cs('b', running)], app: appWaiting }), 'Init:1/2'],
    ['init failed with a reason', mkPod({ inits: two, init: [cs('a', done(0, 'Completed')), cs('b', done(3, 'Error'))], app: appWaiting }), 'Init:Error'],
    ['init failed without a reason', mkPod({ inits: two, init: [cs('a', done(3))], app: appWaiting }), 'Init:ExitCode:3'],
    ['init killed by a signal', mkPod({ inits: two, init: [cs('a', done(137, undefined, 9))], app: appWaiting }), 'Init:Signal:9'],
    ['init OOM-killed', mkPod({ inits: two, init: [cs('a', done(137, 'OOMKilled'))], app: appWaiting }), 'Init:OOMKilled'],
    ['init in back-off, restarted 3 times', mkPod({ inits: two, init: [cs('a', waiting('CrashLoopBackOff'), { restartCount: 3 })], app: appWaiting }), 'Init:CrashLoopBackOff', '0/1', 3],
    ['init image pull failing', mkPod({ inits: two, init: [cs('a', waiting('ErrImagePull'))], app: appWaiting }), 'Init:ErrImagePull'],
    ['init done, app not started', mkPod({ inits: two, init: [cs('a', done(0, 'Completed')), cs('b', done(0, 'Completed'))], app: appWaiting, conditions: [['Initialized', 'True']] }), 'PodInitializing'],
    ['app being created', mkPod({ init: [], app: [cs('app', waiting('ContainerCreating'))] }), 'ContainerCreating'],
    ['app running and ready', mkPod({ phase: 'Running', app: [cs('app', running, { ready: true })], conditions: [['Ready', 'True']] }), 'Running', '1/1'],
    ['app running, not ready', mkPod({ phase: 'Running', app: [cs('app', running)] }), 'Running', '0/1'],
    ['deadline exceeded before any status', mkPod({ phase: 'Failed', reason: 'DeadlineExceeded' }), 'DeadlineExceeded'],
    ['being deleted while running', mkPod({ phase: 'Running', app: [cs('app', running, { ready: true })], deleting: true }), 'Terminating', '1/1'],
    ['deleted after failing stays Failed', mkPod({ phase: 'Failed', app: [cs('app', done(1, 'Error'))], deleting: true }), 'Error'],
    ['scheduling gated', mkPod({ conditions: [['PodScheduled', 'False', 'SchedulingGated']] }), 'SchedulingGated'],
    [
      'a started, ready sidecar counts among ready containers',
      mkPod({ phase: 'Running', inits: ['side', 'b'], sidecars: ['side'], init: [cs('side', running, { started: true, ready: true }), cs('b', done(0, 'Completed'))], app: [cs('app', running, { ready: true })], conditions: [['Initialized', 'True'], ['Ready', 'True']] }),
      'Running',
      '2/2',
    ],
    [
      'a sidecar not started yet holds Init:0/2',
      mkPod({ inits: ['side', 'b'], sidecars: ['side'], init: [cs('side', running, { started: false }), cs('b', waiting('PodInitializing'))], app: appWaiting }),
      'Init:0/2',
      '0/2',
    ],
  ];

  for (const [what, pod, status, ready, restarts] of table) {
    it(`${what} → ${status}`, () => {
      const cols = podColumns(pod);
      expect(cols.status).to.equal(status);
      if (ready) expect(cols.ready).to.equal(ready);
      if (restarts !== undefined) expect(cols.restarts).to.equal(restarts);
    });
  }

  it('from 1.35 a failed app container beside a completed one shows its failure, before 1.35 "Completed"', () => {
    const pod = mkPod({ phase: 'Failed', apps: ['a', 'b'], app: [cs('a', done(0, 'Completed')), cs('b', done(2, 'Error'))] });
    expect(podColumns(pod, 34).status).to.equal('Completed');
    expect(podColumns(pod, 35).status).to.equal('Error');
  });
});

/**
 * Cases beyond the table above, each checked against upstream's printPod
 * (pkg/printers/internalversion/printers.go; the 1.35 variant where noted). Every assertion names
 * all three columns, since the timeline compares them with what the server printed.
 */
describe('STATUS, READY and RESTARTS columns: edge cases of printPod', () => {
  const cols = (pod: V1Pod, minor?: number) => podColumns(pod, minor);
  const readyCond: Array<[string, string]> = [['Ready', 'True']];
  const notReadyCond: Array<[string, string]> = [['Ready', 'False']];

  describe('before any container status', () => {
    it('a pod with neither spec nor status shows an empty STATUS, 0/0 ready and no restarts', () => {
      expect(cols({})).to.deep.equal({ status: '', ready: '0/0', restarts: 0 });
    });

    it('a pod with no metadata is never Terminating', () => {
      expect(cols({ spec: { containers: [{ name: 'app' }] }, status: { phase: 'Running' } })).to.deep.equal({ status: 'Running', ready: '0/1', restarts: 0 });
    });

    it('the pod reason wins over the phase', () => {
      expect(cols(mkPod({ phase: 'Failed', reason: 'Evicted' })).status).to.equal('Evicted');
    });

    it('an unschedulable pod stays Pending: only PodScheduled with reason SchedulingGated means gated', () => {
      expect(cols(mkPod({ conditions: [['PodScheduled', 'False', 'Unschedulable']] })).status).to.equal('Pending');
      expect(cols(mkPod({ conditions: [['Ready', 'False', 'SchedulingGated']] })).status).to.equal('Pending');
    });

    it('a status with no conditions at all, while initializing, is not taken as Initialized', () => {
      const pod = mkPod({ inits: two, init: [cs('a', running)], app: appWaiting });
      delete pod.status!.conditions;
      expect(cols(pod)).to.deep.equal({ status: 'Init:0/2', ready: '0/1', restarts: 0 });
    });
  });

  describe('init containers', () => {
    it('an init status without a state is counted as not done yet', () => {
      const pod = mkPod({ inits: two, init: [{ name: 'a', image: 'img', imageID: '', ready: false, restartCount: 0 }], app: appWaiting });
      expect(cols(pod)).to.deep.equal({ status: 'Init:0/2', ready: '0/1', restarts: 0 });
    });

    it('an init status the spec does not name is a plain init container (no sidecar)', () => {
      const pod = mkPod({ inits: ['side'], sidecars: ['side'], init: [cs('ghost', running, { started: true, ready: true, restartCount: 2 })], app: appWaiting });
      expect(cols(pod)).to.deep.equal({ status: 'Init:0/1', ready: '0/2', restarts: 2 });
    });

    it('Init:i/n counts the init containers of the spec, not the statuses reported', () => {
      const three = mkPod({ inits: ['a', 'b', 'c'], init: [cs('a', done(0, 'Completed')), cs('b', running)], app: appWaiting });
      expect(cols(three).status).to.equal('Init:1/3');
      const noSpec = mkPod({ init: [cs('a', running)], app: appWaiting });
      delete noSpec.spec!.initContainers;
      expect(cols(noSpec)).to.deep.equal({ status: 'Init:0/0', ready: '0/1', restarts: 0 });
    });

    it('while initializing, RESTARTS adds up every init container up to the one that holds', () => {
      const pod = mkPod({
        inits: ['side', 'b', 'c'],
        sidecars: ['side'],
        init: [cs('side', running, { started: true, ready: true, restartCount: 2 }), cs('b', waiting('CrashLoopBackOff'), { restartCount: 4 }), cs('c', waiting('PodInitializing'), { restartCount: 7 })],
        app: [cs('app', waiting('PodInitializing'), { restartCount: 5 })],
      });
      expect(cols(pod)).to.deep.equal({ status: 'Init:CrashLoopBackOff', ready: '1/2', restarts: 6 });
    });

    it('once initialized, RESTARTS counts sidecars and app containers, not the finished init containers', () => {
      const pod = mkPod({
        phase: 'Running',
        inits: ['side', 'b'],
        sidecars: ['side'],
        init: [cs('side', running, { started: true, ready: true, restartCount: 2 }), cs('b', done(0, 'Completed'), { restartCount: 1 })],
        app: [cs('app', running, { ready: true, restartCount: 3 })],
        conditions: [['Initialized', 'True'], ['Ready', 'True']],
      });
      expect(cols(pod)).to.deep.equal({ status: 'Running', ready: '2/2', restarts: 5 });
    });

    it('a started sidecar that is not ready does not count as ready', () => {
      const pod = mkPod({
        phase: 'Running',
        inits: ['side'],
        sidecars: ['side'],
        init: [cs('side', running, { started: true, ready: false })],
        app: [cs('app', running, { ready: true })],
        conditions: [['Initialized', 'True'], ['Ready', 'False']],
      });
      expect(cols(pod)).to.deep.equal({ status: 'Running', ready: '1/2', restarts: 0 });
    });

    it('a sidecar crashing after initialization shows Init:CrashLoopBackOff, with the app counted since the pod is Initialized', () => {
      const pod = mkPod({
        phase: 'Running',
        inits: ['side'],
        sidecars: ['side'],
        init: [cs('side', waiting('CrashLoopBackOff'), { started: false, restartCount: 3 })],
        app: [cs('app', running, { ready: true })],
        conditions: [['Initialized', 'True'], ['Ready', 'False']],
      });
      expect(cols(pod)).to.deep.equal({ status: 'Init:CrashLoopBackOff', ready: '1/2', restarts: 3 });
    });

    it('only Initialized=True lets the app containers speak while an init container holds', () => {
      const conds: Array<Array<[string, string]>> = [[['Initialized', 'False']], [['PodScheduled', 'True'], ['Initialized', 'False']], [['PodScheduled', 'True']]];
      for (const conditions of conds) {
        const pod = mkPod({ inits: two, init: [cs('a', running)], app: [cs('app', waiting('PodInitializing'), { restartCount: 1 })], conditions });
        expect(cols(pod), JSON.stringify(conditions)).to.deep.equal({ status: 'Init:0/2', ready: '0/1', restarts: 0 });
      }
    });
  });

  describe('app containers', () => {
    it('an app status without a state leaves the phase, and is not ready even if marked ready', () => {
      const pod = mkPod({ phase: 'Pending', app: [{ name: 'app', image: 'img', imageID: '', ready: true, restartCount: 0 }] });
      expect(cols(pod)).to.deep.equal({ status: 'Pending', ready: '0/1', restarts: 0 });
    });

    it('RESTARTS adds up the app containers', () => {
      const pod = mkPod({ phase: 'Running', apps: ['a', 'b'], app: [cs('a', running, { ready: true, restartCount: 2 }), cs('b', waiting('CrashLoopBackOff'), { restartCount: 3 })] });
      expect(cols(pod)).to.deep.equal({ status: 'CrashLoopBackOff', ready: '1/2', restarts: 5 });
    });

    it('an app container killed by a signal without a reason shows Signal:N, one that exited shows ExitCode:N', () => {
      expect(cols(mkPod({ phase: 'Failed', app: [cs('app', done(137, undefined, 9))] }))).to.deep.equal({ status: 'Signal:9', ready: '0/1', restarts: 0 });
      expect(cols(mkPod({ phase: 'Failed', app: [cs('app', done(2))] }))).to.deep.equal({ status: 'ExitCode:2', ready: '0/1', restarts: 0 });
      expect(cols(mkPod({ phase: 'Succeeded', app: [cs('app', done(0))] })).status).to.equal('ExitCode:0');
    });

    it('the first app container in spec order gives STATUS (the loop runs backwards)', () => {
      const pod = mkPod({ phase: 'Running', apps: ['a', 'b'], app: [cs('a', waiting('ContainerCreating')), cs('b', done(1, 'Error'))] });
      expect(cols(pod).status).to.equal('ContainerCreating');
    });

    it('a waiting reason beside a running container is shown as is, not turned into Running or NotReady', () => {
      const pod = mkPod({ phase: 'Running', apps: ['a', 'b'], app: [cs('a', waiting('CrashLoopBackOff')), cs('b', running, { ready: true })], conditions: notReadyCond });
      expect(cols(pod, 34)).to.deep.equal({ status: 'CrashLoopBackOff', ready: '1/2', restarts: 0 });
      expect(cols(pod, 35)).to.deep.equal({ status: 'CrashLoopBackOff', ready: '1/2', restarts: 0 });
    });
  });

  describe('"Completed" beside other app containers, before and from 1.35', () => {
    // apps: `main` (index 0) is looked at last, so a completed `main` leaves reason "Completed".
    const pod = (main: V1ContainerState, others: V1ContainerStatus[], conditions: Array<[string, string]>) =>
      mkPod({ phase: 'Running', apps: ['main', ...others.map((o) => o.name)], app: [cs('main', main), ...others], conditions });
    const side = cs('side', running, { ready: true });
    const sideNotReady = cs('side', running, { ready: false });
    const failed = cs('failed', done(2, 'Error'));
    const signalled = cs('failed', done(137, undefined, 9));
    const completed = done(0, 'Completed');

    const cases: Array<[string, V1Pod, string, string]> = [
      ['a ready running container, pod Ready', pod(completed, [side], readyCond), 'Running', 'Running'],
      ['a ready running container, pod not Ready', pod(completed, [side], notReadyCond), 'NotReady', 'NotReady'],
      ['a running container that is not ready, pod not Ready', pod(completed, [sideNotReady], notReadyCond), 'Completed', 'Completed'],
      ['nothing running, a stale Ready condition', pod(completed, [], readyCond), 'Completed', 'Completed'],
      ['nothing running, not Ready', pod(completed, [], notReadyCond), 'Completed', 'Completed'],
      ['a failed container, nothing running', pod(completed, [failed], notReadyCond), 'Completed', 'Error'],
      ['a failed container beside a running one, pod not Ready', pod(completed, [side, failed], notReadyCond), 'NotReady', 'Error'],
      ['a failed container beside a running one, pod Ready', pod(completed, [side, failed], readyCond), 'Running', 'Running'],
      ['a container killed by a signal without a reason', pod(completed, [signalled], notReadyCond), 'Completed', 'Signal:9'],
      ['one that exited non-zero without a reason', pod(completed, [cs('failed', done(3))], notReadyCond), 'Completed', 'ExitCode:3'],
    ];
    for (const [what, p, before, from135] of cases) {
      it(`${what}: ${before} before 1.35, ${from135} from 1.35`, () => {
        expect(cols(p, 34).status, '1.34').to.equal(before);
        expect(cols(p).status, 'default printer (1.34)').to.equal(before);
        expect(cols(p, 35).status, '1.35').to.equal(from135);
        expect(cols(p, 36).status, '1.36').to.equal(from135);
      });
    }

    it('READY counts only ready running app containers', () => {
      expect(cols(pod(completed, [side, sideNotReady], readyCond), 35).ready).to.equal('1/3');
    });
  });

  describe('deletion', () => {
    it('a deleted pod on a lost node shows Unknown, whatever its phase', () => {
      expect(cols(mkPod({ phase: 'Running', reason: 'NodeLost', app: [cs('app', running, { ready: true })], deleting: true })).status).to.equal('Unknown');
      expect(cols(mkPod({ phase: 'Failed', reason: 'NodeLost', deleting: true })).status).to.equal('Unknown');
    });

    it('NodeLost without deletion shows the reason', () => {
      expect(cols(mkPod({ phase: 'Running', reason: 'NodeLost' })).status).to.equal('NodeLost');
    });

    it('a deleted pod that already Succeeded keeps its STATUS, a Pending one is Terminating', () => {
      expect(cols(mkPod({ phase: 'Succeeded', app: [cs('app', done(0, 'Completed'))], deleting: true })).status).to.equal('Completed');
      expect(cols(mkPod({ phase: 'Pending', inits: two, init: [cs('a', running)], app: appWaiting, deleting: true })).status).to.equal('Terminating');
    });
  });
});

describe('podStatus and allContainerStatuses', () => {
  it('podStatus is the STATUS column, with the printer version passed on', () => {
    const pod = mkPod({ phase: 'Failed', apps: ['a', 'b'], app: [cs('a', done(0, 'Completed')), cs('b', done(2, 'Error'))] });
    expect(podStatus(pod)).to.equal('Completed');
    expect(podStatus(pod, 34)).to.equal('Completed');
    expect(podStatus(pod, 35)).to.equal('Error');
  });

  it('lists init container statuses first, then app container statuses', () => {
    const init = [cs('a', done(0, 'Completed')), cs('b', running)];
    const app = [cs('app', waiting('PodInitializing'))];
    expect(allContainerStatuses(mkPod({ inits: two, init, app })).map((c) => c.name)).to.deep.equal(['a', 'b', 'app']);
    expect(allContainerStatuses(mkPod({ app }))).to.deep.equal(app);
    expect(allContainerStatuses(mkPod({ inits: two, init }))).to.deep.equal(init);
  });

  it('has nothing to list for a pod without status', () => {
    expect(allContainerStatuses({ metadata: { name: 'p' } })).to.deep.equal([]);
  });
});
