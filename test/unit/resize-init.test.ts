/**
 * resize-init's verdicts (lib/checks/resize-init.ts) on what suites/features/resize-init.spec.ts
 * recorded on the embedded cluster: v1.36.5 (InPlacePodVerticalScalingInitContainers beta, on),
 * v1.36.5 with the gate off, v1.35.8 (no such gate). Each check passes as recorded and fails, with
 * the message of the expectation broken, on the recording altered (a restart, another container,
 * resources unchanged, a resize left pending or in progress, a cgroup that did not follow).
 */
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import type { GateInForce } from '../../lib/cluster/features.js';
import type { Admission, Support } from '../../lib/checks/features.js';
import { checkAdmission, expectedAdmission, featureSupport } from '../../lib/checks/features.js';
import type { ResizeRow, Resources } from '../../lib/checks/resize-init.js';
import {
  RESIZE_GATE,
  cgroupReadings,
  checkCgroupFollowed,
  checkResizedInPlace,
  describeResources,
  expectedCgroup,
  expectedResizeAdmission,
  expectedRestartContainerAdmission,
  formatResizeRows,
  quantityValue,
  resizeAdmission,
  resizeConditionsSeen,
  resizeRowsOf,
  sameResources,
} from '../../lib/checks/resize-init.js';
import { clone, control, expectFailure, load } from '../support/controls.js';

type Gates = Record<string, GateInForce>;
interface RecordedDiscovery {
  support: Support;
  admission: Admission;
  resize?: Admission;
  apiserver: { component: string; gates: Gates };
  kubelets: Array<{ component: string; gates: Gates }>;
}
interface RecordedRestartContainer {
  gates: Gates;
  onInit: Admission;
  onSidecar: Admission;
}

const INIT = 'init-resize';
const BEFORE: Resources = { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } };
const AFTER: Resources = { requests: { cpu: '150m', memory: '48Mi' }, limits: { cpu: '300m', memory: '96Mi' } };
const REFUSAL = 'Pod "resize-init-admission" is invalid: spec: Forbidden: resources for non-sidecar init containers are immutable';

const rows = () => load<{ rows: ResizeRow[] }>('resize-init-v1.36-rows').rows;
const log = load<{ log: string }>('resize-init-v1.36-init-log').log;
const twoSteps = load<{ log: string }>('resize-init-v1.36-init-log-two-steps').log;
const discovery = (v: string) => load<RecordedDiscovery>(`resize-init-${v}-discovery`);
const restartContainer = (v: string) => load<RecordedRestartContainer>(`resize-init-${v}-restart-container`);
const gatesOf = (g: Gates) => new Map(Object.entries(g));
const beta = (entries: Record<string, boolean>) => new Map(Object.entries(entries).map(([g, enabled]) => [g, { enabled, stage: 'BETA' }]));
const row = (r: ResizeRow[], seq: number) => r.find((x) => x.seq === seq)!;

