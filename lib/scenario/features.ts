/**
 * What the server under test supports, found by asking it rather than by its version number: a
 * feature gate may be on or off whatever the release.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { DATA_VOLUME, pod, shell } from '../pod/builder.js';
import { ApiError, requestJson } from '../kube/raw.js';
import { apiserverGates, kubeletGates } from '../kube/gates-in-force.js';
import type { ComponentGates } from '../kube/gates-in-force.js';
import { INIT_CONTAINER_GATES, describeGates } from '../cluster/features.js';
import { pinnedNode, placementOf } from './placement.js';
import { firstLine } from '../errors.js';
import type { Admission, GatedFeature } from '../checks/features.js';
import { admissionOf, describeAdmission, featureSupport } from '../checks/features.js';
import type { ScenarioKit } from './kit.js';

export type { Support } from '../checks/features.js';
import type { Support } from '../checks/features.js';

/**
 * Sidecars (SidecarContainers: alpha 1.28, beta 1.29, GA 1.33): a server without them silently
 * drops an init container's restartPolicy. A dry-run create shows whether it kept it.
 */
export async function supportsSidecars(kc: KubeConfig, namespace: string): Promise<Support> {
  const body = pod('initc-sidecar-probe').init({ ...shell('probe', 'exec sleep 3600'), restartPolicy: 'Always' }).app(shell('app', 'exec sleep 3600')).build(namespace);
  const created = await requestJson<V1Pod>(kc, 'POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, { body });
  const kept = created.spec?.initContainers?.[0]?.restartPolicy === 'Always';
  return kept
    ? { supported: true, reason: 'the server keeps restartPolicy Always on init containers' }
    : { supported: false, reason: 'the server dropped restartPolicy Always from the init container: SidecarContainers is off or unknown on this server' };
}

/** What discovery found for a gated feature: the decision, and what it was made from (for the evidence). */
export interface Discovery {
  support: Support;
  admission: Admission;
  apiserver: ComponentGates;
  kubelets: ComponentGates[];
}

/** The nodes the fixture pods may land on: the pinned node (the agent's or the home node), or every schedulable one. */
async function candidateNodes(kc: KubeConfig): Promise<string[]> {
  const pinned = pinnedNode(placementOf(process.env, false));
  if (pinned) return [pinned];
  return (await kc.makeApiClient(CoreV1Api).listNode()).items.filter((n) => !n.spec?.unschedulable).map((n) => n.metadata!.name!);
}

/** A dry-run create of `body`; what came back of `fields` on the container `where`/`index`, or the server's refusal. */
async function dryRunAdmission(kc: KubeConfig, namespace: string, body: V1Pod, where: 'initContainers' | 'containers', fields: readonly ('restartPolicy' | 'restartPolicyRules')[]): Promise<Admission> {
  const sent = body.spec![where]![0]!;
  return dryRun(kc, namespace, body, (created) => {
    const got = created.spec?.[where]?.[0];
    return admissionOf(Object.fromEntries(fields.map((f) => [f, sent[f]])), Object.fromEntries(fields.map((f) => [f, got?.[f]])));
  });
}

/** A dry-run create of `body`, judged by `judge` on what came back, or the server's refusal. */
export async function dryRun(kc: KubeConfig, namespace: string, body: V1Pod, judge: (created: V1Pod) => Admission): Promise<Admission> {
  try {
    return judge(await requestJson<V1Pod>(kc, 'POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, { body }));
  } catch (err) {
    if (err instanceof ApiError && err.statusCode === 422) return { outcome: 'refused', message: firstLine(err).replace(/^POST \S+: HTTP 422: /, '') };
    throw err;
  }
}

export async function discover(kc: KubeConfig, feature: GatedFeature, admission: Admission): Promise<Discovery> {
  const nodes = await candidateNodes(kc);
  const [apiserver, ...kubelets] = await Promise.all([apiserverGates(kc), ...nodes.map((n) => kubeletGates(kc, n))]);
  return { support: featureSupport(feature, admission, kubelets), admission, apiserver: apiserver!, kubelets };
}

/** The probe of ContainerRestartRules: an init container with restartPolicy Never and a rule Restart on exit code 42. */
export const restartRulesProbe = (namespace: string): V1Pod =>
  pod('initc-restart-rules-probe')
    .restartPolicy('Never')
    .init({ ...shell('probe', 'exit 0'), restartPolicy: 'Never', restartPolicyRules: [{ action: 'Restart', exitCodes: { operator: 'In', values: [42] } }] })
    .app(shell('app', 'exit 0'))
    .build(namespace);

/** The probe of RestartAllContainersOnContainerExits: an app container with restartPolicy Never and a rule RestartAllContainers on exit code 42. */
export const restartAllProbe = (namespace: string): V1Pod =>
  pod('initc-restart-all-probe')
    .restartPolicy('Never')
    .init(shell('init', 'exit 0'))
    .app({ ...shell('app', 'exit 0'), restartPolicy: 'Never', restartPolicyRules: [{ action: 'RestartAllContainers', exitCodes: { operator: 'In', values: [42] } }] })
    .build(namespace);

/** ContainerRestartRules on the API server (a dry-run keeps an init container's restartPolicy Never and its rule) and on the kubelets. */
export async function discoverRestartRules(kc: KubeConfig, namespace: string): Promise<Discovery> {
  return discover(kc, 'ContainerRestartRules', await dryRunAdmission(kc, namespace, restartRulesProbe(namespace), 'initContainers', ['restartPolicy', 'restartPolicyRules']));
}

/** RestartAllContainersOnContainerExits on the API server (a dry-run keeps the action) and on the kubelets (with its dependencies). */
export async function discoverRestartAll(kc: KubeConfig, namespace: string): Promise<Discovery> {
  return discover(kc, 'RestartAllContainersOnContainerExits', await dryRunAdmission(kc, namespace, restartAllProbe(namespace), 'containers', ['restartPolicy', 'restartPolicyRules']));
}

/** The probe of EnvFiles: an app container's variable read with fileKeyRef from a file in an emptyDir. */
export const envFilesProbe = (namespace: string): V1Pod =>
  pod('initc-env-files-probe')
    .init(shell('init', 'exit 0'))
    .app({ ...shell('app', 'exit 0'), env: [{ name: 'PROBE', valueFrom: { fileKeyRef: { volumeName: DATA_VOLUME, path: 'probe.env', key: 'PROBE', optional: false } } }] })
    .build(namespace);

/** EnvFiles on the API server (a dry-run keeps fileKeyRef) and on the kubelets. */
export async function discoverEnvFiles(kc: KubeConfig, namespace: string): Promise<Discovery> {
  const body = envFilesProbe(namespace);
  // Only the probe's own variable (sent with optional: false, which the server defaults): it also defaults other env entries the pod builder adds (fieldRef's apiVersion).
  const fileKeyRef = (p: V1Pod) => p.spec?.containers[0]?.env?.find((e) => e.name === 'PROBE')?.valueFrom?.fileKeyRef;
  return discover(kc, 'EnvFiles', await dryRun(kc, namespace, body, (created) => admissionOf({ fileKeyRef: fileKeyRef(body) }, { fileKeyRef: fileKeyRef(created) })));
}

/** The discovery as evidence: the decision, the dry-run's outcome and the gates each component reports. */
export function describeDiscovery(d: Discovery): string {
  const gates = (c: ComponentGates) => `${c.component}: ${c.gates ? describeGates(c.gates) || 'none of the init-container gates' : `unreadable (${c.unreadable})`}`;
  return [`${d.support.supported ? 'supported' : 'not supported'}: ${d.support.reason}`, `dry-run: the API server ${describeAdmission(d.admission)}`, gates(d.apiserver), ...d.kubelets.map(gates)].join('\n');
}

/** The discovery as JSON (of the gates, the init-container ones), for the recordings the unit tests replay. */
export function discoveryRecord(d: Discovery): unknown {
  const component = (c: ComponentGates) => ({
    component: c.component,
    ...(c.gates ? { gates: Object.fromEntries(INIT_CONTAINER_GATES.filter((g) => c.gates!.has(g)).map((g) => [g, c.gates!.get(g)])) } : { unreadable: c.unreadable }),
  });
  return { support: d.support, admission: d.admission, apiserver: component(d.apiserver), kubelets: d.kubelets.map(component) };
}

/**
 * The gated suites' common start: `discovery` (made by one of the discover* functions) attached as
 * evidence, and the test ended skipped with its reason when the feature is off.
 */
export async function requireFeature(kit: ScenarioKit, discovery: Promise<Discovery>): Promise<Discovery> {
  const d = await discovery;
  kit.attach('feature discovery', describeDiscovery(d));
  if (!d.support.supported) kit.skip(d.support.reason);
  return d;
}
