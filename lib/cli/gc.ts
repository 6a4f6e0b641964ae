/**
 * `initc gc [--dry-run]`: removes what dead runs left on a cluster (their namespaces and Leases),
 * judged by each run's Lease (lib/scenario/liveness.ts), and says what it kept and why. Namespaces
 * of live runs, on any machine, and those kept for debugging are never touched. An embedded cluster
 * that a dead run started, meaning to stop it, is stopped, and a kind cluster a dead run created is
 * deleted (unless --keep-cluster, and never when the cluster is named by --kubeconfig/--context).
 */
import type { CommandModule } from 'yargs';
import { planReap, reap } from '../scenario/liveness.js';
import { commandContext } from './context.js';
import type { ProviderArgs } from './providers.js';
import { ExitCode, InitcError } from '../errors.js';
import { parseNamespaces } from '../access/namespaced.js';
import { planSharedReap, reapShared } from '../scenario/shared-namespace.js';
import { connectOnly, removeOrphanedKindClusters, stopOrphanedLocalClusters, withProviderOptions, chosenProvider, localName } from './providers.js';

interface GcArgs extends ProviderArgs {
  'dry-run': boolean;
  'keep-cluster': boolean;
  namespace?: string[];
}

export const gcCommand: CommandModule<object, GcArgs> = {
  command: 'gc',
  describe: 'remove what dead runs left on the cluster (namespaces, Leases); live runs and kept namespaces stay',
  builder: (y) =>
    withProviderOptions(y)
      .option('namespace', { type: 'string', array: true, requiresArg: true, describe: 'look only in these namespaces (comma-separated; those of initc run --namespace): remove the pods and Leases dead runs left there, nothing else' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'only say what would be removed' })
      .option('keep-cluster', { type: 'boolean', default: false, describe: 'keep embedded clusters whose starting run died, and kind clusters dead runs created (they are stopped or deleted otherwise)' }) as never,
  handler: async (a) => {
    const ctx = commandContext();
    if (a.namespace !== undefined) return gcNamespaces(a);
    // A cluster named by kubeconfig is the only one gc looks at: this machine's clusters are not that cluster's business.
    const machine = chosenProvider(a) !== 'kubeconfig';
    const orphanedKind = machine ? await removeOrphanedKindClusters(ctx.progress, { dryRun: a['dry-run'], keep: a['keep-cluster'] }) : [];
    const stopped = machine ? await stopOrphanedLocalClusters(ctx.progress, { dryRun: a['dry-run'], keep: a['keep-cluster'] }) : [];
    if (chosenProvider(a) === 'local' && stopped.includes(localName(a))) return;
    // With kind clusters of dead runs handled, an embedded cluster that is not running is nothing to clean.
    const kc = await connectOnly(a, ctx.progress).catch((err: unknown) => {
      if (orphanedKind.length && err instanceof InitcError && err.exitCode === ExitCode.notRunning) return undefined;
      throw err;
    });
    if (!kc) return;
    const plan = await planReap(kc);
    for (const r of plan.reap) console.log(`${a['dry-run'] ? 'would remove' : 'remove'} namespace ${r.namespace} (run ${r.runId}): ${r.why}`);
    for (const l of plan.deadLeases) console.log(`${a['dry-run'] ? 'would remove' : 'remove'} Lease ${l} (its run is dead: the Lease expired, or its process on this machine is gone)`);
    for (const k of plan.keep) console.log(`keep namespace ${k.namespace} (run ${k.runId}): ${k.why}`);
    if (!plan.reap.length && !plan.deadLeases.length) console.log('nothing left by dead runs');
    if (!a['dry-run']) await reap(kc, plan);
  },
};

/** `initc gc --namespace a,b`: only the pods and Leases that dead runs left in those namespaces; no cluster is stopped, no namespace touched. */
async function gcNamespaces(a: GcArgs): Promise<void> {
  let namespaces: string[];
  try {
    namespaces = parseNamespaces(a.namespace!);
  } catch (err) {
    throw new InitcError('usage', `--namespace: ${(err as Error).message}`);
  }
  const kc = await connectOnly(a, commandContext().progress);
  const plan = await planSharedReap(kc, namespaces);
  const verb = a['dry-run'] ? 'would remove' : 'remove';
  for (const r of plan.reap) console.log(`${verb} the pods of run ${r.runId} in namespace ${r.namespace}: ${r.why}`);
  for (const l of plan.deadLeases) console.log(`${verb} Lease ${l.namespace}/${l.name} (expired)`);
  for (const k of plan.keep) console.log(`keep the pods of run ${k.runId} in namespace ${k.namespace}: ${k.why}`);
  if (!plan.reap.length && !plan.deadLeases.length) console.log(`nothing left by dead runs in namespace${namespaces.length > 1 ? 's' : ''} ${namespaces.join(', ')}`);
  if (!a['dry-run']) await reapShared(kc, plan);
}