describe('resize-init: quantities and resources', () => {
  it('reads quantities as the API writes them', () => {
    expect(['150m', '1', '0.5', '.5', '2k', '96Mi', '1Gi', '1e3', '3M', '1G', '1T', '1P', '1E', '5n', '2u', '1Ki', '1Ti', '1Pi', '1Ei', '+2', '-1'].map(quantityValue)).to.deep.equal([
      0.15, 1, 0.5, 0.5, 2000, 100663296, 2 ** 30, 1000, 3e6, 1e9, 1e12, 1e15, 1e18, 5e-9, 2e-6, 1024, 2 ** 40, 2 ** 50, 2 ** 60, 2, -1,
    ]);
    expect(quantityValue(' 64Mi ')).to.equal(67108864);
    expect(['12.5', '.25', '1e+3', '1e-3', '1e10', '2E2', '10m'].map(quantityValue)).to.deep.equal([12.5, 0.25, 1000, 0.001, 1e10, 200, 0.01]);
    for (const bad of ['', 'Mi', '1Xi', '1 Mi', 'abc', '1.2.3', 'x1']) expect(quantityValue(bad), bad).to.be.NaN;
  });

  it('compares cpu and memory requests and limits by value', () => {
    expect(sameResources(AFTER, { requests: { cpu: '0.15', memory: '50331648' }, limits: { cpu: '300m', memory: '96Mi' } })).to.equal(true);
    expect(sameResources(undefined, undefined)).to.equal(true);
    expect(sameResources({}, { requests: {}, limits: {} })).to.equal(true);
    expect(sameResources(AFTER, BEFORE)).to.equal(false);
    expect(sameResources(AFTER, { ...AFTER, limits: { cpu: '300m', memory: '97Mi' } })).to.equal(false);
    expect(sameResources(AFTER, { ...AFTER, requests: { cpu: '151m', memory: '48Mi' } })).to.equal(false);
    expect(sameResources(AFTER, { ...AFTER, limits: { cpu: '300m' } }), 'a memory limit missing').to.equal(false);
    expect(sameResources({ limits: { cpu: '300m' } }, AFTER), 'a memory limit and requests missing').to.equal(false);
    expect(sameResources(undefined, AFTER)).to.equal(false);
    expect(sameResources({ requests: { cpu: '1' } }, {}), 'requests on one side only').to.equal(false);
    expect(sameResources({ requests: { cpu: '1n' } }, { requests: { cpu: '0' } }), 'a nanocore apart').to.equal(false);
  });

  it('describes resources', () => {
    expect(describeResources(AFTER)).to.equal('requests cpu 150m, memory 48Mi; limits cpu 300m, memory 96Mi');
    expect(describeResources({ limits: { memory: '1Gi' } })).to.equal('requests none; limits memory 1Gi');
    expect(describeResources({ requests: {} })).to.equal('requests none; limits none');
    expect(describeResources(undefined)).to.equal('no resources');
  });
});

