/**
 * `initc check -f FILE|DIR`: the user's own workload. Reads the manifests, prints static findings
 * (with the API server's dry-run refusals), applies them into a throwaway run-labelled namespace
 * of the chosen cluster, and runs the dynamic checks (Ready; then one fault at a time, each
 * followed by Ready again, init containers re-run in order, --probe output unchanged) as Mocha
 * tests with allure-mocha: Allure report, JUnit, a one-screen summary, exit codes like `initc run`
 * (16 for manifests that cannot be read or that the API server refuses).
 */
import { promises as fs } from 'node:fs';
import { emptyFolder } from '../util/fsx.js';
import path from 'node:path';
import Mocha from 'mocha';
import type { CommandModule } from 'yargs';
import { InitcError, usageError } from '../errors.js';
import { applyOrder } from '../check/apply.js';
import { dryRunFindings } from '../check/apply.js';
import type { Finding } from '../check/findings.js';
import { formatFinding, staticFindings } from '../check/findings.js';
import { loadManifests } from '../check/manifests.js';
import type { FaultName } from '../check/faults.js';
import { FAULTS, parseFaults } from '../check/faults.js';
import { checkVerdict, notCheckedLines } from '../check/outcome.js';
import type { CheckState } from '../check/suite.js';
import { buildCheckSuite } from '../check/suite.js';
import { ensureNodeRunning } from '../chaos/node-faults.js';
import { hasNodeAccess, hasNodes } from '../cluster/provider.js';
import { generateAllureReport } from '../report/allure.js';
import { formatSummary, readResults } from '../report/results.js';
import { LEASE_NAMESPACE, LEASE_SECONDS, holdRunLease, planReap, reap } from '../scenario/liveness.js';
import { createRunNamespace, deleteNamespace, keepNamespace, newRunId, runLabels } from '../scenario/namespace.js';
import { checkPermissions } from './access.js';
import { checkNamespace, checkNamespaceAccess, deleteApplied } from './check-namespaced.js';
import { reapDeadInNamespaces } from './run-namespaced.js';
import { commandContext } from './context.js';
import type { ProviderArgs } from './providers.js';
import { checkProviderArgs, chosenProvider, startCluster, withProviderOptions } from './providers.js';
import { describeEnvironment } from './environment.js';
import { clusterSettings } from '../cluster/features.js';
import { nonEmpty, nonEmptyList, positiveInteger } from './validate.js';
import { DEFAULT_SCALE_OUT_REPLICAS } from '../chaos/scale-out.js';

/** --replicas: a whole number of at least 2 (a scale-out to one replica starts nothing at once). */
function atLeastTwo(v: string): number {
  const n = positiveInteger('--replicas')(v);
  if (n < 2) throw usageError(`--replicas must be at least 2 (a scale-out starts several replicas at once), not ${n}`);
  return n;
}

