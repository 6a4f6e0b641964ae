/**
 * The one table of what initc asks of the API server: each permission a full `initc run` or an
 * `initc check` uses, found by reading what they create and read. The preflight (preflight.ts) asks
 * the API server about these, and `initc rbac` (rbac-yaml.ts) prints the roles that grant them.
 */
import { GATED_SUITES } from '../cluster/features.js';
import { LEASE_NAMESPACE } from '../scenario/liveness.js';

/**
 * Where a permission is used: cluster-scoped objects (or a non-resource URL); any namespace (a full
 * run's namespaces have generated names, and resources lists pods of all of them); or one namespace.
 */
export type Scope = { kind: 'cluster' } | { kind: 'any-namespace' } | { kind: 'namespace'; namespace: string };

export interface Permission {
  /** API group; '' is the core group. */
  group: string;
  /** Plural resource, with its subresource (pods/log); or a non-resource URL (/metrics). */
  resource: string;
  verbs: readonly string[];
  scope: Scope;
  /** 'run': every `initc run`; 'check': every `initc check`; else the suites (names of `--suite`) that need it. */
  neededBy: 'run' | 'check' | readonly string[];
  /**
   * Set when the run goes on without it: what then happens (tests skipped, each naming the API
   * server's refusal). Unset: the run or the suite cannot work without it, and the preflight refuses to start.
   */
  withoutIt?: string;
  /** Asked for only when the run reaches the node through a privileged pod (--node-access privileged-pod). */
  nodeAgentOnly?: true;
  /** What initc does with it. */
  why: string;
}

export const CLUSTER: Scope = { kind: 'cluster' };
export const ANY_NAMESPACE: Scope = { kind: 'any-namespace' };
export const LEASES: Scope = { kind: 'namespace', namespace: LEASE_NAMESPACE };

/**
 * The table. A function, not a constant made at load: the mutation run then tests its entries in
 * the tests that read them, not each in a test process of its own.
 */
