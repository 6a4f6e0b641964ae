/**
 * Scheduling and resources: the effective request of a pod, as the scheduler computes it, and the
 * checks of the resources suite. `podRequests` ports upstream's `PodRequests` /
 * `AggregateContainerRequests` (k8s.io/component-helpers/resource/helpers.go; the same in 1.33–1.36
 * for what it reads here): the sum of the app containers and of every sidecar (restartPolicy Always
 * init container), or, when larger, the largest "init container use", where an init container's
 * use is its own request plus the sidecars declared before it; pod-level requests
 * (PodLevelResources) replace the sum for cpu and memory; pod overhead is added. The scheduler's
 * NodeResourcesFit plugin (pkg/scheduler/framework/plugins/noderesources/fit.go, fitsRequest)
 * refuses a node when a request exceeds allocatable minus what the node's pods already request, with
 * the reason "Insufficient <resource>".
 */
import { fail } from './recording.js';
import type { RecordedRow } from './recording.js';

/** cpu in millicores, memory in bytes. */
export interface Requests {
  cpu: number;
  memory: number;
}
export type ResourceName = keyof Requests;
// Built on each call, not at module load: Stryker's static mutants of module constants cost a full test run each.
function resources(): ResourceName[] {
  return ['cpu', 'memory'];
}
function suffixes(): Record<string, number> {
  return ({ n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 });
}

/** A resource.Quantity string ("250m", "1.5", "128Mi", "8039444Ki", "1e3") as a number of its base unit (cores, bytes). */
export function parseQuantity(q: string): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) throw new Error(`not a Kubernetes quantity: "${q}"`);
  return Number(m[1]! + (m[2] ?? '')) * suffixes()[m[3] ?? '']!;
}

export interface ContainerLike {
  name?: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, string> };
}
export interface PodSpecLike {
  containers: ContainerLike[];
  initContainers?: ContainerLike[];
  overhead?: Record<string, string>;
  resources?: { requests?: Record<string, string> };
}

/** The requests of one container, cpu rounded up to whole millicores as resource.Quantity's MilliValue does. */
export function containerRequests(requests: Record<string, string> | undefined): Requests {
  // Rounded up past float noise (0.1 × 1000 is 100.00000000000001); `|| 0` makes a -0 of Math.ceil a 0.
  const get = (r: ResourceName, scale: number) => (requests?.[r] === undefined ? 0 : Math.ceil(parseQuantity(requests[r]!) * scale - 1e-9) || 0);
  return { cpu: get('cpu', 1000), memory: get('memory', 1) };
}

function add(a: Requests, b: Requests): Requests {
  return ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory });
}
function max(a: Requests, b: Requests): Requests {
  return ({ cpu: Math.max(a.cpu, b.cpu), memory: Math.max(a.memory, b.memory) });
}
function zero(): Requests {
  return ({ cpu: 0, memory: 0 });
}

/** The pod's effective request (upstream PodRequests, without status resources: what the scheduler uses for a pod not yet running). */
export function podRequests(spec: PodSpecLike): Requests {
  let reqs = spec.containers.reduce((sum, c) => add(sum, containerRequests(c.resources?.requests)), zero());
  let sidecars = zero();
  let initUse = zero();
  for (const c of spec.initContainers ?? []) {
    const own = containerRequests(c.resources?.requests);
    if (c.restartPolicy === 'Always') {
      reqs = add(reqs, own);
      sidecars = add(sidecars, own);
      initUse = max(initUse, sidecars);
    } else {
      initUse = max(initUse, add(own, sidecars));
    }
  }
  reqs = max(reqs, initUse);
  const podLevel = spec.resources?.requests;
  if (podLevel) {
    const p = containerRequests(podLevel);
    for (const r of resources()) if (podLevel[r] !== undefined) reqs[r] = p[r];
  }
  return spec.overhead ? add(reqs, containerRequests(spec.overhead)) : reqs;
}

