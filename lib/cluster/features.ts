/**
 * Feature gates and kubelet settings: the ones a cluster initc makes is asked for (`--feature-gates`,
 * `--kubelet-config`), the ones a release knows (its `--help`), and the ones a cluster reports in
 * force (`kubernetes_feature_enabled` on a component's /metrics). Pure: the cluster code reads and
 * writes, this decides.
 */
import yaml from 'js-yaml';
import { InitcError } from '../errors.js';

/** What a cluster is asked to run with; both empty for a cluster of defaults. */
export interface ClusterSettings {
  /** Gate name → wanted value, as `--feature-gates A=true,B=false` gives them. */
  readonly featureGates: Readonly<Record<string, boolean>>;
  /** KubeletConfiguration fields (nested), as `--kubelet-config a.b=VALUE` gives them. */
  readonly kubelet: Readonly<Record<string, unknown>>;
  /** Gates the release does not know are dropped (and said) instead of refused: one set of gates across versions. */
  readonly onlyKnownGates?: boolean;
}

export const DEFAULT_SETTINGS: ClusterSettings = { featureGates: {}, kubelet: {} };

const GATE_NAME = /^[A-Z][A-Za-z0-9]*$/;

/** `A=true,B=false` (spaces allowed, repeated flags joined) → { A: true, B: false }; anything else is a usage error. */
export function parseFeatureGates(values: readonly string[]): Record<string, boolean> {
  const gates: Record<string, boolean> = {};
  for (const item of values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(item);
    if (!m || !GATE_NAME.test(m[1]!)) throw new InitcError('usage', `--feature-gates: "${item}" is not NAME=true or NAME=false (e.g. ContainerRestartRules=true)`);
    const value = m[2]!.toLowerCase();
    if (value !== 'true' && value !== 'false') throw new InitcError('usage', `--feature-gates: ${m[1]} must be true or false, not "${m[2]}"`);
    if (m[1]! in gates && gates[m[1]!] !== (value === 'true')) throw new InitcError('usage', `--feature-gates: ${m[1]} is given both true and false`);
    gates[m[1]!] = value === 'true';
  }
  return gates;
}

/** Fields initc sets itself for the cluster to work here: a user's value would break it, so it is refused. */
const KUBELET_FIELDS_OWNED = new Set(['apiVersion', 'kind', 'featureGates', 'address', 'port', 'authentication', 'authorization', 'tlsCertFile', 'tlsPrivateKeyFile', 'containerRuntimeEndpoint', 'cgroupRoot', 'cgroupDriver', 'clusterDNS', 'clusterDomain', 'resolvConf', 'podLogsDir', 'staticPodPath']);

/**
 * `crashLoopBackOff.maxContainerRestartPeriod=5s` (repeatable) → { crashLoopBackOff: { maxContainerRestartPeriod: '5s' } }.
 * Values are YAML scalars (true, 10, 5s); the path is the KubeletConfiguration's field names.
 */
export function parseKubeletSettings(values: readonly string[]): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const item of values.map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)=(.*)$/.exec(item);
    if (!m) throw new InitcError('usage', `--kubelet-config: "${item}" is not FIELD=VALUE (e.g. crashLoopBackOff.maxContainerRestartPeriod=5s)`);
    const path = m[1]!.split('.');
    if (KUBELET_FIELDS_OWNED.has(path[0]!)) throw new InitcError('usage', `--kubelet-config: ${path[0]} is initc's to set (gates go in --feature-gates)`);
    let value: unknown;
    try {
      value = m[2] === '' ? '' : yaml.load(m[2]!);
    } catch {
      throw new InitcError('usage', `--kubelet-config: the value of ${m[1]} is not a YAML scalar: ${m[2]}`);
    }
    if (isRecord(value)) throw new InitcError('usage', `--kubelet-config: ${m[1]} takes one value, not ${m[2]}`);
    let at = config;
    for (const key of path.slice(0, -1)) {
      const next = at[key];
      if (next !== undefined && !isRecord(next)) throw new InitcError('usage', `--kubelet-config: ${m[1]} conflicts with a value given for ${key}`);
      at = (at[key] ??= {}) as Record<string, unknown>;
    }
    const leaf = path[path.length - 1]!;
    if (typeof at[leaf] === 'object') throw new InitcError('usage', `--kubelet-config: ${m[1]} conflicts with the fields given under it`);
    at[leaf] = value;
  }
  return config;
}

