import { expect } from 'chai';
import type { V1ContainerState, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { podColumns } from '../../lib/observe/status.js';

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
