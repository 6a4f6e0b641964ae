/**
 * The user's objects in the check's throwaway namespace: the API server's dry run (its refusals
 * become findings), creating them (run-labelled), finding the workload's current pod, starting it
 * afresh (pod deleted: its controller makes a new one; a bare Pod is created again), and the
 * --probe command run in the app container.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { execInPod } from '../kube/exec.js';
import { ApiError, requestJson } from '../kube/raw.js';
import type { Finding } from './findings.js';
import type { ManifestObject, Sourced, Workload } from './manifests.js';
import type { ProbeOutput } from './verdicts.js';

const PLURALS: Record<string, string> = { Endpoints: 'endpoints', Ingress: 'ingresses', NetworkPolicy: 'networkpolicies', PodDisruptionBudget: 'poddisruptionbudgets' };

/** The collection path of a namespaced object (kind → lower-case plural, as the API names them). */
export function collectionPath(o: Pick<ManifestObject, 'apiVersion' | 'kind'>, namespace: string): string {
  const plural = PLURALS[o.kind] ?? (o.kind.endsWith('y') ? `${o.kind.slice(0, -1)}ies` : o.kind.endsWith('s') ? `${o.kind}es` : `${o.kind}s`).toLowerCase();
  const group = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return `${group}/namespaces/${namespace}/${plural}`;
}

/** Objects in the order they are created: what the workload references first, the workload last. */
export function applyOrder(objects: Sourced[], w: Workload): Sourced[] {
  const rank = (o: ManifestObject) => (o === w.object ? 9 : ['ServiceAccount', 'ConfigMap', 'Secret', 'PersistentVolumeClaim'].includes(o.kind) ? 0 : o.kind === 'Service' ? 1 : 5);
  return [...objects].sort((a, b) => rank(a.object) - rank(b.object));
}

/** The object as it goes into the namespace: its namespace replaced, the run's labels added. */
export function placed(o: ManifestObject, namespace: string, labels: Record<string, string>): ManifestObject {
  return { ...o, metadata: { ...o.metadata, namespace, labels: { ...o.metadata.labels, ...labels } } };
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

/** Server-side dry run of every object: each refusal is a finding with the server's field path and message. */
export async function dryRunFindings(kc: KubeConfig, namespace: string, objects: Sourced[], w: Workload, labels: Record<string, string>): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const { object, source } of applyOrder(objects, w)) {
    const body = placed(object, namespace, labels);
    try {
      await requestJson(kc, 'POST', `${collectionPath(object, namespace)}?dryRun=All`, { body });
    } catch (err) {
      if (!(err instanceof ApiError) || err.statusCode >= 500 || err.statusCode === 401 || err.statusCode === 403) throw err;
      const status = (err.body ?? {}) as StatusBody;
      const causes = status.details?.causes?.length ? status.details.causes : [{ message: status.message ?? err.message, field: '' }];
      for (const c of causes) {
        out.push({
          severity: 'refused',
          object: `${object.kind}/${object.metadata.name}`,
          path: c.field ?? '',
          message: `the API server refuses it (HTTP ${err.statusCode} ${status.reason ?? ''}, dry run, ${source}): ${c.message ?? status.message}`,
          why: 'nothing of it can be created; fix the field first',
        });
      }
    }
  }
  return out;
}

/** Creates every object in the namespace (workload last). */
export async function applyObjects(kc: KubeConfig, namespace: string, objects: Sourced[], w: Workload, labels: Record<string, string>): Promise<string[]> {
  const done: string[] = [];
  for (const { object } of applyOrder(objects, w)) {
    await requestJson(kc, 'POST', collectionPath(object, namespace), { body: placed(object, namespace, labels) });
    done.push(`${object.kind}/${object.metadata.name}`);
  }
  return done;
}

/** The label selector of the workload's pods. */
export function podSelector(w: Workload): string | undefined {
  if (w.kind === 'Pod') return undefined;
  if (w.kind === 'Job') return `batch.kubernetes.io/job-name=${w.name}`;
  const match = (w.object.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels;
  const labels = match ?? ((w.object.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template?.metadata?.labels ?? {});
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

/** The workload's pods that are not being deleted, oldest first. */
export async function currentPods(kc: KubeConfig, namespace: string, w: Workload): Promise<V1Pod[]> {
  const core = kc.makeApiClient(CoreV1Api);
  if (w.kind === 'Pod') {
    const p = await core.readNamespacedPod({ namespace, name: w.name }).catch((err: { code?: number }) => (err.code === 404 ? undefined : Promise.reject(err)));
    return p && !p.metadata?.deletionTimestamp ? [p] : [];
  }
  const list = await core.listNamespacedPod({ namespace, labelSelector: podSelector(w) });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp).sort((a, b) => String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)) || a.metadata!.name!.localeCompare(b.metadata!.name!));
}

/** Polls (every 250 ms) until the workload has a pod other than `not`; resolves with its name. */
export async function untilPod(kc: KubeConfig, namespace: string, w: Workload, not: string[], timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const p = (await currentPods(kc, namespace, w)).find((x) => !not.includes(x.metadata!.uid!));
    if (p) return p.metadata!.name!;
    if (Date.now() > end) throw new Error(`no new pod of ${w.kind}/${w.name} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A fresh start of the workload's pod: deleted at once (grace 0); its controller makes a new one,
 * and a bare Pod is created again from the manifest once the old one is gone. Resolves with the
 * new pod's name (for a bare Pod, the same name).
 */
export async function freshStart(kc: KubeConfig, namespace: string, w: Workload, current: V1Pod, labels: Record<string, string>, timeoutMs = 60_000): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = current.metadata!.name!;
  await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
  if (w.kind !== 'Pod') return untilPod(kc, namespace, w, [current.metadata!.uid!], timeoutMs);
  const end = Date.now() + timeoutMs;
  while ((await core.readNamespacedPod({ namespace, name }).then(() => true, () => false)) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  await requestJson(kc, 'POST', collectionPath(w.object, namespace), { body: placed(w.object, namespace, labels) });
  return name;
}

/** Runs the --probe command (`sh -c`) in the app container; its output for comparison. */
export async function runProbe(kc: KubeConfig, namespace: string, pod: string, container: string, probe: string): Promise<ProbeOutput> {
  const r = await execInPod(kc, { namespace, pod }, container, ['sh', '-c', probe], 30_000);
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