interface CheckArgs extends ProviderArgs {
  file: string;
  workload?: string;
  probe?: string;
  faults?: string[];
  out: string;
  'keep-on-failure': boolean;
  'recover-within': number;
  'ready-within': number;
  'outage-seconds': number;
  namespace?: string[];
  replicas: number;
  evict: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const checkCommand: CommandModule<object, CheckArgs> = {
  command: 'check',
  describe: 'check your own workload: static findings, then its init containers under faults (sandbox lost, init container killed, node reboot, Service outage, pod replaced, rollout, scale-out, node drained)',
  builder: (y) =>
    withProviderOptions(y)
      .option('file', { alias: 'f', type: 'string', demandOption: true, requiresArg: true, coerce: nonEmpty('--file'), describe: 'a manifest file (multi-document YAML) or a folder of them' })
      .option('workload', { type: 'string', requiresArg: true, coerce: nonEmpty('--workload'), describe: 'KIND/NAME of the workload to check, when the manifests hold several with init containers' })
      .option('probe', { type: 'string', requiresArg: true, coerce: nonEmpty('--probe'), describe: 'a shell command run (sh -c) in the app container before and after each fault; its output must not change (e.g. \'ls -l /data\', \'cat /data/out\')' })
      .option('faults', { type: 'string', array: true, coerce: nonEmptyList('--faults'), describe: `faults to inject, comma-separated: all (default), none, ${FAULTS.join(', ')}` })
      .option('out', { type: 'string', requiresArg: true, default: 'reports/check', coerce: nonEmpty('--out'), describe: 'folder for allure-results/, allure-report/, junit.xml, findings.txt' })
      .option('keep-on-failure', { type: 'boolean', default: false, describe: 'keep the namespace (labelled initc.dev/kept=true) when a check failed, and say which' })
      .option('recover-within', { type: 'string', requiresArg: true, default: '120', coerce: positiveInteger('--recover-within'), describe: 'seconds the pod has to be Ready again after each fault' })
      .option('ready-within', { type: 'string', requiresArg: true, default: '180', coerce: positiveInteger('--ready-within'), describe: 'seconds the workload has to become Ready after it is applied' })
      .option('namespace', { type: 'string', array: true, requiresArg: true, describe: 'apply the workload into this namespace, which must exist (no namespace is made or deleted; the objects keep their names and carry the check\'s labels; the cleanup deletes exactly what the check applied)' })
      .option('outage-seconds', { type: 'string', requiresArg: true, default: '20', coerce: positiveInteger('--outage-seconds'), describe: 'how long each Service is gone in the outage check' })
      .option('replicas', { type: 'string', requiresArg: true, default: String(DEFAULT_SCALE_OUT_REPLICAS), coerce: atLeastTwo, describe: 'how many replicas the scale-out fault starts at once' })
      .option('evict', { type: 'boolean', default: false, describe: 'replace-pod evicts the pod through the Eviction API (PodDisruptionBudgets honoured) instead of deleting it' }) as never,
  handler: async (a) => {
    const ctx = commandContext();
    const started = Date.now();
    let faults: FaultName[];
    try {
      faults = parseFaults(a.faults);
    } catch (err) {
      throw new InitcError('usage', `--faults: ${(err as Error).message}`);
    }
    const shared = checkNamespace(a.namespace);
    const manifests = await loadManifests(a.file, a.workload);
    const w = manifests.workload;
    const findings: Finding[] = staticFindings(w);
    ctx.progress.info(`workload ${w.kind}/${w.name} (${w.source}) with init containers ${(w.podSpec.initContainers ?? []).map((c) => c.name).join(', ')}; with it: ${applyOrder(manifests.objects, w).filter((s) => s.object !== w.object).map((s) => `${s.object.kind}/${s.object.metadata.name}`).join(', ') || 'nothing else'}`);
    if (manifests.others.length) ctx.progress.info(`also in the manifests (applied, not checked): ${manifests.others.map((x) => `${x.kind}/${x.name}`).join(', ')}`);

    checkProviderArgs(a);
    const out = path.resolve(a.out);
    // The folder is this check's: nothing of an earlier check there may pass for this one's.
    await Promise.all(['allure-report', 'junit.xml', 'findings.txt', 'findings.json'].map((f) => fs.rm(path.join(out, f), { recursive: true, force: true })));
    const resultsDir = await emptyFolder(path.join(out, 'allure-results'));
    const { provider, cluster } = await startCluster(a, ctx, true);
    if (shared) await checkNamespaceAccess(cluster, provider, { namespace: shared, objects: manifests.objects, exec: a.probe !== undefined || faults.includes('service-outage'), ...ctx });
    else await checkPermissions(cluster, provider, { keepCluster: false, ...ctx });
    const kc = cluster.kubeConfig();
    const runId = newRunId();
    const lease = await holdRunLease(kc, runId, {
      namespace: shared,
      onRenewFailure: (err, inARow) => ctx.progress.info(`✘ could not renew the run's Lease (${inARow} in a row; ${LEASE_SECONDS} s after the last renewal others take this check for dead): ${err.message.split('\n')[0]}`),
    }).catch(async (err: Error) => {
      await cluster.release();
      throw new InitcError('kubeconfig', `cannot take the run's Lease in namespace ${shared ?? LEASE_NAMESPACE}: ${err.message.split('\n')[0]}`);
    });
    const state: CheckState = { ready: false, failed: false, recoveries: [], deliberateMs: 0 };
    let namespace: string | undefined;
    let refused: Finding[] = [];
    let mochaFailures = 0;
    let cleanupProblem: string | undefined;
    let kept = false;
    try {
      if (shared) await reapDeadInNamespaces(cluster, [shared], runId, ctx.progress);
      else {
        const dead = await planReap(kc, runId);
        if (dead.reap.length || dead.deadLeases.length) await reap(kc, dead);
      }
      const labels = runLabels(runId);
      namespace = shared ?? (await createRunNamespace(kc, runId, `check-${w.name}`));
      refused = await ctx.progress.step(`server-side dry run of ${manifests.objects.length} object(s) in namespace ${namespace}`, () => dryRunFindings(kc, namespace!, manifests.objects, w, labels));
      findings.unshift(...refused);
      // Our own prediction of a refusal the server made is said once, by the server.
      const all = refused.length ? findings.filter((f) => f.severity !== 'error' || !refused.some((r) => r.path === f.path)) : findings;
      findings.splice(0, findings.length, ...all);
      process.stdout.write(`\nStatic findings (${findings.length}):\n${findings.map((f) => formatFinding(f)).join('\n') || '  none'}\n\n`);
      await fs.writeFile(path.join(out, 'findings.txt'), findings.map(formatFinding).join('\n\n') + '\n');
      await fs.writeFile(path.join(out, 'findings.json'), JSON.stringify({ workload: `${w.kind}/${w.name}`, findings }, null, 2) + '\n');
      const environmentInfo = { ...(await describeEnvironment(cluster.kubeConfig(), chosenProvider(a), undefined, clusterSettings(a))), workload: `${w.kind}/${w.name}`, namespace, faults: faults.join(', ') || 'none', probe: a.probe ?? '(none)' };
      const mocha = new Mocha({
        reporter: 'allure-mocha',
        reporterOptions: { resultsDir, environmentInfo, extraReporters: [['spec', {}], ['xunit', { output: path.join(out, 'junit.xml') }]] },
        timeout: 900_000,
      });
      buildCheckSuite(
        mocha,
        {
          kc,
          namespace,
          labels,
          provider: chosenProvider(a),
          context: cluster.context,
          manifests,
          findings,
          probe: a.probe,
          faults,
          recoverMs: a['recover-within'] * 1000,
          readyMs: a['ready-within'] * 1000,
          outageMs: a['outage-seconds'] * 1000,
          replicas: a.replicas,
          evict: a.evict,
          staticOnly: refused.length > 0,
          nodes: hasNodes(cluster) ? cluster : undefined,
        },
        state,
      );
      mochaFailures = await ctx.progress.step(`checks of ${w.kind}/${w.name} (faults: ${refused.length ? 'none, the manifests are refused' : faults.join(', ') || 'none'})`, () =>
        new Promise<number>((resolve) => {
          const runner = mocha.run((failures) => resolve(failures));
          ctx.signal.addEventListener('abort', () => (runner.abort(), resolve(0)));
        }),
      );
    } finally {
      if (hasNodes(cluster)) {
        for (const name of cluster.nodeNames()) await ensureNodeRunning(cluster.nodeAccess(name)).catch((err: Error) => ctx.progress.info(`✘ could not start node ${name}'s kubelet and containerd again: ${err.message}`));
      } else if (hasNodeAccess(cluster)) await ensureNodeRunning(cluster).catch((err: Error) => ctx.progress.info(`✘ could not start the node's kubelet and containerd again: ${err.message}`));
      if (namespace) {
        try {
          if (shared && (state.failed || mochaFailures) && a['keep-on-failure'] && !refused.length) {
            kept = true;
            ctx.progress.info(`kept the check's objects in namespace ${shared} for debugging (--keep-on-failure); they carry the label initc.dev/run=${runId}`);
          } else if (shared) {
            const deleted = await deleteApplied(kc, shared, manifests.objects, runId);
            ctx.progress.info(`deleted from namespace ${shared}: ${deleted.join(', ') || 'nothing (none was applied)'}`);
          } else if ((state.failed || mochaFailures) && a['keep-on-failure'] && !refused.length) {
            await keepNamespace(kc, namespace, `initc check of ${w.kind}/${w.name} failed`);
            kept = true;
            ctx.progress.info(`kept namespace ${namespace} for debugging (--keep-on-failure); delete it with kubectl delete ns ${namespace}`);
          } else {
            await deleteNamespace(kc, namespace);
            ctx.progress.info(`deleted namespace ${namespace}`);
          }
        } catch (err) {
          cleanupProblem = `could not delete ${shared ? `the check's objects in namespace ${shared}` : `namespace ${namespace}`}: ${(err as Error).message.split('\n')[0]}`;
          ctx.progress.info(`✘ ${cleanupProblem}`);
        }
      }
      await lease.stop().catch((err: Error) => ctx.progress.info(`✘ could not delete the run's Lease: ${err.message.split('\n')[0]} (it expires by itself)`));
      if (cluster.startedHere && !kept && !cleanupProblem) await provider.destroy(ctx);
      else if (cluster.startedHere) ctx.progress.info(`the cluster (context ${cluster.context}) stays up with what the check left`);
      await cluster.release();
    }
    const reportDir = path.join(out, 'allure-report');
    await ctx.progress.step('Allure report', () => generateAllureReport(resultsDir, reportDir));
    const results = await readResults(resultsDir);
    process.stdout.write(`\n${[formatSummary(results), ...notCheckedLines(results, a.probe)].join('\n')}\n`);
    const wall = Date.now() - started;
    if (state.recoveries.length) {
      const sum = state.recoveries.reduce((s, r) => s + r.ms, 0);
      process.stdout.write(`\nRecovery: ${state.recoveries.map((r) => `${r.fault} ${seconds(r.ms)}`).join(', ')}\n`);
      process.stdout.write(`Wall time ${seconds(wall)} beside the cluster's own recovery times ${seconds(sum)} (${(wall / sum).toFixed(2)}×; deliberate outages ${seconds(state.deliberateMs)})\n`);
    }
    ctx.progress.info(`report: ${path.join(reportDir, 'index.html')}\njunit:  ${path.join(out, 'junit.xml')}\nfindings: ${path.join(out, 'findings.txt')}`);
    if (ctx.signal.aborted) throw new InitcError('interrupted', 'interrupted; the check\'s namespace was deleted');
    if (refused.length) throw new InitcError('badManifest', `the API server refuses the manifests: ${refused.map((f) => `${f.object} ${f.path}: ${f.message.replace(/^.*?\): /, '')}`).join('; ')}`);
    const verdict = checkVerdict(results, { faultsAsked: faults.length, mochaFailures });
    if (verdict) throw verdict;
    if (cleanupProblem) throw new InitcError('cleanupFailed', cleanupProblem);
  },
};
