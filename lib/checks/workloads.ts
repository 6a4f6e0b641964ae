/**
 * Checks of the workloads suites: init containers under the controllers that make pods. Pure
 * functions of recorded object timelines (lib/observe/objects.ts): the workload's rows and the rows
 * of its pods, all pods of one watch, so their order is the server's. Each names the upstream code
 * it holds the controller to (paths in kubernetes/kubernetes, pkg/controller/...).
 */
import type { ObjectRow } from '../observe/objects.js';
import { fail } from './recording.js';

interface ContainerStatusJson {
  name: string;
  restartCount?: number;
  state?: { running?: unknown; terminated?: { exitCode?: number }; waiting?: { reason?: string } };
  lastState?: { terminated?: { exitCode?: number } };
}

export function formatRows(rows: ObjectRow[]) {
  return rows
    .map((r) => `#${r.seq} t+${(r.elapsedMs / 1000).toFixed(2)}s ${r.event} ${r.name} ${['phase', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'desiredNumberScheduled', 'numberReady', 'numberAvailable', 'numberUnavailable', 'active', 'failed', 'succeeded'].filter((k) => r.status[k] !== undefined).map((k) => `${k}=${String(r.status[k])}`).join(' ')} ${Object.entries(r.conditions).map(([k, v]) => `${k}:${v}`).join(' ')}`.trimEnd())
    .join('\n');
}

/** fail() with the object rows quoted under "Timeline rows:", as fail() quotes a pod's rows. */
function failRows(expected: string, observed: string, rows: ObjectRow[]): never {
  return fail(expected, `${observed}${rows.length ? `\nTimeline rows:\n${formatRows(rows)}` : ''}`);
}

function num(row: ObjectRow | undefined, key: string) {
  return (typeof row?.status[key] === 'number' ? (row.status[key] as number) : 0);
}
function statuses(row: ObjectRow, key: 'initContainerStatuses' | 'containerStatuses') {
  return (row.status[key] as ContainerStatusJson[] | undefined) ?? [];
}
export function podNames(pods: ObjectRow[]) {
  return [...new Set(pods.map((r) => r.name))];
}
function rowsOf(pods: ObjectRow[], name: string) {
  return pods.filter((r) => r.name === name);
}
function everReady(rows: ObjectRow[]) {
  return rows.some((r) => r.conditions.Ready?.startsWith('True'));
}
/** The highest restartCount any init container of the pod showed. */
export function initRestarts(rows: ObjectRow[]) {
  return Math.max(0, ...rows.flatMap((r) => statuses(r, 'initContainerStatuses').map((s) => s.restartCount ?? 0)));
}
/** Whether any app container of the pod ever ran (running or terminated, now or before). */
function appRan(rows: ObjectRow[]) {
  return rows.some((r) => statuses(r, 'containerStatuses').some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated));
}
/** Whether an init container of the pod was seen failing (terminated, or last terminated, with a non-zero exit). */
export function initFailed(rows: ObjectRow[]) {
  return rows.some((r) => statuses(r, 'initContainerStatuses').some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0 || (s.lastState?.terminated?.exitCode ?? 0) !== 0));
}

/** A pod whose init container keeps failing: seen failing, never initialized, never Ready, its app never ran. */
function checkHeldByInit(pods: ObjectRow[], name: string): void {
  const rows = rowsOf(pods, name);
  if (!initFailed(rows)) failRows(`pod ${name}'s init container seen failing`, 'no failed attempt', rows);
  const initialized = rows.find((r) => r.conditions.Initialized?.startsWith('True'));
  if (initialized || everReady(rows)) failRows(`pod ${name} never initialized nor Ready`, `row #${(initialized ?? rows.find((r) => r.conditions.Ready?.startsWith('True')))!.seq}`, rows);
  if (appRan(rows)) failRows(`pod ${name}'s app container never to run`, 'it ran', rows);
}

export interface RolloutRecording {
  deployment: ObjectRow[];
  pods: ObjectRow[];
  /** When the new template was applied (ISO), and the names of the pods that were serving then. */
  rolloutAt: string;
  oldPods: string[];
  replicas: number;
  progressDeadlineSeconds: number;
  /** Requests through the Service during the rollout (ISO time, HTTP status, body). */
  probes: Array<{ at: string; status: number; body: string }>;
  /** What the old pods answer. */
  oldBody: string;
}

/**
 * A rollout whose new template has a failing init container (pkg/controller/deployment/progress.go
 * syncRolloutStatus, util.DeploymentTimedOut; apps/v1 since 1.9): the new pods never initialize
 * nor become Ready; the Deployment ends with Progressing False, reason ProgressDeadlineExceeded, no
 * sooner than progressDeadlineSeconds after the rollout (a report before it, of the first rollout, does not count); its available replicas never drop below
 * `replicas` (maxUnavailable 0: the old ReplicaSet is not scaled down while the new pods are not
 * available); the old pods are never deleted; and the Service in front answered every request
 * with the old pods' content, from the rollout until after the deadline.
 */