/** The settings from the CLI's flags (--feature-gates, --kubelet-config, --only-known-gates). */
export function clusterSettings(a: { 'feature-gates'?: readonly string[]; 'kubelet-config'?: readonly string[]; 'only-known-gates'?: boolean }): ClusterSettings {
  const settings = { featureGates: parseFeatureGates(a['feature-gates'] ?? []), kubelet: parseKubeletSettings(a['kubelet-config'] ?? []) };
  return a['only-known-gates'] ? { ...settings, onlyKnownGates: true } : settings;
}

export function isDefaultSettings(s: ClusterSettings) {
  return !Object.keys(s.featureGates).length && !Object.keys(s.kubelet).length;
}

/** `A=true,B=false` in name order: the flag value, and how settings are shown. */
export function gatesFlag(gates: Readonly<Record<string, boolean>>): string {
  return Object.keys(gates)
    .sort()
    .map((g) => `${g}=${gates[g]}`)
    .join(',');
}

/** One line for progress, status and errors: "gates A=true; kubelet crashLoopBackOff.maxContainerRestartPeriod=5s", or "defaults". */
export function describeSettings(s: ClusterSettings): string {
  const parts: string[] = [];
  if (Object.keys(s.featureGates).length) parts.push(`gates ${gatesFlag(s.featureGates)}`);
  const fields = flatten(s.kubelet);
  if (fields.length) parts.push(`kubelet ${fields.map(([k, v]) => `${k}=${String(v)}`).join(',')}`);
  if (parts.length && s.onlyKnownGates) parts.push('where the release knows them');
  return parts.length ? parts.join('; ') : 'defaults';
}

function flatten(o: Readonly<Record<string, unknown>>, prefix = ''): Array<[string, unknown]> {
  return Object.keys(o)
    .sort()
    .flatMap((k): Array<[string, unknown]> => {
      const v = o[k];
      return isRecord(v) ? flatten(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]];
    });
}

/** Kubelet fields back as `--kubelet-config` values: { a: { b: 5 } } → ["a.b=5"]. */
export function kubeletSettingsArgs(kubelet: Readonly<Record<string, unknown>>) {
  return flatten(kubelet).map(([k, v]) => `${k}=${String(v)}`);
}

/** Two settings ask for the same cluster (key order aside). */
export function sameSettings(a: ClusterSettings, b: ClusterSettings) {
  return describeSettings(a) === describeSettings(b);
}

/** The kubelet configuration with the user's fields laid over it (objects merged, scalars replaced) and the gates added. */
export function withKubeletSettings(base: Record<string, unknown>, s: ClusterSettings): Record<string, unknown> {
  const merged = mergeDeep(base, s.kubelet);
  if (Object.keys(s.featureGates).length) merged.featureGates = { ...s.featureGates };
  return merged;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object';
}

function mergeDeep(base: Record<string, unknown>, over: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRecord(v) && isRecord(b) ? mergeDeep(b, v) : v;
  }
  return out;
}

/**
 * Why a release refused a gate, from `kube-apiserver --feature-gates=G=V --version`'s output
 * ('"command failed" err="unrecognized feature gate: Bogus"'), or nothing when it took it. The
 * API server, not `--help`, is asked: its help hides GA and deprecated gates, which can still be set.
 */
export function gateRefusal(output: string): string | undefined {
  const m = /err="([^"]*(?:feature gate|depends on features)[^"]*)"/.exec(output) ?? /^Error: (.*feature gate.*)/m.exec(output);
  return m?.[1];
}

export interface GateInForce {
  readonly enabled: boolean;
  /** ALPHA, BETA, GA or DEPRECATED. */
  readonly stage: string;
}

/**
 * A component's `kubernetes_feature_enabled{name="X",stage="BETA"} 1` lines → X → { enabled, stage }.
 * GA gates report an empty stage; they are called GA here.
 */
export function gatesFromMetrics(metricsText: string): Map<string, GateInForce> {
  const gates = new Map<string, GateInForce>();
  for (const line of metricsText.split('\n')) {
    const m = /^kubernetes_feature_enabled\{([^}]*)\}\s+([0-9.eE+-]+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (!labels.name) continue;
    gates.set(labels.name, { enabled: Number(m[2]) === 1, stage: labels.stage || 'GA' });
  }
  return gates;
}

