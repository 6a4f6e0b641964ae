/**
 * `initc run`: bring the chosen cluster up (or connect to it), run the selected suites with Mocha,
 * write Allure results, JUnit XML and the Allure HTML report, delete the run's namespaces, and stop
 * the embedded cluster again unless it was already running or --keep-cluster is given.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { VersionApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CommandModule } from 'yargs';
import { ExitCode, InitcError } from '../errors.js';
import { generateAllureReport } from '../report/allure.js';
import { CONFORMANCE_JSON, CONFORMANCE_MD, REPORT_FORMATS, writeRunRecords } from '../report/conformance.js';
import type { ReportFormat } from '../report/conformance.js';
import { RESULTS_FILE } from '../report/model.js';
import { claimDefaultRunFolder, claimRunFolder, currentOwner } from '../report/out-folder.js';
import { PLAN_SCHEMA, writePlan } from '../report/plan.js';
import type { PlannedTest } from '../report/plan.js';
import { formatSummary, readResults, runVerdict } from '../report/results.js';
import { suitesRevision } from '../report/revision.js';
import { isProcessAlive, processStartTime } from '../util/proc.js';
import { LEASE_NAMESPACE, LEASE_SECONDS, holdRunLease, planReap, reap } from '../scenario/liveness.js';
import { checkFixtureImage, chooseFixtureImage } from '../scenario/fixture-check.js';
import { createRunNamespace, deleteRunNamespaces, newRunId, runLabels } from '../scenario/namespace.js';
import { ENV } from '../session.js';
import { emptyFolder } from '../util/fsx.js';
import { ensureNodeRunning } from '../chaos/node-faults.js';
import { newSeed } from '../chaos/random.js';
import { hasNodeAccess, hasNodes } from '../cluster/provider.js';
import { describeHome, homeNodeOf } from '../scenario/placement.js';
import type { NodeAccess } from '../cluster/provider.js';
import { formatAgentRef } from '../cluster/agent/agent-pod.js';
import { deployNodeAgent } from '../cluster/agent/privileged-pod.js';
import { describeProbe } from '../cluster/agent/probe.js';
import { HOME_NODE_ENV, NODE_ACCESS_PROBLEM_ENV, NODE_AGENT_ENV, PINNED_NODE_ENV, PRIVILEGED_POD } from '../cluster/node-access.js';
import { checkPermissions } from './access.js';
import { fixtureCheckPlace, planForSuites, planNamespacedRun, reapDeadInNamespaces } from './run-namespaced.js';
import { parseNamespaces } from '../access/namespaced.js';
import { NAMESPACE_PLAN_ENV, deleteRunPods } from '../scenario/shared-namespace.js';
import { mergeJUnit, runMocha, suiteFile } from './mocha-phase.js';
import { commandContext } from './context.js';
import { describeEnvironment } from './environment.js';
import { clusterSettings } from '../cluster/features.js';
import { planSuiteFiles } from './plan-suites.js';
import { nonEmpty, nonEmptyList, positiveInteger, regexValue } from './validate.js';
import type { ProviderArgs } from './providers.js';
import { checkProviderArgs, chosenProvider, localName, startCluster, withProviderOptions } from './providers.js';
import { SUITES, selectSuites, startOrder } from './suite-table.js';
import { executeRuns } from './compare-runs.js';
import type { FinishedRun } from './compare-runs.js';
import type { NodeSuitePlace } from './node-suites.js';
import { NODE_SUITE_PLACES, adoptNodeSuitesResults, nodeSuitesClusterName, nodeSuitesOutcome, nodeSuitesRun, planPhases } from './node-suites.js';

/** --out when not given; while live runs hold it, the next free of reports-2, reports-3, … */
const DEFAULT_OUT = 'reports';