/** What a node has left for a new pod: its allocatable less the requests of the pods bound to it that have not ended. */
export function freeOnNode(allocatable: Record<string, string>, pods: Array<{ spec: PodSpecLike; phase?: string }>): Requests {
  const alloc = containerRequests(allocatable);
  const used = pods.filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed').reduce((sum, p) => add(sum, podRequests(p.spec)), zero());
  return { cpu: alloc.cpu - used.cpu, memory: alloc.memory - used.memory };
}

/** The resources whose request exceeds what is free: the scheduler's "Insufficient <resource>" (zero requests always fit). */
export function insufficient(req: Requests, free: Requests): ResourceName[] {
  return resources().filter((r) => req[r] > 0 && req[r] > free[r]);
}

export interface PodScheduledCondition {
  status: string;
  reason?: string;
  message?: string;
}

/** What the resources suite records of one pod: its spec's requests, what its nodes had free, and the PodScheduled condition it got. */
export interface SchedulingRecord {
  /** podRequests of the pod as created. */
  requests: Requests;
  /** What each schedulable node had free (allocatable less its pods' requests) when the pod was made. */
  free: Record<string, Requests>;
  condition?: PodScheduledCondition;
  rows: RecordedRow[];
}

/** Whether the effective request fits at least one node, and on no node which resources are short. */
export function predictFit(rec: Pick<SchedulingRecord, 'requests' | 'free'>): { fits: boolean; short: ResourceName[] } {
  const perNode = Object.values(rec.free).map((f) => insufficient(rec.requests, f));
  return { fits: perNode.some((s) => s.length === 0), short: resources().filter((r) => perNode.length > 0 && perNode.every((s) => s.includes(r))) };
}

/**
 * The pod cannot be scheduled because of `resources`: as predicted from its effective request and
 * the nodes' free resources, the pod stayed Pending and never got a node, and its PodScheduled
 * condition is False, reason Unschedulable, with a message naming "Insufficient <resource>" for each.
 */
export function checkUnschedulable(rec: SchedulingRecord, resources: ResourceName[]): void {
  const predicted = predictFit(rec);
  if (predicted.fits || JSON.stringify(predicted.short) !== JSON.stringify(resources)) {
    fail(`the effective request to exceed what every node has free in ${resources.join(', ')} only (the scenario's premise)`, `request ${JSON.stringify(rec.requests)}, free ${JSON.stringify(rec.free)}: short of ${predicted.short.join(', ') || 'nothing'}`);
  }
  const c = rec.condition;
  if (c?.status !== 'False' || c.reason !== 'Unschedulable') fail('condition PodScheduled False, reason Unschedulable', JSON.stringify(c ?? 'no PodScheduled condition'), rec.rows);
  for (const r of resources) if (!c.message?.includes(`Insufficient ${r}`)) fail(`the Unschedulable message to name the resource ("Insufficient ${r}")`, `"${c.message ?? ''}"`);
  const left = rec.rows.find((row) => row.phase !== 'Pending' || row.conditions.PodScheduled === 'True');
  if (left) fail('the pod Pending and never scheduled', `row #${left.seq}: phase ${left.phase}, PodScheduled ${left.conditions.PodScheduled}`, [left]);
}

/** The pod fits, as predicted, and was scheduled and ran: PodScheduled True and phase Running. */
export function checkScheduled(rec: SchedulingRecord): void {
  const predicted = predictFit(rec);
  if (!predicted.fits) fail('the effective request to fit a node (the scenario\'s premise)', `request ${JSON.stringify(rec.requests)}, free ${JSON.stringify(rec.free)}`);
  if (rec.condition?.status !== 'True') fail('condition PodScheduled True', JSON.stringify(rec.condition ?? 'no PodScheduled condition'), rec.rows);
  if (!rec.rows.some((r) => r.phase === 'Running')) fail('phase Running', `phases ${[...new Set(rec.rows.map((r) => r.phase))].join(', ')}`, rec.rows);
}
