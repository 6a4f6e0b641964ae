/**
 * Gated features (SPEC.md, "Init-container features by release"): whether the cluster runs one,
 * decided from what the API server did with a dry-run pod and what the kubelet reports in force;
 * what the API server must do with the fields where a gate is off; and the verdicts of the
 * restart-rules and restart-all suites. Pure: lib/scenario/features.ts and the suites ask the
 * cluster, this decides.
 */
import { fail } from './recording.js';
import type { RecordedRow, Recording } from './recording.js';
import { attemptsOf, containerIn, everRan } from './recording.js';
import type { GateInForce } from '../cluster/features.js';
import { expectedResizeAdmission } from './resize-init.js';

export type GatedFeature = 'ContainerRestartRules' | 'RestartAllContainersOnContainerExits' | 'EnvFiles' | 'InPlacePodVerticalScalingInitContainers';

/**
 * The gates each component must run for the feature to work (k8s.io/kubernetes v1.36.5
 * pkg/features/kube_features.go, the dependency map: RestartAllContainersOnContainerExits needs
 * ContainerRestartRules and NodeDeclaredFeatures; InPlacePodVerticalScalingInitContainers needs
 * InPlacePodVerticalScaling and NodeDeclaredFeatures, through which the node declares it to the
 * API server's NodeDeclaredFeatureValidator).
 */
export const KUBELET_GATES: Readonly<Record<GatedFeature, readonly string[]>> = {
  ContainerRestartRules: ['ContainerRestartRules'],
  RestartAllContainersOnContainerExits: ['ContainerRestartRules', 'RestartAllContainersOnContainerExits', 'NodeDeclaredFeatures'],
  EnvFiles: ['EnvFiles'],
  InPlacePodVerticalScalingInitContainers: ['InPlacePodVerticalScaling', 'InPlacePodVerticalScalingInitContainers', 'NodeDeclaredFeatures'],
};

/** What the API server did with a dry-run pod carrying the feature's fields. */
export type Admission = { outcome: 'kept' } | { outcome: 'dropped'; fields: string[] } | { outcome: 'refused'; message: string };

/** Fields sent and what the dry-run returned for each (undefined: gone): kept when every one came back as sent. */
export function admissionOf(sent: Readonly<Record<string, unknown>>, returned: Readonly<Record<string, unknown>>): Admission {
  const dropped = Object.keys(sent).filter((f) => JSON.stringify(returned[f]) !== JSON.stringify(sent[f]));
  return dropped.length ? { outcome: 'dropped', fields: dropped } : { outcome: 'kept' };
}

export function describeAdmission(a: Admission): string {
  return a.outcome === 'kept' ? 'kept the fields' : a.outcome === 'dropped' ? `dropped ${a.fields.join(', ')}` : `refused the pod: ${a.message}`;
}

/** One component's gates as lib/kube/gates-in-force.ts reads them. */
export interface ComponentGatesRead {
  readonly component: string;
  readonly gates?: ReadonlyMap<string, GateInForce>;
  readonly unreadable?: string;
}

export interface Support {
  supported: boolean;
  reason: string;
}

/** Why a kubelet does not run the gates `names`, or undefined when it runs every one. */
function kubeletShortfall(k: ComponentGatesRead, names: readonly string[]): string | undefined {
  if (!k.gates) return `cannot tell whether ${k.component} runs ${names.join(', ')}: its gates cannot be read (${k.unreadable ?? 'no reason given'})`;
  const missing = names.filter((g) => !k.gates!.has(g));
  if (missing.length) return `${k.component} does not know ${missing.join(', ')}`;
  const off = names.filter((g) => !k.gates!.get(g)!.enabled);
  return off.length ? `${k.component} runs ${off.join(', ')} off` : undefined;
}

/**
 * Whether the feature is on where the pods run: the API server kept its fields (a dry-run), and
 * every kubelet the pods may land on runs its gates. Anything else says why.
 */
export function featureSupport(feature: GatedFeature, admission: Admission, kubelets: readonly ComponentGatesRead[]): Support {
  const names = KUBELET_GATES[feature];
  const shortfalls = kubelets.map((k) => kubeletShortfall(k, names)).filter((s): s is string => s !== undefined);
  if (admission.outcome !== 'kept') return { supported: false, reason: [`${feature}: the API server ${describeAdmission(admission)}`, ...shortfalls].join('; ') };
  if (!kubelets.length) return { supported: false, reason: `${feature}: no node to run the pods on` };
  if (shortfalls.length) return { supported: false, reason: `${feature}: the API server kept the fields, but ${shortfalls.join('; ')}` };
  return { supported: true, reason: `${feature}: the API server kept the fields; ${kubelets.map((k) => k.component).join(', ')} run${kubelets.length === 1 ? 's' : ''} ${names.join(', ')} on` };
}

/** What the API server must do with the feature's fields given its gates (v1.34.12–v1.36.5 pkg/api/pod/util.go dropContainerRestartRules, pkg/apis/core/validation/validation.go validateContainerRestartPolicy). */
export interface ExpectedAdmission {
  outcome: Admission['outcome'];
  /** The refusal's message must match this. */
  message?: RegExp;
  why: string;
}

