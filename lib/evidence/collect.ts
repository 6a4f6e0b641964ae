/**
 * Evidence of what the cluster did in one scenario: the pod's timeline (readable and JSON), its
 * spec as YAML, the namespace's events, and the logs of every container, previous attempts
 * included. Collected for every test, passed or failed.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { CoreV1Event, KubeConfig, V1Pod } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { allContainerStatuses } from '../observe/status.js';
import type { PodTimeline } from '../observe/timeline.js';
import { firstLine } from '../errors.js';

export interface EvidenceFile {
  name: string;
  contentType: 'text/plain' | 'application/json' | 'text/yaml';
  content: string;
}

const when = (e: CoreV1Event) => String(e.eventTime ?? e.lastTimestamp ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '');

export function formatEvents(events: CoreV1Event[]): string {
  const rows = [...events]
    .sort((a, b) => new Date(when(a)).getTime() - new Date(when(b)).getTime())
    .map((e) => [new Date(when(e)).toISOString(), e.type ?? '', e.reason ?? '', `${e.involvedObject.kind}/${e.involvedObject.name}${e.involvedObject.fieldPath ? ` ${e.involvedObject.fieldPath}` : ''}`, `${e.count && e.count > 1 ? `(x${e.count}) ` : ''}${e.message ?? ''}`]);
  return ['TIME                      TYPE     REASON  OBJECT  MESSAGE', ...rows.map((r) => r.join('  '))].join('\n');
}

/** The pod as created (spec and metadata), without the status that the timeline already holds. */
export function specYaml(pod: V1Pod): string {
  const { status: _status, ...rest } = pod;
  const metadata = { ...rest.metadata };
  delete metadata.managedFields;
  return yaml.dump({ ...rest, metadata }, { noRefs: true, lineWidth: 140 });
}

/**
 * A previous attempt's container may be gone from the node, so its log too (HTTP 400): the kubelet
 * keeps only the latest exited attempt of each init container (pkg/kubelet/kuberuntime/
 * kuberuntime_manager.go, pruneInitContainersBeforeStart), and a lost sandbox takes its containers
 * with it. The attachment says so; the ledger on the shared volume has every attempt.
 */
export const PREVIOUS_GONE = '(the previous attempt\'s container no longer exists on the node: the kubelet keeps only the latest exited attempt of an init container, and a lost sandbox takes its containers with it; see the ledger)';
export const isGone = (err: unknown) => (err as { code?: number }).code === 400 || (err as { code?: number }).code === 404;
/** A pod the test is deleting: the kubelet may already have removed its containers, and their logs with them (kind does within a second). */
export const DELETED_GONE = '(the pod is being deleted and this container is already gone from the node, with its log; the test followed what it needed through the deletion)';

async function containerLogs(core: CoreV1Api, pod: V1Pod, problems: string[]): Promise<EvidenceFile[]> {
  const files: EvidenceFile[] = [];
  const namespace = pod.metadata!.namespace!;
  const name = pod.metadata!.name!;
  const statuses = allContainerStatuses(pod);
  for (const s of statuses) {
    const attempts: Array<[string, boolean]> = [];
    if (s.state?.running || s.state?.terminated) attempts.push(['current', false]);
    if ((s.restartCount ?? 0) > 0 || s.lastState?.terminated) attempts.push(['previous', true]);
    for (const [label, previous] of attempts) {
      const text = await core.readNamespacedPodLog({ namespace, name, container: s.name, previous, timestamps: true }).catch((err: unknown) => {
        if (previous && isGone(err)) return PREVIOUS_GONE;
        if (pod.metadata?.deletionTimestamp && isGone(err)) return DELETED_GONE;
        problems.push(`log of ${name}/${s.name} (${label} attempt): ${firstLine(err)}`);
        return `(no log: ${firstLine(err)})`;
      });
      files.push({ name: `log ${name}/${s.name} (${label} attempt)`, contentType: 'text/plain', content: String(text) || '(empty)' });
    }
  }
  return files;
}

export interface Evidence {
  files: EvidenceFile[];
  /** What could not be collected, each with why: the caller makes it visible, never drops it. */
  problems: string[];
}


/**
 * Everything about one timeline's pod, plus the namespace's events once per namespace. A pod the
 * test deleted itself is described from its last timeline row; its logs are then gone with it.
 */
export async function collectEvidence(kc: KubeConfig, timelines: PodTimeline[]): Promise<Evidence> {
  const core = kc.makeApiClient(CoreV1Api);
  const files: EvidenceFile[] = [];
  const problems: string[] = [];
  const namespaces = new Set<string>();
  for (const t of timelines) {
    namespaces.add(t.namespace);
    files.push({ name: `timeline ${t.podName}`, contentType: 'text/plain', content: `${t.table()}\n${t.watchErrors.length ? `\nwatch errors:\n${t.watchErrors.join('\n')}\n` : ''}` });
    files.push({ name: `timeline ${t.podName} (JSON)`, contentType: 'application/json', content: JSON.stringify({ rows: t.rows.map(({ pod: _pod, ...row }) => row), marks: t.marks }, null, 2) });
    let pod: V1Pod | undefined;
    let live = false;
    try {
      pod = await core.readNamespacedPod({ namespace: t.namespace, name: t.podName });
      live = true;
    } catch (err) {
      pod = t.latest?.pod;
      const deleted = t.latest?.event === 'DELETED' || (err as { code?: number }).code === 404;
      if (!deleted || !pod) problems.push(`pod ${t.namespace}/${t.podName}: ${firstLine(err)}`);
    }
    if (pod) {
      files.push({ name: `pod ${t.podName} spec`, contentType: 'text/yaml', content: specYaml(pod) });
      files.push({ name: `pod ${t.podName} status`, contentType: 'text/yaml', content: yaml.dump(pod.status ?? {}, { noRefs: true, lineWidth: 140 }) });
      if (live) files.push(...(await containerLogs(core, pod, problems)));
    }
  }
  for (const namespace of namespaces) {
    try {
      const events = (await core.listNamespacedEvent({ namespace })).items;
      files.push({ name: `events ${namespace}`, contentType: 'text/plain', content: formatEvents(events) });
    } catch (err) {
      problems.push(`events of ${namespace}: ${firstLine(err)}`);
    }
  }
  return { files, problems };
}
