/**
 * Namespace-scoped runs (`--namespace a,b`): the run makes no namespace; every scenario's objects
 * go into one of the given namespaces (suites spread round-robin), named with a prefix of the
 * scenario's own and labelled with the run and the scenario, so that scenarios and concurrent runs
 * sharing a namespace never collide and cleanup removes only what this run made. What such a run
 * asks of each namespace, and what each suite needs beyond it (decided before anything starts), is here.
 */
import { createHash } from 'node:crypto';
import type { Permission } from './permissions.js';
import { ANY_NAMESPACE, CLUSTER } from './permissions.js';

/** A Pod Security Standards level; the fixtures' containers run as root with the runtime's default capabilities: baseline. */
export type PodSecurityLevel = 'baseline' | 'privileged';

/** What a suite needs that the given namespaces may not give; a suite not listed needs pods at the baseline level only. */
export type SuiteNeed =
  | { kind: 'own-namespace'; why: string }
  | { kind: 'node-access'; why: string }
  | { kind: 'cluster'; permissions: Permission[] }
  | { kind: 'pod-security'; level: PodSecurityLevel; why: string };

const FIXED_NAMES = 'a namespace of its own (create namespaces, cluster scope): its fixtures name their Services and controllers by fixed names and select pods by labels every scenario shares';
const NODE = 'node access (create namespaces, cluster scope, for the node agent: a privileged pod in a namespace of its own): its faults act on the node (kubelet, containerd, sandboxes)';

/** Each suite that needs more than pods at the baseline level in the given namespaces, and what. */
export function suiteNeeds(): Record<string, SuiteNeed> {
  return {
    service: { kind: 'own-namespace', why: FIXED_NAMES },
    'chaos-outage': { kind: 'own-namespace', why: FIXED_NAMES },
    'workloads-deployment': { kind: 'own-namespace', why: FIXED_NAMES },
    'workloads-statefulset': { kind: 'own-namespace', why: FIXED_NAMES },
    'workloads-daemonset': { kind: 'own-namespace', why: FIXED_NAMES },
    'workloads-job': { kind: 'own-namespace', why: FIXED_NAMES },
    replace: { kind: 'own-namespace', why: FIXED_NAMES },
    'concurrent-init': { kind: 'own-namespace', why: FIXED_NAMES },
    drain: { kind: 'own-namespace', why: `${FIXED_NAMES}; and it cordons a node (patch nodes, cluster scope)` },
    'chaos-kill': { kind: 'node-access', why: NODE },
    'chaos-sandbox': { kind: 'node-access', why: NODE },
    'chaos-node': { kind: 'node-access', why: NODE },
    'stale-sandbox': { kind: 'node-access', why: NODE },
    'kubelet-restart-status': { kind: 'node-access', why: NODE },
    resources: {
      kind: 'cluster',
      permissions: [
        { group: '', resource: 'nodes', verbs: ['list'], scope: CLUSTER, neededBy: ['resources'], why: 'the nodes\' allocatable room' },
        { group: '', resource: 'pods', verbs: ['list'], scope: ANY_NAMESPACE, neededBy: ['resources'], why: 'every pod\'s requests, to find the free room' },
      ],
    },
    network: { kind: 'pod-security', level: 'privileged', why: 'an init container with NET_ADMIN' },
  };
}

/** The Pod Security level a suite's pods need. */
export function levelOf(suite: string): PodSecurityLevel {
  const need = suiteNeeds()[suite];
  return need?.kind === 'pod-security' ? need.level : 'baseline';
}

/** What every namespace-scoped run asks of each of its namespaces (a Role there grants it). */
export function namespacedPermissions(namespace: string): Permission[] {
  const scope = { kind: 'namespace' as const, namespace };
  return [
    { group: '', resource: 'pods', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'watch'], scope, neededBy: 'run', why: 'the fixture pods and their timelines; deleted by the run\'s labels at the end; patched to keep a failed one' },
    { group: '', resource: 'pods/log', verbs: ['get'], scope, neededBy: 'run', why: 'the ledger in the containers\' logs, and the evidence' },
    { group: '', resource: 'pods/resize', verbs: ['patch'], scope, neededBy: ['resize-init'], why: 'an init container resized in place' },
    { group: '', resource: 'events', verbs: ['list'], scope, neededBy: 'run', why: 'the evidence of each scenario' },
    { group: 'coordination.k8s.io', resource: 'leases', verbs: ['create', 'delete', 'list', 'patch'], scope, neededBy: 'run', why: 'the run\'s Lease (in the first namespace), renewed while it runs; listed to tell live runs from dead ones' },
  ];
}

/** Suite → the namespace it runs in, or why it is skipped (naming what it lacks). */
export interface NamespacePlan {
  namespaces: string[];
  bySuite: Record<string, { namespace: string } | { skipped: string }>;
}