interface RunArgs extends ProviderArgs {
  suite?: string[];
  grep?: string;
  out?: string;
  'keep-cluster': boolean;
  chaos: boolean;
  seed?: number;
  'keep-on-failure': boolean;
  jobs: number;
  report?: ReportFormat;
  'fixture-image'?: string;
  'node-access': 'none' | typeof PRIVILEGED_POD;
  'node-agent-image'?: string;
  namespace?: string[];
  'node-suites': NodeSuitePlace;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'run the conformance suites against a cluster and write the reports',
  builder: (y) =>
    withProviderOptions(y)
      // No yargs default: yargs would put it in place of an empty `--suite`, which must be an error.
      .option('suite', { type: 'string', array: true, coerce: nonEmptyList('--suite'), describe: `suites to run, comma-separated (${Object.keys(SUITES).join(', ')}); default all but smoke` })
      .option('grep', { type: 'string', requiresArg: true, coerce: regexValue('--grep'), describe: 'only tests whose title matches this regular expression (passed to Mocha --grep)' })
      .option('out', { type: 'string', requiresArg: true, coerce: nonEmpty('--out'), describe: `folder for allure-results/, allure-report/, junit.xml (default ${DEFAULT_OUT}, or ${DEFAULT_OUT}-2, ${DEFAULT_OUT}-3, … while live runs on this machine write to ${DEFAULT_OUT})` })
      .option('seed', { type: 'string', requiresArg: true, coerce: positiveInteger('--seed'), describe: 'seed of the chaos suites\' random choices (printed by every run; repeat a run with it)' })
      .option('chaos', { type: 'boolean', default: true, describe: 'include the chaos suites (faults injected into pods and the node); --no-chaos leaves them out' })
      .option('keep-cluster', { type: 'boolean', default: false, describe: 'leave the cluster the run started running afterwards (embedded or kind)' })
      .option('keep-on-failure', { type: 'boolean', default: false, describe: 'keep the namespaces of failed scenarios (labelled initc.dev/kept=true) and say which' })
      .option('fixture-image', { type: 'string', requiresArg: true, coerce: nonEmpty('--fixture-image'), describe: `image every fixture container runs (a busybox with sh, sleep, date, timeout, wget, nslookup, httpd, ...); default ${'$'}INITC_FIXTURE_IMAGE, else the local image on clusters initc made or nodes that have it, else a pinned public busybox` })
      .option('node-access', { choices: ['none', PRIVILEGED_POD] as const, default: 'none', describe: `how the chaos suites reach the node of a cluster given by kubeconfig: ${PRIVILEGED_POD} allows initc a privileged pod (hostPID, hostNetwork, the host's root) on one node for the run; none: chaos tests that need the node are skipped` })
      .option('node-agent-image', { type: 'string', requiresArg: true, coerce: nonEmpty('--node-agent-image'), describe: `image of that privileged pod (a busybox with sh and nsenter); default the fixture image` })
      .option('report', { type: 'string', requiresArg: true, choices: REPORT_FORMATS, describe: 'also write this report: conformance (conformance.md and conformance.json, its SHA-256 printed in the Markdown)' })
      .option('namespace', { type: 'string', array: true, requiresArg: true, describe: 'run inside these namespaces, comma-separated, which must exist: no namespace is made or deleted, scenarios are kept apart by labels and name prefixes, the Lease goes in the first; suites that need more are skipped, naming what (initc rbac --namespace prints the Roles)' })
      .option('node-suites', { choices: NODE_SUITE_PLACES, default: 'own-cluster', describe: 'where the suites that disturb a whole node (chaos-node, stale-sandbox, kubelet-restart-status) run: own-cluster: on the embedded provider, a second embedded cluster of the same version and settings, at the same time as the other suites; after: on the run\'s cluster, alone, after the others (always so on kind and a kubeconfig\'s cluster)' })
      .option('jobs', { type: 'string', requiresArg: true, default: '12', coerce: positiveInteger('--jobs'), describe: 'suite files run in parallel (each scenario has its own namespace)' }) as never,
  handler: async (a) => {
    const ctx = commandContext();
    const suites = selectSuites(a.suite ?? ['all'], a.chaos);
    const wantAgent = a['node-access'] === PRIVILEGED_POD;
    if (wantAgent && chosenProvider(a) !== 'kubeconfig') throw new InitcError('usage', `--node-access ${PRIVILEGED_POD} is for a cluster given by kubeconfig; the ${chosenProvider(a)} provider reaches its node itself`);
    if (a['node-agent-image'] && !wantAgent) throw new InitcError('usage', `--node-agent-image goes with --node-access ${PRIVILEGED_POD}`);
    let namespaces: string[] | undefined;
    try {
      namespaces = a.namespace === undefined ? undefined : parseNamespaces(a.namespace);
    } catch (err) {
      throw new InitcError('usage', `--namespace: ${(err as Error).message}`);
    }
    if (namespaces && wantAgent) throw new InitcError('usage', `--node-access ${PRIVILEGED_POD} needs a namespace of its own (the privileged Pod Security level); not with --namespace`);
    checkProviderArgs(a);
    // The folder is this run's: an earlier run's results in it are removed before anything else, and what it will run is written down.
    const planned = await planSuiteFiles(await Promise.all(suites.map((s) => suiteFile(SUITES[s]!.file))), a.grep);
    const owner = currentOwner((await processStartTime(process.pid)) ?? '');
    const claimed = a.out ? { dir: path.resolve(a.out), removed: await claimRunFolder(path.resolve(a.out), owner, isProcessAlive), busy: [] } : await claimDefaultRunFolder(path.resolve(DEFAULT_OUT), owner, isProcessAlive);
    const { dir: out, removed } = claimed;
    if (claimed.busy.length) ctx.progress.info(`${claimed.busy.join('; ')}: this run writes to ${out}`);
    if (removed.length) ctx.progress.info(`--out ${out}: removed what an earlier run left (${removed.join(', ')})`);
    const revision = await suitesRevision();
    await writePlan({ schema: PLAN_SCHEMA, startedAt: new Date().toISOString(), suitesRevision: revision, suites, grep: a.grep ?? null, owner, tests: planned }, out);
    const resultsDir = await emptyFolder(path.join(out, 'allure-results'));
    const { provider, cluster } = await startCluster(a, ctx, !a['keep-cluster']);
    const runId = newRunId();
    // What the identity may do is known before anything is made on the cluster.
    const nsPlan = namespaces
      ? await planNamespacedRun(cluster, provider, { suites, namespaces, runId, image: a['fixture-image'], keepCluster: a['keep-cluster'], ...ctx })
      : await checkPermissions(cluster, provider, { suites, nodeAgent: wantAgent, keepCluster: a['keep-cluster'], ...ctx });
    const leaseNamespace = namespaces?.[0] ?? LEASE_NAMESPACE;
    // Taken before any namespace (or object) of this run exists, so a reaper never mistakes the run for a dead one.
    const lease = await holdRunLease(cluster.kubeConfig(), runId, {
      namespace: namespaces?.[0],
      onRenewFailure: (err, inARow) => ctx.progress.info(`✘ could not renew the run's Lease (${inARow} in a row; ${LEASE_SECONDS} s after the last renewal, other runs and initc gc take this run for dead): ${err.message.split('\n')[0]}`),
    }).catch(async (err: Error) => {
      await cluster.release();
      throw new InitcError('kubeconfig', `cannot take the run's Lease in namespace ${leaseNamespace}: ${err.message.split('\n')[0]}`);
    });
    let cleanupProblem: string | undefined;
    let mochaFailures = 0;
    let agent: NodeAccess | undefined;
    let nodeSuitesDone: Promise<FinishedRun> | undefined;
    try {
      const dead = namespaces ? { reap: [], keep: [], deadLeases: [] } : await planReap(cluster.kubeConfig(), runId);
      if (namespaces) await reapDeadInNamespaces(cluster, namespaces, runId, ctx.progress);
      if (dead.reap.length || dead.deadLeases.length) {
        await reap(cluster.kubeConfig(), dead);
        ctx.progress.info(`removed what dead runs left: ${[...dead.reap.map((r) => `namespace ${r.namespace} (${r.why})`), ...dead.deadLeases.map((l) => `Lease ${l}`)].join('; ')}`);
      }
      const fixture = await chooseFixtureImage(cluster.kubeConfig(), chosenProvider(a), a['fixture-image']);
      await ctx.progress.step(`fixture image ${fixture.image} (${fixture.why}): can it run, and has it every command the fixtures need`, () => checkFixtureImage(cluster.kubeConfig(), runId, fixture.image, { shared: namespaces && fixtureCheckPlace(runId, namespaces) }));
      if (nsPlan) process.env[NAMESPACE_PLAN_ENV] = JSON.stringify(planForSuites(nsPlan, (s) => SUITES[s]!.file));
      process.env[ENV.fixtureImage] = fixture.image;
      process.env[ENV.kubeconfig] = cluster.kubeconfigPath;
      process.env[ENV.context] = cluster.context ?? '';
      process.env[ENV.runId] = runId;
      process.env[ENV.provider] = chosenProvider(a);
      // On a cluster of several nodes the fixture pods go to node 0, whose access the chaos faults use (lib/scenario/placement.ts).
      const nodeNames = hasNodes(cluster) ? cluster.nodeNames() : [];
      const home = homeNodeOf(nodeNames);
      if (home) process.env[HOME_NODE_ENV] = home;
      else delete process.env[HOME_NODE_ENV];
      if (a['keep-on-failure']) process.env[ENV.keepOnFailure] = '1';
      const seed = a.seed ?? newSeed();
      process.env[ENV.seed] = String(seed);
      let nodeAccess: string | undefined;
      let pinnedNode: string | undefined;
      if (wantAgent && suites.some((s) => SUITES[s]!.chaos)) {
        // A privileged pod on the node, in a namespace of the run (deleted with the others, also after Ctrl-C).
        const image = a['node-agent-image'] ?? fixture.image;
        try {
          const made = await ctx.progress.step(`node access: a privileged pod (${image}) on the node`, async () => {
            const namespace = await createRunNamespace(cluster.kubeConfig(), runId, 'node-agent');
            return deployNodeAgent(cluster.kubeConfig(), { namespace, image, labels: runLabels(runId), signal: ctx.signal });
          });
          agent = made.agent;
          process.env[NODE_AGENT_ENV] = formatAgentRef(made.agent.ref);
          process.env[PINNED_NODE_ENV] = made.agent.nodeName;
          if (made.note) ctx.progress.info(made.note);
          ctx.progress.info(`node access: pod ${formatAgentRef(made.agent.ref)} on node ${made.agent.nodeName}: ${describeProbe(made.probe)}`);
          pinnedNode = made.agent.nodeName;
          nodeAccess = `privileged pod ${formatAgentRef(made.agent.ref)} on node ${made.agent.nodeName}`;
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          const why = (err as Error).message.split('\n')[0]!;
          process.env[NODE_ACCESS_PROBLEM_ENV] = why;
          ctx.progress.info(`✘ node access through a privileged pod failed: ${why}; the chaos tests that need the node are skipped`);
        }
      }
      // The nodes the tests' pods run on: the agent's or the home node, when the run pins them there.
      const environmentInfo: Record<string, string> = { ...(await describeEnvironment(cluster.kubeConfig(), chosenProvider(a), pinnedNode ?? home, clusterSettings(a))), 'chaos seed': String(seed), 'fixture image': fixture.image };
      if (nodeAccess) environmentInfo['node access'] = nodeAccess;
      if (home && !pinnedNode) environmentInfo['fixture pods'] = describeHome(home, nodeNames.length);
      if (suites.some((s) => SUITES[s]!.chaos)) ctx.progress.info(`chaos seed ${seed} (repeat this run's random choices with --seed ${seed})`);
      ctx.progress.info(`cluster: ${Object.entries(environmentInfo).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      // Suites that disturb the whole node never share a node with other tests: on a cluster of their own at the same time, or alone afterwards.
      // A namespace-scoped run skips the node-wide suites (node access): no cluster of their own is started for them.
      const phases = planPhases(suites, (s) => Boolean(SUITES[s]!.wholeNode), a['node-suites'], chosenProvider(a) === 'local' && !namespaces);
      if (phases.ownCluster.length) {
        const own = nodeSuitesClusterName(localName(a));
        environmentInfo['node-wide suites'] = `${phases.ownCluster.join(', ')} on an embedded cluster of their own ("${own}", same version and settings), at the same time as the others`;
        const child = nodeSuitesRun(phases.ownCluster, own, await nodeSuitesRunArgs(a, cluster.kubeConfig(), seed));
        nodeSuitesDone = executeRuns({ runs: [child], parallel: true }, out, ctx.progress, ctx.signal).then(([done]) => done!);
      }
      const junitParts: string[] = [];
      const runPhase = async (phase: string[], alone: boolean) => {
        const junit = path.join(out, `junit-${junitParts.length + 1}.xml`);
        junitParts.push(junit);
        mochaFailures += await ctx.progress.step(`suites ${phase.join(', ')}${alone ? ' (alone: they disturb the whole node)' : ''} (run ${runId})`, () =>
          runMocha(startOrder(phase).map((s) => SUITES[s]!.file), { resultsDir, environmentInfo, junit, grep: a.grep, jobs: alone ? 1 : a.jobs, signal: ctx.signal }),
        );
      };
      if (phases.together.length) await runPhase(phases.together, false);
      if (nodeSuitesDone) {
        const done = await nodeSuitesDone;
        const part = path.join(out, `junit-${junitParts.length + 1}.xml`);
        const brought = await adoptNodeSuitesResults(done.out, resultsDir, part);
        junitParts.push(part);
        const outcome = nodeSuitesOutcome(done.exitCode, brought, ctx.signal.aborted);
        if (outcome === 'failed') mochaFailures++;
        if (outcome === 'failed' && done.exitCode !== ExitCode.testsFailed) ctx.progress.info(`✘ the run of the node-wide suites ended with exit ${done.exitCode}: ${done.error ?? 'see its output above'} (its folder: ${done.out})`);
        if (outcome === 'run-here') {
          ctx.progress.info(`✘ the node-wide suites' own cluster could not run them (exit ${done.exitCode}: ${done.error ?? 'see its output above'}): they run here, alone, after the others`);
          environmentInfo['node-wide suites'] = `${phases.ownCluster.join(', ')} alone, after the others (their own cluster could not run them)`;
          phases.after.push(...phases.ownCluster);
        }
      }
      if (phases.after.length && !ctx.signal.aborted) await runPhase(phases.after, true);
      await mergeJUnit(junitParts, path.join(out, 'junit.xml'));
    } finally {
      // Interrupted: the node-wide suites' run stops too (it got the signal) and takes its cluster down before this run ends.
      await nodeSuitesDone;
      // A fault's undo runs in the test; a run cut short (Ctrl-C, a killed worker) may not have got there.
      if (hasNodes(cluster)) {
        for (const name of cluster.nodeNames()) await ensureNodeRunning(cluster.nodeAccess(name)).catch((err: Error) => ctx.progress.info(`✘ could not start node ${name}'s kubelet and containerd again: ${err.message}`));
      } else if (hasNodeAccess(cluster)) {
        await ensureNodeRunning(cluster).catch((err: Error) => ctx.progress.info(`✘ could not start the node's kubelet and containerd again: ${err.message}`));
      }
      if (agent) await ensureNodeRunning(agent).catch((err: Error) => ctx.progress.info(`✘ the node's API server, containerd and kubelet are not all running again: ${err.message}`));
      let kept: string[] = [];
      const what = namespaces ? 'pods' : 'namespaces';
      try {
        const r = namespaces ? await deleteRunPods(cluster.kubeConfig(), namespaces, runId, !a['keep-on-failure']) : await deleteRunNamespaces(cluster.kubeConfig(), runId, !a['keep-on-failure']);
        kept = r.kept;
        if (r.deleted.length) ctx.progress.info(`deleted the run's ${what}: ${r.deleted.join(', ')}`);
        if (kept.length) ctx.progress.info(`kept for debugging (--keep-on-failure): ${kept.join(', ')}; delete them with kubectl delete ${namespaces ? `pods -n NAMESPACE` : 'ns'} -l initc.dev/run=${runId}`);
      } catch (err) {
        cleanupProblem = `could not delete the run's ${what} (label initc.dev/run=${runId}): ${(err as Error).message.split('\n')[0]}`;
        ctx.progress.info(`✘ ${cleanupProblem}`);
      }
      await lease.stop().catch((err: Error) => ctx.progress.info(`✘ could not delete the run's Lease: ${err.message.split('\n')[0]} (it expires by itself)`));
      if (cluster.startedHere && !a['keep-cluster'] && !kept.length && !cleanupProblem) await provider.destroy(ctx);
      else if (cluster.startedHere && (kept.length || cleanupProblem)) ctx.progress.info(`the ${cluster.provider === 'kind' ? 'kind' : 'embedded'} cluster (context ${cluster.context}) stays up with what the run left; ${cluster.provider === 'kind' ? `kind delete cluster --name ${cluster.context?.replace(/^kind-/, '')}` : `initc cluster down${a['local-cluster'] ? ` --name ${a['local-cluster']}` : ''}`} when done`);
      await cluster.release();
    }
    const reportDir = path.join(out, 'allure-report');
    await ctx.progress.step('Allure report', () => generateAllureReport(resultsDir, reportDir));
    const results = await readResults(resultsDir);
    const records = await writeOrRemoveRecords(resultsDir, out, { results: results.length, suitesRevision: revision, plan: planned, reports: a.report ? [a.report] : [] });
    process.stdout.write(`\n${formatSummary(results)}\n`);
    ctx.progress.info(`report: ${path.join(reportDir, 'index.html')}\njunit:  ${path.join(out, 'junit.xml')}${records ? `\nresults: ${records.results}` : ''}`);
    if (records?.conformance) ctx.progress.info(`conformance: ${records.conformance.markdown} (SHA-256 of ${records.conformance.json}: ${records.conformance.sha256})`);
    if (ctx.signal.aborted) throw new InitcError('interrupted', 'interrupted; the run\'s namespaces were deleted');
    const verdict = runVerdict(results, mochaFailures, records?.model.plan?.notEnded);
    if (verdict) throw verdict;
    if (cleanupProblem) throw new InitcError('cleanupFailed', cleanupProblem);
  },
};