export function checkRolloutHeld(rec: RolloutRecording): void {
  const end = rec.deployment.at(-1);
  if (end?.conditions.Progressing !== 'False (ProgressDeadlineExceeded)') failRows('condition Progressing False (ProgressDeadlineExceeded) in the end', `Progressing ${end?.conditions.Progressing ?? 'absent'}`, rec.deployment);
  // On a loaded node the first rollout can overrun the deadline too, before the template changed: only a report after the change counts.
  const timedOut = rec.deployment.find((r) => r.receivedAt >= rec.rolloutAt && r.conditions.Progressing === 'False (ProgressDeadlineExceeded)');
  if (!timedOut) return failRows('Progressing False (ProgressDeadlineExceeded) reported after the rollout', 'only before it', rec.deployment);
  const after = (Date.parse(timedOut.receivedAt) - Date.parse(rec.rolloutAt)) / 1000;
  if (after < rec.progressDeadlineSeconds - 1) failRows(`ProgressDeadlineExceeded no sooner than ${rec.progressDeadlineSeconds}s after the rollout`, `after ${after.toFixed(2)}s`, [timedOut]);
  const during = rec.deployment.filter((r) => r.receivedAt >= rec.rolloutAt);
  const dropped = during.find((r) => num(r, 'availableReplicas') < rec.replicas);
  if (dropped) failRows(`availableReplicas ≥ ${rec.replicas} throughout the rollout (the old pods kept serving)`, `${num(dropped, 'availableReplicas')} at row #${dropped.seq}`, [dropped]);
  const fresh = podNames(rec.pods).filter((n) => !rec.oldPods.includes(n));
  if (!fresh.length) failRows('at least one pod of the new template', 'none', rec.pods);
  for (const n of fresh) checkHeldByInit(rec.pods, n);
  const gone = rec.pods.find((r) => rec.oldPods.includes(r.name) && (r.event === 'DELETED' || !r.conditions.Ready?.startsWith('True')) && r.receivedAt >= rec.rolloutAt);
  if (gone) failRows('the old pods Ready and kept throughout the rollout', `${gone.name} ${gone.event === 'DELETED' ? 'deleted' : `Ready ${gone.conditions.Ready}`} at row #${gone.seq}`, [gone]);
  const probes = rec.probes.filter((p) => p.at >= rec.rolloutAt);
  const bad = probes.find((p) => p.status !== 200 || p.body.trim() !== rec.oldBody);
  if (bad) fail(`every request through the Service answered by an old pod (200, "${rec.oldBody}")`, `${bad.status} "${bad.body.trim()}" at ${bad.at}`);
  if (!probes.length || probes.at(-1)!.at < timedOut.receivedAt) fail('requests through the Service until after the deadline was reported', `${probes.length} requests, the last at ${probes.at(-1)?.at ?? 'never'}; deadline reported at ${timedOut.receivedAt}`);
}