/**
 * Spreads the runnable suites round-robin over the namespaces that admit their Pod Security level
 * (each to the one with the fewest so far, the first given on a tie), and says why each other suite is skipped. `refusedCluster[suite]`: the
 * cluster permissions the identity lacks for it (described); `refusedLevel[ns][level]`: why ns
 * refuses pods of that level (absent: admitted).
 */
export function planNamespaces(
  suites: readonly string[],
  namespaces: readonly string[],
  o: { refusedCluster: Record<string, string[]>; refusedLevel: Record<string, Partial<Record<PodSecurityLevel, string>>> },
): NamespacePlan {
  const needs = suiteNeeds();
  const bySuite: NamespacePlan['bySuite'] = {};
  const load = new Map(namespaces.map((ns) => [ns, 0]));
  for (const suite of suites) {
    const need = needs[suite];
    if (need?.kind === 'own-namespace' || need?.kind === 'node-access') {
      bySuite[suite] = { skipped: `needs ${need.why}` };
      continue;
    }
    const lacking = o.refusedCluster[suite] ?? [];
    if (need?.kind === 'cluster' && lacking.length) {
      bySuite[suite] = { skipped: `needs ${lacking.join(' and ')}, which this identity may not` };
      continue;
    }
    const level = levelOf(suite);
    const admitting = namespaces.filter((ns) => o.refusedLevel[ns]?.[level] === undefined);
    if (!admitting.length) {
      const why = namespaces.map((ns) => `namespace ${ns}: ${o.refusedLevel[ns]![level]}`).join('; ');
      bySuite[suite] = { skipped: `needs the ${level} Pod Security level${need?.kind === 'pod-security' ? ` (${need.why})` : ''}, which every given namespace refuses (${why})` };
      continue;
    }
    // Round-robin: the namespace with the fewest suites so far, the first given on a tie.
    const namespace = admitting.reduce((best, ns) => (load.get(ns)! < load.get(best)! ? ns : best));
    load.set(namespace, load.get(namespace)! + 1);
    bySuite[suite] = { namespace };
  }
  return { namespaces: [...namespaces], bySuite };
}

/**
 * The prefix of every object name of one scenario in a shared namespace: a letter (Service names
 * are DNS labels), then 7 hex digits of the run and the test's full title, then a dash.
 */
export function namePrefix(runId: string, testTitle: string): string {
  return `i${createHash('sha256').update(`${runId}/${testTitle}`).digest('hex').slice(0, 7)}-`;
}

/** `--namespace a,b` → ['a', 'b']; throws naming the first value that is no namespace name, or a repeated one. */
export function parseNamespaces(values: readonly string[]): string[] {
  const names = values.flatMap((v) => v.split(',')).map((s) => s.trim());
  for (const n of names) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n) || n.length > 63) throw new Error(`"${n}" is not a namespace name`);
  }
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new Error(`namespace ${repeated} is named twice`);
  if (!names.length) throw new Error('names no namespace');
  return names;
}

/** A namespaced object's API group and plural resource, from its collection path (/apis/apps/v1/namespaces/x/deployments → apps, deployments). */
export function resourceOfPath(collection: string): { group: string; resource: string } {
  const m = /^\/(?:api\/[^/]+|apis\/([^/]+)\/[^/]+)\/namespaces\/[^/]+\/([^/]+)$/.exec(collection);
  if (!m) throw new Error(`${collection} is not a namespaced collection path`);
  return { group: m[1] ?? '', resource: m[2]! };
}

/**
 * What `initc check --namespace NS` asks of NS: the pods (the workload's, and the outage's DNS
 * prober), their logs and events, its Lease, create/delete/get of each kind in the manifests, and
 * exec into pods for --probe and the outage's prober.
 */
export function checkNamespacePermissions(namespace: string, kinds: ReadonlyArray<{ group: string; resource: string }>, o: { exec: boolean }): Permission[] {
  const scope = { kind: 'namespace' as const, namespace };
  const base = namespacedPermissions(namespace).filter((p) => p.neededBy === 'run');
  const seen = new Set(['/pods']);
  const objects = kinds.flatMap((k) => {
    if (seen.has(`${k.group}/${k.resource}`)) return [];
    seen.add(`${k.group}/${k.resource}`);
    return [{ group: k.group, resource: k.resource, verbs: ['create', 'delete', 'get'], scope, neededBy: 'check' as const, why: 'the manifests\' objects, applied and deleted' }];
  });
  const exec = o.exec ? [{ group: '', resource: 'pods/exec', verbs: ['create'], scope, neededBy: 'check' as const, why: '--probe, and the outage\'s DNS prober' }] : [];
  return [...base, ...objects, ...exec];
}
