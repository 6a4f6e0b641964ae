/**
 * `initc rbac [--service-account NS/NAME]`: prints the ClusterRole, Roles and bindings that let a
 * ServiceAccount do a full `initc run` and `initc check` (lib/access: the same table the preflight asks about).
 */
import type { CommandModule } from 'yargs';
import { InitcError } from '../errors.js';
import { PLACEHOLDER_ACCOUNT, parseServiceAccount, rbacYaml } from '../access/rbac-yaml.js';

interface RbacArgs {
  'service-account'?: string;
}

export const rbacCommand: CommandModule<object, RbacArgs> = {
  command: 'rbac',
  describe: 'print the ClusterRole (and bindings) a ServiceAccount needs for full runs and checks, as YAML for kubectl apply',
  builder: (y) =>
    y.option('service-account', { type: 'string', requiresArg: true, describe: `the ServiceAccount to bind, NAMESPACE/NAME (default the placeholder ${PLACEHOLDER_ACCOUNT.namespace}/${PLACEHOLDER_ACCOUNT.name}, which kubectl refuses until you replace it)` }) as never,
  handler: (a) => {
    let account = PLACEHOLDER_ACCOUNT;
    if (a['service-account'] !== undefined) {
      try {
        account = parseServiceAccount(a['service-account']);
      } catch (err) {
        throw new InitcError('usage', `--service-account: ${(err as Error).message}`);
      }
    }
    process.stdout.write(rbacYaml(account));
  },
};