function on(gates: ReadonlyMap<string, GateInForce>, g: string) {
  return gates.get(g)?.enabled === true;
}

export function expectedAdmission(feature: GatedFeature, apiserver: ReadonlyMap<string, GateInForce>): ExpectedAdmission {
  if (feature === 'InPlacePodVerticalScalingInitContainers') return expectedResizeAdmission(apiserver);
  if (feature === 'EnvFiles') {
    // v1.34.12 and v1.36.5 pkg/api/pod/util.go dropFileKeyRefInUse clears fileKeyRef, then validateEnvVarValueFrom finds no source.
    return on(apiserver, 'EnvFiles')
      ? { outcome: 'kept', why: 'EnvFiles is on' }
      : { outcome: 'refused', message: /must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`/, why: 'EnvFiles is off: dropFileKeyRefInUse clears fileKeyRef and the emptied valueFrom is invalid' };
  }
  if (!apiserver.has('ContainerRestartRules')) {
    // A release before the gate (1.33): restartPolicyRules is no field of its API (the decoder drops it), and the
    // container restartPolicy is validated as before (v1.33.13 pkg/apis/core/validation/validation.go).
    return feature === 'ContainerRestartRules'
      ? { outcome: 'refused', message: /spec\.initContainers\[0\]\.restartPolicy: Unsupported value: "Never": supported values: "Always"/, why: 'the release has no ContainerRestartRules: an init container\'s restartPolicy may only be Always' }
      : { outcome: 'refused', message: /spec\.containers\[0\]\.restartPolicy: Forbidden: may not be set for non-init containers/, why: 'the release has no ContainerRestartRules: an app container may not have a restartPolicy' };
  }
  if (!on(apiserver, 'ContainerRestartRules')) return { outcome: 'dropped', why: 'ContainerRestartRules is off: dropContainerRestartRules clears restartPolicyRules and a non-Always container restartPolicy' };
  if (feature === 'ContainerRestartRules') return { outcome: 'kept', why: 'ContainerRestartRules is on' };
  if (!on(apiserver, 'RestartAllContainersOnContainerExits')) {
    return { outcome: 'refused', message: /Unsupported value: "RestartAllContainers": supported values: "Restart"/, why: 'RestartAllContainersOnContainerExits is off: validation allows the action Restart only' };
  }
  return { outcome: 'kept', why: 'ContainerRestartRules and RestartAllContainersOnContainerExits are on' };
}

export function checkAdmission(expected: ExpectedAdmission, got: Admission): void {
  const as = `the API server ${describeAdmission(got)}`;
  if (got.outcome !== expected.outcome) fail(`the API server to ${expected.outcome === 'refused' ? 'refuse the pod' : `${expected.outcome === 'kept' ? 'keep' : 'drop'} the fields`} (${expected.why})`, as);
  if (expected.message && !expected.message.test(describeAdmission(got))) fail(`the refusal to match ${expected.message} (${expected.why})`, as);
}

function lastWith(rows: RecordedRow[], name: string) {
  return [...rows].reverse().find((r) => containerIn(r, name));
}

/**
 * restart-rules: the init container's runs exited with `exitCodes`, in order (it was restarted
 * once per code but the last), and then the pod failed (`podFails`) or went on to run the app.
 */
export function checkInitRuns(rec: Recording, init: string, app: string, exitCodes: readonly number[], podFails: boolean): void {
  const runs = attemptsOf(rec.rows, init).map((a) => a.exitCode);
  if (JSON.stringify(runs) !== JSON.stringify(exitCodes)) fail(`${init}'s runs to exit with ${exitCodes.join(', ')}`, `${runs.map((c) => c ?? 'no exit').join(', ') || 'no run'}`, rec.rows);
  const restarts = containerIn(lastWith(rec.rows, init)!, init)!.restartCount;
  if (restarts !== exitCodes.length - 1) fail(`${init}'s restartCount to end at ${exitCodes.length - 1}`, `${restarts}`, rec.rows);
  const last = rec.rows[rec.rows.length - 1]!;
  if (podFails) {
    if (last.phase !== 'Failed') fail('the pod to fail', `its phase ended at ${last.phase}`, rec.rows);
    if (everRan(rec.rows, app)) fail(`${app} never to run`, `${app} ran`, rec.rows);
  } else {
    if (rec.rows.some((r) => r.phase === 'Failed')) fail('the pod not to fail', 'phase Failed', rec.rows);
    if (!everRan(rec.rows, app)) fail(`${app} to run after ${init} succeeded`, `${app} never ran`, rec.rows);
  }
}

export { checkFailedAfterRestart, checkRestartedAll, checkRestartCounts, checkRestartingCondition, checkRunsKept, checkSamePod, describeReinitialization, filesFromPrintout } from './restart-all.js';
export type { PodIdentity, RestartAllLayout, RestartAllRecording } from './restart-all.js';