export function permissions(): readonly Permission[] {
  return [
    { group: '', resource: 'namespaces', verbs: ['create', 'delete', 'get', 'list', 'patch'], scope: CLUSTER, neededBy: 'run', why: `a namespace per scenario and ${LEASE_NAMESPACE}, labelled with the run; listed to reap dead runs; patched to keep a failed one or to allow the node agent` },
    { group: 'coordination.k8s.io', resource: 'leases', verbs: ['create', 'delete', 'list', 'patch'], scope: LEASES, neededBy: 'run', why: 'the run\'s Lease, renewed while it runs; listed to tell live runs from dead ones' },
    { group: '', resource: 'nodes', verbs: ['get', 'list'], scope: CLUSTER, neededBy: 'run', why: 'the nodes the fixture pods may run on, their images and the environment of the report' },
    { group: '', resource: 'pods', verbs: ['create', 'delete', 'get', 'list', 'watch'], scope: ANY_NAMESPACE, neededBy: 'run', why: 'the fixture pods and their timelines (watched as server-side Tables); resources lists every pod to find free room' },
    { group: '', resource: 'pods/log', verbs: ['get'], scope: ANY_NAMESPACE, neededBy: 'run', why: 'the ledger in the containers\' logs, and the evidence' },
    { group: '', resource: 'events', verbs: ['list'], scope: ANY_NAMESPACE, neededBy: 'run', why: 'the evidence of each scenario' },
    { group: '', resource: 'serviceaccounts', verbs: ['list', 'watch'], scope: ANY_NAMESPACE, neededBy: 'run', why: 'a new namespace takes pods once its default service account is made' },
    { group: '', resource: 'pods/resize', verbs: ['patch'], scope: ANY_NAMESPACE, neededBy: ['resize-init'], why: 'an init container resized in place' },
    { group: '', resource: 'services', verbs: ['create', 'delete', 'get'], scope: ANY_NAMESPACE, neededBy: ['service', 'chaos-outage', 'workloads-deployment'], why: 'the Services init containers wait for, removed and put back in an outage' },
    { group: '', resource: 'services/proxy', verbs: ['get'], scope: ANY_NAMESPACE, neededBy: ['workloads-deployment'], why: 'requests through the Service during a rollout' },
    { group: 'apps', resource: 'deployments', verbs: ['create', 'get', 'list', 'patch', 'watch'], scope: ANY_NAMESPACE, neededBy: ['workloads-deployment', 'concurrent-init', 'drain'], why: 'the Deployments, watched and rolled out' },
    { group: 'apps', resource: 'statefulsets', verbs: ['create', 'get', 'list', 'watch'], scope: ANY_NAMESPACE, neededBy: ['workloads-statefulset', 'replace', 'drain'], why: 'the StatefulSets, watched' },
    { group: '', resource: 'persistentvolumeclaims', verbs: ['create'], scope: ANY_NAMESPACE, neededBy: ['concurrent-init'], why: 'the claim the replicas share (deleted with the namespace)' },
    { group: '', resource: 'nodes', verbs: ['patch'], scope: CLUSTER, neededBy: ['drain'], why: 'the drained node cordoned, and uncordoned after' },
    { group: '', resource: 'pods/eviction', verbs: ['create'], scope: ANY_NAMESPACE, neededBy: ['drain'], why: 'the drained node\'s pods evicted through the Eviction API, which honours disruption budgets' },
    { group: 'policy', resource: 'poddisruptionbudgets', verbs: ['create', 'get'], scope: ANY_NAMESPACE, neededBy: ['drain'], why: 'the budget that refuses the eviction, read until the disruption controller observed it' },
    { group: 'apps', resource: 'daemonsets', verbs: ['create', 'get', 'list', 'watch'], scope: ANY_NAMESPACE, neededBy: ['workloads-daemonset'], why: 'the DaemonSets, watched' },
    { group: 'batch', resource: 'jobs', verbs: ['create', 'get', 'list', 'watch'], scope: ANY_NAMESPACE, neededBy: ['workloads-job'], why: 'the Jobs, watched' },
    { group: '', resource: 'nodes/proxy', verbs: ['get'], scope: CLUSTER, neededBy: Object.keys(GATED_SUITES), withoutIt: 'the tests that must know the kubelets\' gates or back-off configuration are skipped', why: 'each kubelet\'s /metrics (feature gates) and /configz (back-off settings) through the API server; the node agent\'s /configz' },
    { group: '', resource: '/metrics', verbs: ['get'], scope: CLUSTER, neededBy: ['env-files', 'restart-rules', 'restart-all', 'resize-init'], withoutIt: 'the tests that must know the API server\'s gates are skipped', why: 'the API server\'s feature gates' },
    { group: '', resource: 'pods/exec', verbs: ['create'], scope: ANY_NAMESPACE, neededBy: ['chaos-kill', 'chaos-sandbox', 'chaos-node', 'kubelet-restart-status'], nodeAgentOnly: true, withoutIt: 'the chaos tests that need the node are skipped (the node agent runs its commands there through exec)', why: 'the node agent: a privileged pod (hostPID, hostNetwork) in a namespace of the run labelled for the privileged Pod Security level' },
    { group: '', resource: 'pods/exec', verbs: ['create'], scope: ANY_NAMESPACE, neededBy: 'check', why: '--probe runs its command in the app container' },
    { group: '', resource: 'services', verbs: ['create', 'delete', 'get'], scope: ANY_NAMESPACE, neededBy: 'check', why: 'the service-outage fault removes each Service and puts it back' },
    { group: '', resource: 'configmaps', verbs: ['get'], scope: { kind: 'namespace', namespace: 'kube-system' }, neededBy: 'check', withoutIt: 'the outage check assumes the kubernetes plugin\'s default TTL (5 s)', why: 'the CoreDNS configuration, to tell how long an outage is cached' },
    { group: '', resource: 'pods/eviction', verbs: ['create'], scope: ANY_NAMESPACE, neededBy: 'check', withoutIt: 'replace-pod --evict and drain break with the API server\'s refusal; leave them out of --faults', why: 'replace-pod --evict and drain evict the workload\'s pods through the Eviction API' },
    ...['deployments', 'statefulsets', 'daemonsets'].map((resource) => ({ group: 'apps', resource, verbs: ['get', 'patch'], scope: ANY_NAMESPACE, neededBy: 'check' as const, withoutIt: 'rollout breaks with the API server\'s refusal; leave it out of --faults', why: 'rollout sets the restart annotation on the workload\'s pod template' })),
    ...['deployments/scale', 'statefulsets/scale', 'replicasets/scale'].map((resource) => ({ group: 'apps', resource, verbs: ['get', 'patch'], scope: ANY_NAMESPACE, neededBy: 'check' as const, withoutIt: 'scale-out breaks with the API server\'s refusal; leave it out of --faults', why: 'scale-out sets the workload\'s replicas, and back' })),
    { group: '', resource: 'nodes', verbs: ['patch'], scope: CLUSTER, neededBy: 'check', withoutIt: 'drain breaks with the API server\'s refusal; leave it out of --faults', why: 'drain cordons the node of the workload\'s pod, and uncordons it' },
  ];
}

/** Whether a permission is a non-resource URL (asked and granted by path, not by resource). */
export function isUrl(p: Pick<Permission, 'resource'>) {
  return p.resource.startsWith('/');
}

/**
 * The permissions a command needs: `initc run` of these suites, or `initc check`. A check also
 * needs the run's own (its namespace and Lease are made the same way).
 */
export function permissionsFor(command: { run: readonly string[]; nodeAgent: boolean } | { check: true }): Permission[] {
  return permissions().filter((p) => {
    if (p.neededBy === 'run') return true;
    if ('check' in command) return p.neededBy === 'check';
    if (p.nodeAgentOnly && !command.nodeAgent) return false;
    return p.neededBy !== 'check' && p.neededBy.some((s) => command.run.includes(s));
  });
}

/** `pods/log`, `deployments.apps`, `/metrics`: the resource as kubectl auth can-i names it. */
export const resourceName = (p: Pick<Permission, 'group' | 'resource'>) => {
  if (isUrl(p) || !p.group) return p.resource;
  const [plural, ...sub] = p.resource.split('/');
  return [`${plural}.${p.group}`, ...sub].join('/');
};

/** Where, in words: "(cluster scope)", "in any namespace", "in namespace initc-runs". */
export function scopeWords(s: Scope): string {
  if (s.kind === 'cluster') return '(cluster scope)';
  if (s.kind === 'any-namespace') return 'in any namespace';
  return `in namespace ${s.namespace}`;
}
