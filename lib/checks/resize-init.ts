/**
 * In-place resize of init containers (KEP-1287, InPlacePodVerticalScalingInitContainers). What the
 * API server and the kubelet must do, read at k8s.io/kubernetes v1.36.5:
 * - pkg/apis/core/validation/validation.go ValidatePodResize: with the gate off, changed resources
 *   of a non-sidecar init container are refused ("spec: Forbidden: resources for non-sidecar init
 *   containers are immutable", the same text v1.33.13–v1.35.8 give, which have no such gate);
 *   with it on, cpu and memory of a plain init container may change.
 * - validateInitContainers: a plain init container's resizePolicy RestartContainer is refused at
 *   create, whatever the gate (v1.36.5 only: v1.33.13–v1.35.8 accept it); a sidecar may have it
 *   (AllowSidecarResizePolicy follows InPlacePodVerticalScaling).
 * - pkg/kubelet/kuberuntime/kuberuntime_container.go computeInitContainerActions: a running plain
 *   init container goes through computePodResizeAction (NotRequired: resources updated in place,
 *   no restart); pkg/kubelet/kubelet_pods.go reports a running container's resources as the runtime
 *   gives them back, and allocatedResources as the requests allocated.
 * Pure: suites/features/resize-init.spec.ts and lib/scenario/resize.ts ask the cluster, this decides.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { fail } from './recording.js';
import type { Admission, ExpectedAdmission } from './features.js';
import type { GateInForce } from '../cluster/features.js';

export const RESIZE_GATE = 'InPlacePodVerticalScalingInitContainers';

/** cpu and memory as the API writes them ("150m", "96Mi"). */
export type ResourceList = { cpu?: string; memory?: string };

export type Resources = { requests?: ResourceList; limits?: ResourceList };

/** A resource quantity's value ("150m" → 0.15, "96Mi" → 100663296, "1e3" → 1000); NaN when it is no quantity. */
export function quantityValue(q: string): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return NaN;
  const scale: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(m[1]) * (m[2] ? scale[m[2]]! : 1);
}

function sameList(a: ResourceList | undefined, b: ResourceList | undefined): boolean {
  return (['cpu', 'memory'] as const).every((r) => (a?.[r] === undefined && b?.[r] === undefined) || (a?.[r] !== undefined && b?.[r] !== undefined && Math.abs(quantityValue(a[r]!) - quantityValue(b[r]!)) < 1e-9));
}

/** Same cpu and memory requests and limits, by value ("0.3" is "300m"). */
export function sameResources(a: Resources | undefined, b: Resources | undefined): boolean {
  return sameList(a?.requests, b?.requests) && sameList(a?.limits, b?.limits);
}

function listText(l: ResourceList | undefined): string {
  return l ? (['cpu', 'memory'] as const).filter((r) => l[r] !== undefined).map((r) => `${r} ${l[r]}`).join(', ') || 'none' : 'none';
}

export function describeResources(r: Resources | undefined): string {
  return r ? `requests ${listText(r.requests)}; limits ${listText(r.limits)}` : 'no resources';
}

function pick(l: Record<string, unknown> | undefined): ResourceList | undefined {
  if (!l) return undefined;
  const out: ResourceList = {};
  for (const r of ['cpu', 'memory'] as const) if (l[r] !== undefined) out[r] = String(l[r]);
  return out;
}

/** The cpu and memory of a container's resources (spec or status). */
export function resourcesOf(r: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } | undefined): Resources | undefined {
  return r ? { ...(r.requests ? { requests: pick(r.requests) } : {}), ...(r.limits ? { limits: pick(r.limits) } : {}) } : undefined;
}

/** What the resize subresource answered: the pod as it took it, or its refusal (validation 422, admission 403). */
export type ResizeAnswer = { taken: V1Pod } | { refused: string; statusCode: number };