/** Asked gates a component does not run with as asked: "ContainerRestartRules asked true, kubelet runs false". */
export function gatesNotInForce(asked: Readonly<Record<string, boolean>>, inForce: ReadonlyMap<string, GateInForce>, component: string): string[] {
  return Object.keys(asked)
    .sort()
    .flatMap((g) => {
      const got = inForce.get(g);
      if (!got) return [`${g} asked ${asked[g]}, ${component} does not report it`];
      return got.enabled === asked[g] ? [] : [`${g} asked ${asked[g]}, ${component} runs ${got.enabled}`];
    });
}

/** The gates that change what init containers do (SPEC.md, "Init-container features by release"): the ones a report names. */
export const INIT_CONTAINER_GATES = [
  'ContainerRestartRules',
  'RestartAllContainersOnContainerExits',
  'NodeDeclaredFeatures',
  'ReduceDefaultCrashLoopBackOffDecay',
  'KubeletCrashLoopBackOffMax',
  'ChangeContainerStatusOnKubeletRestart',
  'EnvFiles',
  'InPlacePodVerticalScaling',
  'InPlacePodVerticalScalingInitContainers',
  'PodLevelResources',
  'PodObservedGenerationTracking',
  'SidecarContainers',
] as const;

/**
 * The suites that test a gated feature, and the gates each needs: such a suite skips, naming the
 * gate, where the cluster runs them off (discovery asks the cluster; this table only names them).
 */
export const GATED_SUITES: Readonly<Record<string, readonly string[]>> = {
  'restart-rules': ['ContainerRestartRules'],
  'restart-all': ['RestartAllContainersOnContainerExits', 'NodeDeclaredFeatures'],
  'backoff-config': ['KubeletCrashLoopBackOffMax', 'ReduceDefaultCrashLoopBackOffDecay'],
  'kubelet-restart-status': ['ChangeContainerStatusOnKubeletRestart'],
  'env-files': ['EnvFiles'],
  'resize-init': ['InPlacePodVerticalScalingInitContainers'],
};

/** "ContainerRestartRules=on (BETA), EnvFiles=off (ALPHA), …" for the gates of interest a component reports; absent gates are left out. */
export function describeGates(inForce: ReadonlyMap<string, GateInForce>, names: readonly string[] = INIT_CONTAINER_GATES): string {
  return names
    .filter((g) => inForce.has(g))
    .map((g) => {
      const s = inForce.get(g)!;
      return `${g}=${s.enabled ? 'on' : 'off'} (${s.stage})`;
    })
    .join(', ');
}

/** Go's duration text ("1m0s", "5s", "500ms") in milliseconds, or undefined when it is not one. */
export function goDurationMs(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) ms += Number(m[1]) * unit[m[2]!]!;
  return ms;
}

/** Asked kubelet fields whose value in force (its /configz) differs: "crashLoopBackOff.maxContainerRestartPeriod asked 5s, kubelet runs 5m0s". */
export function kubeletSettingsNotInForce(asked: Readonly<Record<string, unknown>>, inForce: Readonly<Record<string, unknown>>): string[] {
  return flatten(asked).flatMap(([field, want]) => {
    let got: unknown = inForce;
    for (const key of field.split('.')) got = isRecord(got) ? got[key] : undefined;
    if (got === undefined) return [`${field} asked ${String(want)}, the kubelet does not report it`];
    const wantMs = goDurationMs(String(want));
    const same = wantMs !== undefined ? wantMs === goDurationMs(String(got)) : String(want) === String(got);
    return same ? [] : [`${field} asked ${String(want)}, the kubelet runs ${String(got)}`];
  });
}

/** The refusal says the release does not know the gate (as opposed to a locked gate or a missing dependency). */
export function isUnknownGate(refusal: string) {
  return /unrecognized feature gate/.test(refusal);
}

/** The settings with `unknown` gates dropped: what a cluster of that release runs with under --only-known-gates. */
export function withoutGates(s: ClusterSettings, unknown: readonly string[]): ClusterSettings {
  return { ...s, featureGates: Object.fromEntries(Object.entries(s.featureGates).filter(([g]) => !unknown.includes(g))) };
}
