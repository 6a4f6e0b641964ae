/**
 * `initc rbac`: the roles that grant a full run (every suite) and a check what the permission table
 * says, as YAML for kubectl apply: a ClusterRole for what is cluster-scoped or used in namespaces
 * the run creates, a Role in each fixed namespace (the Leases' initc-runs, which the YAML creates,
 * and kube-system), and their bindings to one ServiceAccount.
 */
import yaml from 'js-yaml';
import type { Permission } from './permissions.js';
import { permissions, isUrl, resourceName, scopeWords } from './permissions.js';
import { LEASE_NAMESPACE } from '../scenario/liveness.js';

export const ROLE_NAME = 'initc';
/** The ServiceAccount bound when none is named: not a valid name, so that applying it unchanged fails. */
export const PLACEHOLDER_ACCOUNT = { namespace: 'CI-NAMESPACE', name: 'CI-SERVICE-ACCOUNT' };

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/** One rule per resource (per URL), its verbs the union of the table's rows for it, sorted; in the table's order. */
export function rulesOf(perms: readonly Permission[]): PolicyRule[] {
  const rules = new Map<string, PolicyRule>();
  for (const p of perms) {
    const key = `${p.group} ${p.resource}`;
    const rule = rules.get(key) ?? (isUrl(p) ? { nonResourceURLs: [p.resource], verbs: [] } : { apiGroups: [p.group], resources: [p.resource], verbs: [] });
    rule.verbs = [...new Set([...rule.verbs, ...p.verbs])].sort();
    rules.set(key, rule);
  }
  return [...rules.values()];
}

/** The permissions of each namespace the table names (a Role there), in the table's order. */
function byFixedNamespace(perms: readonly Permission[]): Map<string, Permission[]> {
  const by = new Map<string, Permission[]>();
  for (const p of perms) if (p.scope.kind === 'namespace') by.set(p.scope.namespace, [...(by.get(p.scope.namespace) ?? []), p]);
  return by;
}

/** "ns/name" → the ServiceAccount subject; throws on anything else. */
export function parseServiceAccount(s: string): { namespace: string; name: string } {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(s);
  if (!m) throw new Error(`"${s}" is not NAMESPACE/NAME of a ServiceAccount`);
  return { namespace: m[1]!, name: m[3]! };
}

/** The objects of `initc rbac`, in the order kubectl should apply them. */
export function rbacObjects(account = PLACEHOLDER_ACCOUNT, perms: readonly Permission[] = permissions()): object[] {
  const subjects = [{ kind: 'ServiceAccount', name: account.name, namespace: account.namespace }];
  const labels = { 'app.kubernetes.io/managed-by': 'initc' };
  const clusterWide = perms.filter((p) => p.scope.kind !== 'namespace');
  const objects: object[] = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: ROLE_NAME, labels }, rules: rulesOf(clusterWide) },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: ROLE_NAME, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE_NAME }, subjects },
  ];
  for (const [namespace, inIt] of byFixedNamespace(perms)) {
    // The Leases' namespace is initc's own: made here so its Role can be bound before the first run.
    if (namespace === LEASE_NAMESPACE) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'initc.dev/leases': 'true' } } });
    const rules = rulesOf(inIt);
    objects.push(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: ROLE_NAME, namespace, labels }, rules },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: ROLE_NAME, namespace, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE_NAME }, subjects },
    );
  }
  return objects;
}

/** Who needs a permission, in words: "every run", "initc check", "suite x" or "suites x, y". */
export function neededByWords(p: Permission): string {
  if (p.neededBy === 'run') return 'every run';
  if (p.neededBy === 'check') return 'initc check';
  return `suite${p.neededBy.length > 1 ? 's' : ''} ${p.neededBy.join(', ')}`;
}

/** A comment line per row of the table: what is granted, to whom, why, and what goes without it. */
export function whyLines(perms: readonly Permission[]) {
  return perms.map((p) => `#   ${p.verbs.join('/')} ${resourceName(p)} ${scopeWords(p.scope)}, ${neededByWords(p)}: ${p.why}${p.withoutIt ? ` (optional: without it ${p.withoutIt})` : ''}`);
}

/** The YAML `initc rbac` prints: a comment saying what it grants, then the objects as one multi-document stream. */
export function rbacYaml(account = PLACEHOLDER_ACCOUNT, perms: readonly Permission[] = permissions()): string {
  const head = [
    '# What a full `initc run` (every suite) and `initc check` need, generated from initc\'s permission table.',
    `# Bound to the ServiceAccount ${account.namespace}/${account.name}${account === PLACEHOLDER_ACCOUNT ? ' (a placeholder: name yours with --service-account NAMESPACE/NAME)' : ''}.`,
    '# Apply with: kubectl apply -f -',
    '# What each permission is for:',
    ...whyLines(perms),
  ];
  return `${head.join('\n')}\n${rbacObjects(account, perms).map((o) => `---\n${yaml.dump(o, { flowLevel: 3 })}`).join('')}`;
}