/** The answer as an admission: kept when the pod came back with `want` on the init container `name`. */
export function resizeAdmission(answer: ResizeAnswer, name: string, want: Resources): Admission {
  if ('refused' in answer) return { outcome: 'refused', message: answer.refused };
  const got = resourcesOf(answer.taken.spec?.initContainers?.find((c) => c.name === name)?.resources);
  return sameResources(got, want) ? { outcome: 'kept' } : { outcome: 'dropped', fields: [`${name}'s resources (came back as ${describeResources(got)})`] };
}

/** One pod row as the resize checks read it: the init container's spec, status and identity, and the resize conditions. */
export interface ResizeRow {
  seq: number;
  elapsedMs: number;
  generation?: number;
  observedGeneration?: number;
  spec?: Resources;
  state: 'waiting' | 'running' | 'terminated' | 'none';
  containerID?: string;
  restartCount: number;
  exitCode?: number;
  /** status.initContainerStatuses[].resources: what the kubelet reports the container runs with. */
  status?: Resources;
  /** status.initContainerStatuses[].allocatedResources: the requests the kubelet allocated. */
  allocated?: ResourceList;
  /** PodResizePending / PodResizeInProgress as "True (Infeasible): message"; absent when the pod has none. */
  conditions: Record<string, string>;
}

/** The rows of a pod's timeline (with their pod objects) as the resize checks read them, for init container `name`. */
export function resizeRowsOf(rows: ReadonlyArray<{ seq: number; elapsedMs: number; pod: V1Pod }>, name: string): ResizeRow[] {
  return rows.map(({ seq, elapsedMs, pod }) => {
    const s = pod.status?.initContainerStatuses?.find((c) => c.name === name);
    const st = s?.state;
    const conditions: Record<string, string> = {};
    pod.status?.conditions?.forEach((c) => {
      if (c.type === 'PodResizePending' || c.type === 'PodResizeInProgress') conditions[c.type] = `${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`;
    });
    return {
      seq,
      elapsedMs,
      generation: pod.metadata?.generation,
      observedGeneration: pod.status?.observedGeneration,
      spec: resourcesOf(pod.spec?.initContainers?.find((c) => c.name === name)?.resources),
      state: st?.running ? 'running' : st?.terminated ? 'terminated' : st?.waiting ? 'waiting' : 'none',
      containerID: s?.containerID,
      restartCount: s?.restartCount ?? 0,
      exitCode: st?.terminated?.exitCode,
      status: resourcesOf(s?.resources),
      allocated: pick(s?.allocatedResources),
      conditions,
    };
  });
}

export function formatResizeRows(rows: readonly ResizeRow[]): string {
  return rows
    .map((r) => {
      const conds = Object.entries(r.conditions).map(([t, v]) => `${t}=${v}`).join(' ');
      const id = r.containerID ? r.containerID.split('://').pop()!.slice(0, 12) : '-';
      return `#${r.seq} t+${(r.elapsedMs / 1000).toFixed(2)}s gen ${r.generation ?? '-'}/${r.observedGeneration ?? '-'} ${r.state}${r.exitCode === undefined ? '' : `(${r.exitCode})`} ↻${r.restartCount} id ${id} | spec ${describeResources(r.spec)} | status ${describeResources(r.status)} | allocated ${listText(r.allocated)}${conds ? ` | ${conds}` : ''}`;
    })
    .join('\n');
}

/** The resize conditions every row showed, in order of first appearance ("PodResizeInProgress=True"), for the evidence and the verdicts. */
export function resizeConditionsSeen(rows: readonly ResizeRow[]): string[] {
  const seen: string[] = [];
  for (const r of rows) for (const [t, v] of Object.entries(r.conditions)) if (!seen.includes(`${t}=${v}`)) seen.push(`${t}=${v}`);
  return seen;
}

/**
 * The init container was resized in place to `want`: the API took the new resources into its spec;
 * a row shows it running, in the same container it ran in before the resize, with `want` as the
 * resources the kubelet reports (and the requests allocated), no resize condition left; it never
 * ran in another container nor restarted; the resize was never pending (Infeasible or Deferred).
 * Returns the row where the resize showed.
 */
