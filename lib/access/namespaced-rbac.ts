/**
 * `initc rbac --namespace a,b`: the Role and RoleBinding in each given namespace that let one
 * ServiceAccount do namespace-scoped runs there (nothing cluster-wide), with a comment saying what
 * each rule is for and which suites such a run skips, and why.
 */
import yaml from 'js-yaml';
import { namespacedPermissions, suiteNeeds } from './namespaced.js';
import { PLACEHOLDER_ACCOUNT, ROLE_NAME, rulesOf, whyLines } from './rbac-yaml.js';
import { verbsWhere } from './preflight.js';

/** Role and RoleBinding per namespace, in the order given. */
export function namespacedRbacObjects(namespaces: readonly string[], account = PLACEHOLDER_ACCOUNT): object[] {
  const subjects = [{ kind: 'ServiceAccount', name: account.name, namespace: account.namespace }];
  const labels = { 'app.kubernetes.io/managed-by': 'initc' };
  return namespaces.flatMap((namespace) => [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: ROLE_NAME, namespace, labels }, rules: rulesOf(namespacedPermissions(namespace)) },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: ROLE_NAME, namespace, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE_NAME }, subjects },
  ]);
}

/** A comment line per suite a namespace-scoped run skips or runs only where admitted, and why. */
export function suiteNeedLines(): string[] {
  return Object.entries(suiteNeeds()).map(([suite, need]) => {
    if (need.kind === 'cluster') return `#   ${suite}: also ${need.permissions.map((p) => verbsWhere(p.verbs, p)).join(' and ')} (grant them with a ClusterRole, or it is skipped)`;
    if (need.kind === 'pod-security') return `#   ${suite}: runs only in a namespace that admits the ${need.level} Pod Security level (${need.why}); skipped when none does`;
    return `#   ${suite}: skipped; it needs ${need.why}`;
  });
}

export function namespacedRbacYaml(namespaces: readonly string[], account = PLACEHOLDER_ACCOUNT): string {
  const head = [
    `# What \`initc run --namespace ${namespaces.join(',')}\` needs, generated from initc's permission table: a Role in each namespace, nothing cluster-wide.`,
    `# Bound to the ServiceAccount ${account.namespace}/${account.name}${account === PLACEHOLDER_ACCOUNT ? ' (a placeholder: name yours with --service-account NAMESPACE/NAME)' : ''}.`,
    '# The namespaces must exist; the run makes and deletes none. Apply with: kubectl apply -f -',
    '# What each permission is for (the first namespace also holds the run\'s Lease):',
    ...whyLines(namespacedPermissions('NAMESPACE')),
    '# Suites that need more than this:',
    ...suiteNeedLines(),
  ];
  return `${head.join('\n')}\n${namespacedRbacObjects(namespaces, account).map((o) => `---\n${yaml.dump(o, { flowLevel: 3 })}`).join('')}`;
}
