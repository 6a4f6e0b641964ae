/**
 * `initc rbac [--service-account NS/NAME]`: prints the ClusterRole, Roles and bindings that let a
 * ServiceAccount do a full `initc run` and `initc check` (lib/access: the same table the preflight asks about).
 */
import type { CommandModule } from 'yargs';
import { InitcError } from '../errors.js';
import { PLACEHOLDER_ACCOUNT, parseServiceAccount, rbacYaml } from '../access/rbac-yaml.js';
import { parseNamespaces } from '../access/namespaced.js';
import { namespacedRbacYaml } from '../access/namespaced-rbac.js';

interface RbacArgs {
  'service-account'?: string;
  namespace?: string[];
}

export const rbacCommand: CommandModule<object, RbacArgs> = {
  command: 'rbac',
  describe: 'print the ClusterRole (and bindings) a ServiceAccount needs for full runs and checks, or with --namespace the Role per namespace for namespace-scoped runs, as YAML for kubectl apply',
  builder: (y) =>
    y.option('namespace', { type: 'string', array: true, requiresArg: true, describe: 'print instead a Role and RoleBinding in each of these namespaces (comma-separated), for initc run --namespace' }).option('service-account', { type: 'string', requiresArg: true, describe: `the ServiceAccount to bind, NAMESPACE/NAME (default the placeholder ${PLACEHOLDER_ACCOUNT.namespace}/${PLACEHOLDER_ACCOUNT.name}, which kubectl refuses until you replace it)` }) as never,
  handler: (a) => {
    let account = PLACEHOLDER_ACCOUNT;
    if (a['service-account'] !== undefined) {
      try {
        account = parseServiceAccount(a['service-account']);
      } catch (err) {
        throw new InitcError('usage', `--service-account: ${(err as Error).message}`);
      }
    }
    let namespaces: string[] | undefined;
    try {
      namespaces = a.namespace === undefined ? undefined : parseNamespaces(a.namespace);
    } catch (err) {
      throw new InitcError('usage', `--namespace: ${(err as Error).message}`);
    }
    process.stdout.write(namespaces ? namespacedRbacYaml(namespaces, account) : rbacYaml(account));
  },
};