export function checkResizedInPlace(rows: readonly ResizeRow[], name: string, before: Resources, want: Resources): ResizeRow {
  if (!rows.length) fail(`rows of ${name}`, 'no row');
  const lastSpec = rows[rows.length - 1]!.spec;
  if (!sameResources(lastSpec, want)) fail(`${name}'s spec to end at ${describeResources(want)} (the resize taken)`, describeResources(lastSpec));
  const firstRunning = rows.find((r) => r.state === 'running');
  if (!firstRunning) fail(`${name} to run`, 'it never ran');
  if (!sameResources(firstRunning.status, before)) fail(`${name} to run first with ${describeResources(before)}`, `${describeResources(firstRunning.status)} in row #${firstRunning.seq}`);
  const ids = [...new Set(rows.map((r) => r.containerID).filter((id): id is string => id !== undefined))];
  if (ids.length !== 1) fail(`${name} to run in one container throughout (resized in place)`, `containers ${ids.join(', ')}`);
  const restarted = rows.find((r) => r.restartCount !== 0);
  if (restarted) fail(`${name}'s restartCount to stay 0`, `${restarted.restartCount} in row #${restarted.seq}`);
  const settled = (r: ResizeRow) => Object.values(r.conditions).every((v) => !v.startsWith('True'));
  const resized = rows.find((r) => r.state === 'running' && sameResources(r.status, want) && settled(r));
  if (!resized) {
    const last = [...rows].reverse().find((r) => r.state === 'running')!;
    const conds = Object.entries(last.conditions).map(([t, v]) => `${t}=${v}`);
    fail(`a row with ${name} running, reporting ${describeResources(want)}, no resize condition True`, `its last running row #${last.seq} reports ${describeResources(last.status)}${conds.length ? ` with ${conds.join(', ')}` : ''}`);
  }
  const pending = rows.find((r) => r.conditions.PodResizePending !== undefined);
  if (pending) fail('the resize never to be pending', `PodResizePending=${pending.conditions.PodResizePending} in row #${pending.seq}`);
  if (!sameList(resized.allocated, want.requests)) fail(`allocatedResources ${listText(want.requests)} in row #${resized.seq}`, listText(resized.allocated));
  return resized;
}

/** One reading of the container's cgroup, as the fixture prints it: "t=12.34 cgroup v1 memory=67108864 cpu=20000/100000". */
export interface CgroupReading {
  uptime: number;
  version: string;
  memoryLimit: number | 'max';
  cpuQuota: number | 'max';
  cpuPeriod: number;
}

export function cgroupReadings(log: string): CgroupReading[] {
  const out: CgroupReading[] = [];
  for (const line of log.split('\n')) {
    const m = /^t=(\d+(?:\.\d+)?) cgroup (v[12]) memory=(\d+|max) cpu=(-?\d+|max)\/(\d+)$/.exec(line.trim());
    if (!m) continue;
    const num = (s: string) => (s === 'max' ? 'max' : Number(s));
    out.push({ uptime: Number(m[1]), version: m[2]!, memoryLimit: num(m[3]!), cpuQuota: num(m[4]!), cpuPeriod: Number(m[5]) });
  }
  return out;
}

/** What the kubelet writes for `limits`: the memory limit in bytes, the CFS quota for the period (v1.36.5 pkg/kubelet/cm/helpers_linux.go MilliCPUToQuota: milli × period / 1000, at least MinQuotaPeriod 1000). */
export function expectedCgroup(limits: ResourceList, period: number): { memoryLimit: number; cpuQuota: number } {
  const milli = Math.round(quantityValue(String(limits.cpu)) * 1000);
  return { memoryLimit: Math.round(quantityValue(String(limits.memory))), cpuQuota: Math.max(1000, Math.floor((milli * period) / 1000)) };
}

function describeReading(r: CgroupReading): string {
  return `memory ${r.memoryLimit}, cpu quota ${r.cpuQuota}/${r.cpuPeriod}`;
}