/** The flags the node-wide suites' own run repeats from this one: the version the cluster serves, its settings, the seed, the test filter. */
async function nodeSuitesRunArgs(a: RunArgs, kc: KubeConfig, seed: number): Promise<string[]> {
  const each = (flag: string, values: string[] | undefined) => (values ?? []).flatMap((v) => [flag, v]);
  return [
    '--k8s-version', (await kc.makeApiClient(VersionApi).getCode()).gitVersion,
    ...each('--feature-gates', a['feature-gates']),
    ...each('--kubelet-config', a['kubelet-config']),
    ...(a['only-known-gates'] ? ['--only-known-gates'] : []),
    '--seed', String(seed),
    ...(a.grep ? ['--grep', a.grep] : []),
    ...(a['fixture-image'] ? ['--fixture-image', a['fixture-image']] : []),
    ...(a['keep-on-failure'] ? ['--keep-on-failure'] : []),
  ];
}

/**
 * results.json (and the conformance report when asked) of the run's results; a run of no test has
 * nothing to record (its verdict, exit 12, says so), and leaves no results.json of another run.
 */
async function writeOrRemoveRecords(resultsDir: string, out: string, o: { results: number; suitesRevision: string; plan: PlannedTest[]; reports: ReportFormat[] }) {
  if (o.results) return writeRunRecords(resultsDir, out, { suitesRevision: o.suitesRevision, reports: o.reports, plan: o.plan });
  for (const f of [RESULTS_FILE, CONFORMANCE_JSON, CONFORMANCE_MD]) await fs.rm(path.join(out, f), { force: true });
  return undefined;
}