/** `set`-i for i ≥ 1 created only after `set`-(i-1) was Ready (first row of one after a Ready row of the other, one watch), and every pod Ready in the end. */
export function checkOrderedReady(pods: ObjectRow[], set: string, replicas: number): void {
  for (let i = 1; i < replicas; i++) {
    const created = pods.findIndex((r) => r.name === `${set}-${i}`);
    const readyBefore = pods.findIndex((r) => r.name === `${set}-${i - 1}` && r.conditions.Ready?.startsWith('True'));
    if (created < 0) failRows(`pod ${set}-${i} to be created`, 'never seen', pods);
    if (readyBefore < 0 || readyBefore > created) failRows(`pod ${set}-${i} created only after ${set}-${i - 1} was Ready (OrderedReady)`, `${set}-${i} first seen at row #${pods[created]!.seq}, ${set}-${i - 1} Ready ${pods[readyBefore] ? `at row #${pods[readyBefore]!.seq}` : 'never'}`, pods);
  }
  for (let i = 0; i < replicas; i++) if (!everReady(rowsOf(pods, `${set}-${i}`))) failRows(`pod ${set}-${i} Ready`, 'never Ready', rowsOf(pods, `${set}-${i}`));
}

/** A failing init container in `set`-0 holds the whole set: it never initializes, and `set`-1 is never created while observed for `heldMs` ≥ `windowMs`. */
export function checkSetHeld(pods: ObjectRow[], set: string, heldMs: number, windowMs: number): void {
  checkHeldByInit(pods, `${set}-0`);
  if (initRestarts(rowsOf(pods, `${set}-0`)) < 1) failRows(`pod ${set}-0's init container restarted`, 'restartCount 0', rowsOf(pods, `${set}-0`));
  const next = pods.find((r) => r.name !== `${set}-0`);
  if (next) failRows(`no pod but ${set}-0 while it fails (OrderedReady)`, `${next.name} at row #${next.seq}`, [next]);
  if (heldMs < windowMs) fail(`the set observed held for ${windowMs / 1000}s`, `${heldMs / 1000}s`);
}

/**
 * A DaemonSet whose pods' init container fails (pkg/controller/daemon/daemon_controller.go
 * updateDaemonSetStatus: numberUnavailable = desiredNumberScheduled − numberAvailable): in the end
 * every desired pod is unavailable, none was ever available or ready, and each pod is held by its
 * init container.
 */
export function checkDaemonUnavailable(ds: ObjectRow[], pods: ObjectRow[]): void {
  const end = ds.at(-1);
  const desired = num(end, 'desiredNumberScheduled');
  if (desired < 1 || num(end, 'numberUnavailable') !== desired) failRows('numberUnavailable = desiredNumberScheduled ≥ 1 while the init container fails', `desired ${desired}, unavailable ${num(end, 'numberUnavailable')}`, ds);
  const up = ds.find((r) => num(r, 'numberAvailable') > 0 || num(r, 'numberReady') > 0);
  if (up) failRows('no daemon pod ever ready or available', `row #${up.seq}: ready ${num(up, 'numberReady')}, available ${num(up, 'numberAvailable')}`, [up]);
  const names = podNames(pods);
  if (names.length !== desired) failRows(`one pod per desired node (${desired})`, `${names.length}: ${names.join(', ')}`, pods);
  for (const n of names) checkHeldByInit(pods, n);
}

/** The same DaemonSet with a succeeding init container: every desired pod available, none unavailable. */
export function checkDaemonAvailable(ds: ObjectRow[]): void {
  const end = ds.at(-1);
  const desired = num(end, 'desiredNumberScheduled');
  if (desired < 1 || num(end, 'numberAvailable') !== desired || num(end, 'numberUnavailable') !== 0) failRows('numberAvailable = desiredNumberScheduled ≥ 1, numberUnavailable 0', `desired ${desired}, available ${num(end, 'numberAvailable')}, unavailable ${num(end, 'numberUnavailable')}`, ds);
}

/**
 * A Job whose init container fails ends Failed, reason BackoffLimitExceeded
 * (pkg/controller/job/job_controller.go): with restartPolicy Never every attempt is a new pod that
 * fails (backoffLimit + 1 pods, none restarted); with OnFailure one pod whose init container
 * restarts in place until the restarts of its containers reach backoffLimit
 * (pastBackoffLimitOnFailure counts init containers too). No app container ever runs.
 */
export function checkJobBackoffExceeded(job: ObjectRow[], pods: ObjectRow[], policy: 'Never' | 'OnFailure', backoffLimit: number): void {
  const end = job.at(-1);
  if (end?.conditions.Failed !== 'True (BackoffLimitExceeded)') failRows('condition Failed True (BackoffLimitExceeded)', `Failed ${end?.conditions.Failed ?? 'absent'}`, job);
  const names = podNames(pods);
  const want = policy === 'Never' ? backoffLimit + 1 : 1;
  if (names.length !== want) failRows(`${want} pod(s) (restartPolicy ${policy}, backoffLimit ${backoffLimit})`, `${names.length}: ${names.join(', ')}`, pods);
  for (const n of names) {
    const rows = rowsOf(pods, n);
    if (appRan(rows)) failRows(`pod ${n}'s app container never to run`, 'it ran', rows);
    if (!initFailed(rows)) failRows(`pod ${n}'s init container seen failing`, 'no failed attempt', rows);
    const restarts = initRestarts(rows);
    if (policy === 'Never' && (restarts !== 0 || !rows.some((r) => r.status.phase === 'Failed'))) failRows(`pod ${n} Failed without a restart (restartPolicy Never)`, `restartCount ${restarts}, phases ${[...new Set(rows.map((r) => r.status.phase))].join(', ')}`, rows);
    if (policy === 'OnFailure' && restarts < backoffLimit) failRows(`pod ${n}'s init container restarted in place ≥ ${backoffLimit} times (restartPolicy OnFailure)`, `restartCount ${restarts}`, rows);
  }
}

/** A Job whose init container succeeds completes: condition Complete True (reason CompletionsReached from 1.31), one pod succeeded, after its init container ran. */
export function checkJobCompleted(job: ObjectRow[], pods: ObjectRow[]): void {
  const end = job.at(-1);
  if (!end?.conditions.Complete?.startsWith('True') || num(end, 'succeeded') !== 1) failRows('condition Complete True and 1 succeeded', `Complete ${end?.conditions.Complete ?? 'absent'}, succeeded ${num(end, 'succeeded')}`, job);
  const names = podNames(pods);
  if (names.length !== 1) failRows('1 pod', `${names.length}`, pods);
  const rows = rowsOf(pods, names[0]!);
  if (!rows.some((r) => r.status.phase === 'Succeeded' && r.conditions.Initialized?.startsWith('True'))) failRows(`pod ${names[0]} Succeeded after its init containers`, [...new Set(rows.map((r) => `${r.status.phase}/Initialized ${r.conditions.Initialized}`))].join(', '), rows);
}