describe('resize-init: the rows (recorded on v1.36.5)', () => {
  it('reads each row of the recorded pods as the recorded rows', () => {
    const pods = load<Array<{ seq: number; elapsedMs: number; pod: V1Pod }>>('resize-init-v1.36-pods');
    expect(JSON.parse(JSON.stringify(resizeRowsOf(pods, INIT)))).to.deep.equal(rows().filter((r) => pods.some((p) => p.seq === r.seq)));
  });

  it('reads the resize conditions (status, reason, message), and only those, and a pod without the container', () => {
    const pod: V1Pod = {
      metadata: { generation: 3 },
      spec: { containers: [], initContainers: [{ name: INIT, resources: { requests: { cpu: '1', 'ephemeral-storage': '1Gi' } } }] },
      status: {
        observedGeneration: 2,
        conditions: [
          { type: 'PodResizePending', status: 'True', reason: 'Infeasible', message: 'Node didn\'t have enough capacity' },
          { type: 'PodResizeInProgress', status: 'True' },
          { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
        ],
        initContainerStatuses: [{ name: INIT, image: 'x', imageID: '', ready: false, restartCount: 2, containerID: 'containerd://abc', state: { terminated: { exitCode: 3 } }, resources: { limits: { memory: '1Gi' } }, allocatedResources: { cpu: '1' } }],
      },
    };
    expect(resizeRowsOf([{ seq: 7, elapsedMs: 1500, pod }], INIT)).to.deep.equal([
      {
        seq: 7,
        elapsedMs: 1500,
        generation: 3,
        observedGeneration: 2,
        spec: { requests: { cpu: '1' } },
        state: 'terminated',
        containerID: 'containerd://abc',
        restartCount: 2,
        exitCode: 3,
        status: { limits: { memory: '1Gi' } },
        allocated: { cpu: '1' },
        conditions: { PodResizePending: "True (Infeasible): Node didn't have enough capacity", PodResizeInProgress: 'True' },
      },
    ]);
    expect(resizeRowsOf([{ seq: 1, elapsedMs: 0, pod: {} }], INIT)).to.deep.equal([
      { seq: 1, elapsedMs: 0, generation: undefined, observedGeneration: undefined, spec: undefined, state: 'none', containerID: undefined, restartCount: 0, exitCode: undefined, status: undefined, allocated: undefined, conditions: {} },
    ]);
    const bare = resizeRowsOf([{ seq: 2, elapsedMs: 0, pod: { spec: { containers: [] }, status: {} } }, { seq: 3, elapsedMs: 0, pod: { spec: { containers: [], initContainers: [{ name: 'other' }] }, status: { initContainerStatuses: [] } } }], INIT);
    expect(bare.map((r) => [r.spec, r.state, r.conditions])).to.deep.equal([
      [undefined, 'none', {}],
      [undefined, 'none', {}],
    ]);
    const waiting = resizeRowsOf([{ seq: 1, elapsedMs: 0, pod: { spec: { containers: [], initContainers: [{ name: 'other' }, { name: INIT, resources: {} }] }, status: { initContainerStatuses: [{ name: 'other', image: '', imageID: '', ready: false, restartCount: 5 }, { name: INIT, image: '', imageID: '', ready: false, restartCount: 0, state: { waiting: {} } }] } } }], INIT)[0]!;
    expect([waiting.state, waiting.restartCount, waiting.spec]).to.deep.equal(['waiting', 0, {}]);
  });

  it('formats the rows for the evidence', () => {
    const r = rows();
    expect(formatResizeRows([row(r, 1), row(r, 8), row(r, 9)])).to.equal(
      [
        '#1 t+0.05s gen 1/- none ↻0 id - | spec requests cpu 100m, memory 32Mi; limits cpu 200m, memory 64Mi | status no resources | allocated none',
        '#8 t+1.34s gen 2/2 running ↻0 id 7b45beadb0e7 | spec requests cpu 150m, memory 48Mi; limits cpu 300m, memory 96Mi | status requests cpu 150m, memory 48Mi; limits cpu 300m, memory 96Mi | allocated cpu 150m, memory 48Mi',
        '#9 t+7.51s gen 2/2 terminated(0) ↻0 id 7b45beadb0e7 | spec requests cpu 150m, memory 48Mi; limits cpu 300m, memory 96Mi | status requests cpu 150m, memory 48Mi; limits cpu 300m, memory 96Mi | allocated cpu 150m, memory 48Mi',
      ].join('\n'),
    );
    const withConditions = { ...row(r, 8), containerID: 'cri-o://0123456789abcdef', conditions: { PodResizeInProgress: 'True', PodResizePending: 'False' } };
    expect(formatResizeRows([withConditions])).to.match(/ id 0123456789ab \| .* \| PodResizeInProgress=True PodResizePending=False$/);
    expect(formatResizeRows([{ ...row(r, 1), generation: undefined, containerID: 'abc' }])).to.match(/^#1 t\+0\.05s gen -\/- none ↻0 id abc \| /);
  });

  it('lists the resize conditions seen, each once, in order of first appearance', () => {
    const r = rows();
    expect(resizeConditionsSeen(r), 'v1.36.5 reported none: the resize took under 0.2 s').to.deep.equal([]);
    row(r, 6).conditions = { PodResizeInProgress: 'True' };
    row(r, 7).conditions = { PodResizeInProgress: 'True', PodResizePending: 'True (Deferred)' };
    row(r, 8).conditions = { PodResizeInProgress: 'False' };
    expect(resizeConditionsSeen(r)).to.deep.equal(['PodResizeInProgress=True', 'PodResizePending=True (Deferred)', 'PodResizeInProgress=False']);
  });
});

describe('resize-init: resized in place (recorded on v1.36.5)', () => {
  const check = (r: ResizeRow[]) => void checkResizedInPlace(r, INIT, BEFORE, AFTER);
  const each = (r: ResizeRow[], from: number, f: (x: ResizeRow) => void) => r.filter((x) => x.seq >= from).forEach(f);

  it('returns the row where the kubelet reported the new resources', () => {
    expect(checkResizedInPlace(rows(), INIT, BEFORE, AFTER).seq).to.equal(8);
  });

  control(rows(), check, {
    'the container restarted (restartCount 1 from row #8)': [(r) => each(r, 8, (x) => (x.restartCount = 1)), /^expected init-resize's restartCount to stay 0; observed 1 in row #8$/],
    'the resized resources showed in another container (a restart into a new one)': [
      (r) => each(r, 8, (x) => (x.containerID = 'containerd://new')),
      /^expected init-resize to run in one container throughout \(resized in place\); observed containers containerd:\/\/7b45beadb0e7\S*, containerd:\/\/new$/,
    ],
    'the kubelet never reported the new resources (unchanged)': [
      (r) => each(r, 8, (x) => (x.status = clone(BEFORE))),
      /^expected a row with init-resize running, reporting requests cpu 150m, memory 48Mi; limits cpu 300m, memory 96Mi, no resize condition True; observed its last running row #8 reports requests cpu 100m, memory 32Mi; limits cpu 200m, memory 64Mi$/,
    ],
    'the new resources showed only once it had ended (the terminated container reports its allocation)': [
      (r) => (row(r, 8).status = clone(BEFORE)),
      /^expected a row with init-resize running, .*; observed its last running row #8 reports requests cpu 100m, memory 32Mi; limits cpu 200m, memory 64Mi$/,
    ],
    'the resize stayed in progress': [
      (r) => each(r, 6, (x) => (x.conditions = { PodResizeInProgress: 'True' })),
      /^expected a row with init-resize running, .*, no resize condition True; observed its last running row #8 reports requests cpu 150m, memory 48Mi; limits cpu 300m, memory 96Mi with PodResizeInProgress=True$/,
    ],
    'the resize stayed in progress, with a reason': [
      (r) => each(r, 6, (x) => (x.conditions = { PodResizeInProgress: 'True (Error): cannot update' })),
      /^expected a row with init-resize running, .*; observed its last running row #8 reports .* with PodResizeInProgress=True \(Error\): cannot update$/,
    ],
    'the resize was deferred and never done': [
      (r) => each(r, 6, (x) => ((x.conditions = { PodResizePending: 'True (Deferred)', PodResizeInProgress: 'True' }), (x.status = clone(BEFORE)))),
      /^expected a row with init-resize running, .*; observed its last running row #8 reports requests cpu 100m, memory 32Mi; limits cpu 200m, memory 64Mi with PodResizePending=True \(Deferred\), PodResizeInProgress=True$/,
    ],
    'the resize was pending (Infeasible)': [(r) => (row(r, 7).conditions = { PodResizePending: 'True (Infeasible): Node didn\'t have enough capacity' }), /^expected the resize never to be pending; observed PodResizePending=True \(Infeasible\): Node didn't have enough capacity in row #7$/],
    'the API did not take the resize (spec unchanged)': [(r) => each(r, 1, (x) => (x.spec = clone(BEFORE))), /^expected init-resize's spec to end at requests cpu 150m, memory 48Mi; limits cpu 300m, memory 96Mi \(the resize taken\); observed requests cpu 100m, memory 32Mi; limits cpu 200m, memory 64Mi$/],
    'the container never ran': [(r) => each(r, 1, (x) => ((x.state = 'waiting'), (x.containerID = undefined))), /^expected init-resize to run; observed it never ran$/],
    'it started with other resources than it was given': [(r) => (row(r, 5).status = clone(AFTER)), /^expected init-resize to run first with requests cpu 100m, memory 32Mi; limits cpu 200m, memory 64Mi; observed requests cpu 150m, memory 48Mi; limits cpu 300m, memory 96Mi in row #5$/],
    'the kubelet allocated other requests': [(r) => each(r, 7, (x) => (x.allocated = { cpu: '100m', memory: '48Mi' })), /^expected allocatedResources cpu 150m, memory 48Mi in row #8; observed cpu 100m, memory 48Mi$/],
    'no allocatedResources': [(r) => each(r, 1, (x) => (x.allocated = undefined)), /^expected allocatedResources cpu 150m, memory 48Mi in row #8; observed none$/],
    'there is no row': [(r) => r.splice(0), /^expected rows of init-resize; observed no row$/],
  });

  it('passes when a settled condition (False) is left, and takes the first row that shows the resize', () => {
    const r = rows();
    each(r, 6, (x) => (x.conditions = { PodResizeInProgress: 'False' }));
    expect(checkResizedInPlace(r, INIT, BEFORE, AFTER).seq).to.equal(8);
    row(r, 7).status = clone(AFTER);
    expect(checkResizedInPlace(r, INIT, BEFORE, AFTER).seq).to.equal(7);
  });

  it('passes when the resize was in progress before it showed', () => {
    const r = rows();
    row(r, 6).conditions = { PodResizeInProgress: 'True' };
    row(r, 7).conditions = { PodResizeInProgress: 'True' };
    expect(checkResizedInPlace(r, INIT, BEFORE, AFTER).seq).to.equal(8);
  });
});

describe('resize-init: the container\'s cgroup (recorded on v1.36.5, cgroup v1)', () => {
  it('reads the readings the fixture printed', () => {
    expect(cgroupReadings(log)).to.deep.equal([
      { uptime: 23914.46, version: 'v1', memoryLimit: 67108864, cpuQuota: 20000, cpuPeriod: 100000 },
      { uptime: 23915.17, version: 'v1', memoryLimit: 100663296, cpuQuota: 30000, cpuPeriod: 100000 },
    ]);
    expect(cgroupReadings(twoSteps).map((r) => [r.memoryLimit, r.cpuQuota]), 'memory first, then cpu 0.2 s later').to.deep.equal([
      [67108864, 20000],
      [100663296, 20000],
      [100663296, 30000],
    ]);
    expect(cgroupReadings('t=5 cgroup v2 memory=max cpu=max/100000\n  t=6 cgroup v2 memory=1024 cpu=-1/50000  \nt=7 cgroup v3 memory=1 cpu=1/1\nxt=8 cgroup v1 memory=1 cpu=1/1\nt=9 cgroup v1 memory=1 cpu=1/1x')).to.deep.equal([
      { uptime: 5, version: 'v2', memoryLimit: 'max', cpuQuota: 'max', cpuPeriod: 100000 },
      { uptime: 6, version: 'v2', memoryLimit: 1024, cpuQuota: -1, cpuPeriod: 50000 },
    ]);
  });

  it('computes the limits the kubelet writes: memory in bytes, the CFS quota for the period, at least 1000', () => {
    expect(expectedCgroup({ cpu: '300m', memory: '96Mi' }, 100000)).to.deep.equal({ memoryLimit: 100663296, cpuQuota: 30000 });
    expect(expectedCgroup({ cpu: '1.5', memory: '1G' }, 50000)).to.deep.equal({ memoryLimit: 1e9, cpuQuota: 75000 });
    expect(expectedCgroup({ cpu: '5m', memory: '1' }, 100000).cpuQuota, '5m is 500, raised to the minimum').to.equal(1000);
    expect(expectedCgroup({ cpu: '10m', memory: '1' }, 100000).cpuQuota).to.equal(1000);
    expect(expectedCgroup({ cpu: '11m', memory: '1' }, 100000).cpuQuota).to.equal(1100);
    expect(expectedCgroup({ cpu: '333m', memory: '1' }, 10001).cpuQuota, 'rounded down').to.equal(3330);
    expect(expectedCgroup({}, 100000)).to.deep.equal({ memoryLimit: NaN, cpuQuota: NaN });
  });

  it('passes as recorded, in one step or in two', () => {
    checkCgroupFollowed(log, INIT, BEFORE.limits!, AFTER.limits!);
    checkCgroupFollowed(twoSteps, INIT, BEFORE.limits!, AFTER.limits!);
  });

  it('fails when the cgroup kept its limits (the resize not applied)', () => {
    const unchanged = log.split('\n').filter((l) => !l.includes('memory=100663296')).join('\n');
    expectFailure((l: string) => checkCgroupFollowed(l, INIT, BEFORE.limits!, AFTER.limits!), unchanged, /^expected init-resize's cgroup to end at memory 100663296, cpu quota 30000\/100000 \(limits cpu 300m, memory 96Mi\); observed memory 67108864, cpu quota 20000\/100000 \(1 reading\)$/);
  });

  it('fails when only the memory limit followed', () => {
    const half = twoSteps.split('\n').filter((l) => !l.includes('cpu=30000')).join('\n');
    expectFailure((l: string) => checkCgroupFollowed(l, INIT, BEFORE.limits!, AFTER.limits!), half, /^expected init-resize's cgroup to end at .*; observed memory 100663296, cpu quota 20000\/100000 \(2 readings\)$/);
  });

  it('fails when the container started with the new limits (it was restarted into them)', () => {
    const restarted = log.split('\n').filter((l) => !l.includes('memory=67108864')).join('\n');
    expectFailure((l: string) => checkCgroupFollowed(l, INIT, BEFORE.limits!, AFTER.limits!), restarted, /^expected init-resize's cgroup to start at memory 67108864, cpu quota 20000\/100000 \(limits cpu 200m, memory 64Mi\); observed memory 100663296, cpu quota 30000\/100000$/);
  });

  it('fails when the memory alone, or the cpu alone, is off at the start', () => {
    const check = (l: string) => checkCgroupFollowed(l, INIT, BEFORE.limits!, AFTER.limits!);
    expectFailure(check, log.replace('memory=67108864', 'memory=1'), /^expected init-resize's cgroup to start at .*; observed memory 1, cpu quota 20000\/100000$/);
    expectFailure(check, log.replace('cpu=20000/', 'cpu=1/'), /^expected init-resize's cgroup to start at .*; observed memory 67108864, cpu quota 1\/100000$/);
    expectFailure(check, log.replace('memory=100663296', 'memory=1'), /^expected init-resize's cgroup to end at .*; observed memory 1, cpu quota 30000\/100000 \(2 readings\)$/);
  });

  it('quotes the first 200 characters of a log without readings', () => {
    const long = `${'x'.repeat(199)}yz`;
    expectFailure((l: string) => checkCgroupFollowed(l, INIT, BEFORE.limits!, AFTER.limits!), long, new RegExp(`^expected init-resize to print its cgroup limits; observed no "cgroup" line in its log: "x{199}y"$`));
  });

  it('fails when the container printed no reading', () => {
    expectFailure((l: string) => checkCgroupFollowed(l, INIT, BEFORE.limits!, AFTER.limits!), 'sh: cat: not found', /^expected init-resize to print its cgroup limits; observed no "cgroup" line in its log: "sh: cat: not found"$/);
  });
});

describe('resize-init: what the API server must do (recorded on v1.36.5, v1.36.5 gate off, v1.35.8)', () => {
  it('accepts the resize where the gate is on (v1.36.5), dry-run and for real; refuses it, with the message quoted, where off (v1.36.5 gate off) or unknown (v1.35.8)', () => {
    const on = discovery('v1.36');
    const off = discovery('v1.36-gate-off');
    const before = discovery('v1.35');
    expect(expectedResizeAdmission(gatesOf(on.apiserver.gates))).to.deep.equal({ outcome: 'kept', why: 'InPlacePodVerticalScalingInitContainers is on' });
    for (const d of [on, off, before]) {
      checkAdmission(expectedResizeAdmission(gatesOf(d.apiserver.gates)), d.admission);
      checkAdmission(expectedResizeAdmission(gatesOf(d.apiserver.gates)), d.resize!);
      checkAdmission(expectedAdmission(RESIZE_GATE, gatesOf(d.apiserver.gates)), d.admission);
    }
    for (const d of [off, before]) {
      expect(d.admission).to.deep.equal({ outcome: 'refused', message: REFUSAL });
      expect(d.resize).to.deep.equal({ outcome: 'refused', message: REFUSAL });
    }
    expect(expectedResizeAdmission(gatesOf(off.apiserver.gates)).why).to.equal('InPlacePodVerticalScalingInitContainers is off: a plain init container\'s resources are immutable');
    expect(expectedResizeAdmission(gatesOf(before.apiserver.gates)).why).to.equal('the release has no InPlacePodVerticalScalingInitContainers: a plain init container\'s resources are immutable');
  });

  it('fails when the server did otherwise than its gate says', () => {
    const on = discovery('v1.36');
    const off = discovery('v1.36-gate-off');
    const before = discovery('v1.35');
    expectFailure((a: Admission) => checkAdmission(expectedResizeAdmission(gatesOf(on.apiserver.gates)), a), off.resize!, /^expected the API server to keep the fields \(InPlacePodVerticalScalingInitContainers is on\); observed the API server refused the pod: Pod "resize-init-admission" is invalid/);
    expectFailure((a: Admission) => checkAdmission(expectedResizeAdmission(gatesOf(off.apiserver.gates)), a), on.resize!, /^expected the API server to refuse the pod \(InPlacePodVerticalScalingInitContainers is off: .*\); observed the API server kept the fields$/);
    expectFailure((a: Admission) => checkAdmission(expectedResizeAdmission(gatesOf(before.apiserver.gates)), a), on.admission, /^expected the API server to refuse the pod \(the release has no InPlacePodVerticalScalingInitContainers: /);
    const otherRefusal: Admission = { outcome: 'refused', message: 'pod update requires features InPlacePodVerticalScalingInitContainers which are not available on node "n1"' };
    expectFailure((a: Admission) => checkAdmission(expectedResizeAdmission(gatesOf(off.apiserver.gates)), a), otherRefusal, /^expected the refusal to match \/spec: Forbidden: resources for non-sidecar init containers are immutable\/ /);
    expectFailure((a: Admission) => checkAdmission(expectedResizeAdmission(gatesOf(before.apiserver.gates)), a), otherRefusal, /^expected the refusal to match \/spec: Forbidden: resources for non-sidecar init containers are immutable\/ \(the release has no/);
  });

  it('decides whether the feature is on from the resize\'s dry-run and the kubelet\'s gates', () => {
    const support = (d: RecordedDiscovery) => featureSupport(RESIZE_GATE, d.admission, d.kubelets.map((k) => ({ component: k.component, gates: gatesOf(k.gates) })));
    for (const v of ['v1.36', 'v1.36-gate-off', 'v1.35']) expect(support(discovery(v)), v).to.deep.equal(discovery(v).support);
    expect(discovery('v1.36').support).to.deep.equal({ supported: true, reason: 'InPlacePodVerticalScalingInitContainers: the API server kept the fields; kubelet initc-rsz-node runs InPlacePodVerticalScaling, InPlacePodVerticalScalingInitContainers, NodeDeclaredFeatures on' });
    expect(discovery('v1.36-gate-off').support).to.deep.equal({ supported: false, reason: `InPlacePodVerticalScalingInitContainers: the API server refused the pod: ${REFUSAL}; kubelet initc-rsz-node runs InPlacePodVerticalScalingInitContainers off` });
    expect(discovery('v1.35').support).to.deep.equal({ supported: false, reason: `InPlacePodVerticalScalingInitContainers: the API server refused the pod: ${REFUSAL}; kubelet initc-rsz-node does not know InPlacePodVerticalScalingInitContainers` });
  });

  it('reads the resize subresource\'s answer: taken with the resources sent, taken with others, refused', () => {
    const pod = (resources: Resources | undefined): V1Pod => ({ spec: { containers: [], initContainers: [{ name: 'other', resources: clone(AFTER) as never }, { name: INIT, resources: resources as never }] } });
    expect(resizeAdmission({ taken: pod({ requests: { cpu: '0.15', memory: '48Mi' }, limits: { cpu: '300m', memory: '96Mi' } }) }, INIT, AFTER)).to.deep.equal({ outcome: 'kept' });
    expect(resizeAdmission({ taken: pod(BEFORE) }, INIT, AFTER)).to.deep.equal({ outcome: 'dropped', fields: ['init-resize\'s resources (came back as requests cpu 100m, memory 32Mi; limits cpu 200m, memory 64Mi)'] });
    expect(resizeAdmission({ taken: pod(undefined) }, INIT, AFTER)).to.deep.equal({ outcome: 'dropped', fields: ['init-resize\'s resources (came back as no resources)'] });
    expect(resizeAdmission({ taken: { spec: { containers: [] } } }, INIT, AFTER)).to.deep.equal({ outcome: 'dropped', fields: ['init-resize\'s resources (came back as no resources)'] });
    expect(resizeAdmission({ taken: { spec: { containers: [], initContainers: [{ name: 'other', resources: clone(AFTER) as never }] } } }, INIT, AFTER).outcome, 'the container is gone').to.equal('dropped');
    expect(resizeAdmission({ taken: {} }, INIT, AFTER)).to.deep.equal({ outcome: 'dropped', fields: ['init-resize\'s resources (came back as no resources)'] });
    expect(resizeAdmission({ refused: REFUSAL, statusCode: 422 }, INIT, AFTER)).to.deep.equal({ outcome: 'refused', message: REFUSAL });
  });
});

describe('resize-init: resizePolicy RestartContainer (recorded on v1.36.5, v1.36.5 gate off, v1.35.8)', () => {
  const RESTART_REFUSAL = 'Pod "initc-resize-policy-init" is invalid: spec.initContainers[0].resizePolicy[0].restartPolicy: Invalid value: "RestartContainer": must not be set to \'RestartContainer\' for non-sidecar initContainers';

  it('refused on a plain init container by v1.36.5, gate on or off, with the message quoted; kept by v1.35.8; kept on a sidecar by every one', () => {
    for (const v of ['v1.36', 'v1.36-gate-off', 'v1.35']) {
      const r = restartContainer(v);
      checkAdmission(expectedRestartContainerAdmission(gatesOf(r.gates), 'init'), r.onInit);
      checkAdmission(expectedRestartContainerAdmission(gatesOf(r.gates), 'sidecar'), r.onSidecar);
      expect(r.onSidecar, v).to.deep.equal({ outcome: 'kept' });
    }
    expect(restartContainer('v1.36').onInit).to.deep.equal({ outcome: 'refused', message: RESTART_REFUSAL });
    expect(restartContainer('v1.36-gate-off').onInit).to.deep.equal({ outcome: 'refused', message: RESTART_REFUSAL });
    expect(restartContainer('v1.35').onInit).to.deep.equal({ outcome: 'kept' });
  });

  it('fails when the server did otherwise', () => {
    const g136 = gatesOf(restartContainer('v1.36').gates);
    const g135 = gatesOf(restartContainer('v1.35').gates);
    expectFailure((a: Admission) => checkAdmission(expectedRestartContainerAdmission(g136, 'init'), a), restartContainer('v1.35').onInit, /^expected the API server to refuse the pod \(the release knows InPlacePodVerticalScalingInitContainers \(1\.36\+\): RestartContainer is refused on plain init containers\); observed the API server kept the fields$/);
    expectFailure((a: Admission) => checkAdmission(expectedRestartContainerAdmission(g135, 'init'), a), restartContainer('v1.36').onInit, /^expected the API server to keep the fields \(the release has no InPlacePodVerticalScalingInitContainers \(before 1\.36\): a plain init container's resizePolicy is not checked further\); observed the API server refused the pod: /);
    expectFailure((a: Admission) => checkAdmission(expectedRestartContainerAdmission(g136, 'sidecar'), a), { outcome: 'refused', message: 'no' }, /^expected the API server to keep the fields \(InPlacePodVerticalScaling is on: a sidecar may have a resizePolicy\)/);
    expectFailure((a: Admission) => checkAdmission(expectedRestartContainerAdmission(g136, 'init'), a), { outcome: 'refused', message: 'spec.initContainers[0].resizePolicy: Invalid value: x: must not be set for init containers' }, /^expected the refusal to match /);
  });

  it('expects every init container\'s resizePolicy refused where InPlacePodVerticalScaling is off (before 1.33\'s beta)', () => {
    const off = beta({ InPlacePodVerticalScaling: false });
    const legacy = 'Pod "p" is invalid: spec.initContainers[0].resizePolicy: Invalid value: [{"resourceName":"cpu"}]: must not be set for init containers';
    for (const where of ['init', 'sidecar'] as const) {
      const e = expectedRestartContainerAdmission(off, where);
      expect(e.outcome, where).to.equal('refused');
      expect(e.why).to.equal('InPlacePodVerticalScaling is off: no init container may have a resizePolicy');
      checkAdmission(e, { outcome: 'refused', message: legacy });
    }
    expect(expectedRestartContainerAdmission(new Map(), 'sidecar').outcome).to.equal('refused');
    expect(expectedRestartContainerAdmission(beta({ [RESIZE_GATE]: false, InPlacePodVerticalScaling: true }), 'init').outcome, 'the rule holds whatever the gate').to.equal('refused');
  });
});