/** The container's own cgroup held `before`'s limits at its start and `want`'s at its last reading. */
export function checkCgroupFollowed(log: string, name: string, before: ResourceList, want: ResourceList): void {
  const readings = cgroupReadings(log);
  if (!readings.length) fail(`${name} to print its cgroup limits`, `no "cgroup" line in its log: ${JSON.stringify(log.slice(0, 200))}`);
  const [first, last] = [readings[0]!, readings[readings.length - 1]!];
  const at = (r: CgroupReading, l: ResourceList) => {
    const e = expectedCgroup(l, r.cpuPeriod);
    return r.memoryLimit === e.memoryLimit && r.cpuQuota === e.cpuQuota;
  };
  const text = (l: ResourceList, period: number) => {
    const e = expectedCgroup(l, period);
    return `memory ${e.memoryLimit}, cpu quota ${e.cpuQuota}/${period}`;
  };
  if (!at(first, before)) fail(`${name}'s cgroup to start at ${text(before, first.cpuPeriod)} (limits ${listText(before)})`, describeReading(first));
  if (!at(last, want)) fail(`${name}'s cgroup to end at ${text(want, last.cpuPeriod)} (limits ${listText(want)})`, `${describeReading(last)} (${readings.length} reading${readings.length === 1 ? '' : 's'})`);
}

function on(gates: ReadonlyMap<string, GateInForce>, g: string): boolean {
  return gates.get(g)?.enabled === true;
}

/**
 * What the API server must do with a resize of a plain init container's cpu and memory: refuse it
 * where the gate is off or unknown (1.33–1.35), accept it where it is on.
 */
export function expectedResizeAdmission(apiserver: ReadonlyMap<string, GateInForce>): ExpectedAdmission {
  if (!apiserver.has(RESIZE_GATE)) return { outcome: 'refused', message: /spec: Forbidden: resources for non-sidecar init containers are immutable/, why: `the release has no ${RESIZE_GATE}: a plain init container's resources are immutable` };
  if (!on(apiserver, RESIZE_GATE)) return { outcome: 'refused', message: /spec: Forbidden: resources for non-sidecar init containers are immutable/, why: `${RESIZE_GATE} is off: a plain init container's resources are immutable` };
  return { outcome: 'kept', why: `${RESIZE_GATE} is on` };
}

/**
 * What the API server must do with `resizePolicy: RestartContainer` at create: on a plain init
 * container, refuse it where the release has the rule (it came with the gate, 1.36; on whatever the
 * gate's value) and keep it before; on a sidecar, keep it where InPlacePodVerticalScaling is on.
 */
export function expectedRestartContainerAdmission(apiserver: ReadonlyMap<string, GateInForce>, where: 'init' | 'sidecar'): ExpectedAdmission {
  if (where === 'sidecar') {
    return on(apiserver, 'InPlacePodVerticalScaling')
      ? { outcome: 'kept', why: 'InPlacePodVerticalScaling is on: a sidecar may have a resizePolicy' }
      : { outcome: 'refused', message: /resizePolicy: Invalid value: .*must not be set for init containers/, why: 'InPlacePodVerticalScaling is off: no init container may have a resizePolicy' };
  }
  if (apiserver.has(RESIZE_GATE)) {
    return { outcome: 'refused', message: /spec\.initContainers\[0\]\.resizePolicy\[0\]\.restartPolicy: Invalid value: "RestartContainer": must not be set to 'RestartContainer' for non-sidecar initContainers/, why: `the release knows ${RESIZE_GATE} (1.36+): RestartContainer is refused on plain init containers` };
  }
  return on(apiserver, 'InPlacePodVerticalScaling')
    ? { outcome: 'kept', why: `the release has no ${RESIZE_GATE} (before 1.36): a plain init container's resizePolicy is not checked further` }
    : { outcome: 'refused', message: /resizePolicy: Invalid value: .*must not be set for init containers/, why: 'InPlacePodVerticalScaling is off: no init container may have a resizePolicy' };
}
