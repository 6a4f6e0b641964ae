/**
 * `initc run`: bring the chosen cluster up (or connect to it), run the selected suites with Mocha,
 * write Allure results, JUnit XML and the Allure HTML report, delete the run's namespaces, and stop
 * the embedded cluster again unless it was already running or --keep-cluster is given.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import Mocha from 'mocha';
import type { CommandModule } from 'yargs';
import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { InitcError } from '../errors.js';
import { LocalClusterProvider } from '../cluster/local/local.js';
import { deleteRunNamespaces, newRunId } from '../scenario/namespace.js';
import { ENV } from '../session.js';
import { exists } from '../util/fsx.js';
import { INITC_VERSION, projectRoot } from '../util/paths.js';
import { commandContext } from './context.js';
import type { ProviderArgs } from './providers.js';
import { chosenProvider, makeProvider, withProviderOptions } from './providers.js';

/** Suite name → file stem under suites/ and what it asserts (for --help and the README). */
export const SUITES: Record<string, { file: string; about: string; inDefault: boolean }> = {
  order: { file: 'order.spec', about: 'init containers run one at a time in spec order; STATUS and Initialized move forward', inDefault: true },
  never: { file: 'never.spec', about: 'restartPolicy Never: a failing init container fails the pod', inDefault: true },
  onfailure: { file: 'onfailure.spec', about: 'restartPolicy OnFailure: only the failing init container restarts, 10 s doubling back-off', inDefault: true },
  always: { file: 'always.spec', about: 'restartPolicy Always: the same, under Always', inDefault: true },
  flaky: { file: 'flaky.spec', about: 'fails k times then succeeds: Running with restartCount k', inDefault: true },
  slow: { file: 'slow.spec', about: 'a slow init container holds Init:0/N', inDefault: true },
  deadline: { file: 'deadline.spec', about: 'activeDeadlineSeconds counts init time: Failed, DeadlineExceeded', inDefault: true },
  validation: { file: 'validation.spec', about: 'probes and lifecycle on plain init containers are refused (422); accepted on sidecars', inDefault: true },
  service: { file: 'service.spec', about: 'an init container waiting for a Service holds the pod until it exists', inDefault: true },
  volume: { file: 'volume.spec', about: 'an init container populates a volume the app reads', inDefault: true },
  idempotency: { file: 'idempotency.spec', about: 're-run init code leaves one result; a non-idempotent control is caught', inDefault: true },
  sidecar: { file: 'sidecar.spec', about: 'sidecars start in order, gate the next init, run beside the app, stop in reverse', inDefault: true },
  smoke: { file: 'smoke.spec', about: 'two init containers write their lines in order, the app prints them', inDefault: false },
};

interface RunArgs extends ProviderArgs {
  suite: string[];
  grep?: string;
  out: string;
  'keep-cluster': boolean;
  'keep-on-failure': boolean;
  jobs: number;
}

export function selectSuites(requested: string[]): string[] {
  const names = requested.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0 || names.includes('all')) return Object.keys(SUITES).filter((n) => SUITES[n]!.inDefault);
  const unknown = names.filter((n) => !SUITES[n]);
  if (unknown.length) throw new InitcError('usage', `unknown suite ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}`);
  return [...new Set(names)];
}

async function suiteFile(stem: string): Promise<string> {
  // Compiled (dist/) runs load .js; under tsx the sources are loaded as they are.
  const here = path.dirname(new URL(import.meta.url).pathname);
  const compiled = path.join(here, '..', '..', 'suites', `${stem}.js`);
  if (await exists(compiled)) return compiled;
  return path.join(projectRoot(), 'suites', `${stem}.ts`);
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'run the conformance suites against a cluster and write the reports',
  builder: (y) =>
    withProviderOptions(y)
      .option('suite', { type: 'string', array: true, default: ['all'], describe: `suites to run, comma-separated (${Object.keys(SUITES).join(', ')}); default all but smoke` })
      .option('grep', { type: 'string', describe: 'only tests whose title matches (passed to Mocha --grep)' })
      .option('out', { type: 'string', default: 'reports', describe: 'folder for allure-results/, allure-report/, junit.xml' })
      .option('keep-cluster', { type: 'boolean', default: false, describe: 'leave the embedded cluster running afterwards' })
      .option('keep-on-failure', { type: 'boolean', default: false, describe: 'keep the namespaces of failed scenarios (labelled initc.dev/kept=true) and say which' })
      .option('jobs', { type: 'number', default: 12, describe: 'suite files run in parallel (each scenario has its own namespace)' }) as never,
  handler: async (a) => {
    const ctx = commandContext();
    const suites = selectSuites(a.suite);
    const provider = makeProvider(a);
    const out = path.resolve(a.out);
    const resultsDir = path.join(out, 'allure-results');
    await fs.rm(resultsDir, { recursive: true, force: true });
    await fs.mkdir(resultsDir, { recursive: true });

    const local = provider instanceof LocalClusterProvider ? provider : undefined;
    // A recorded but dead cluster is started afresh by create, so it counts as not running.
    const wasRunning = local ? (await local.status()).running : true;
    const cluster = await provider.create(ctx);
    const runId = newRunId();
    let failures = 0;
    try {
      process.env[ENV.kubeconfig] = cluster.kubeconfigPath;
      process.env[ENV.context] = cluster.context ?? '';
      process.env[ENV.runId] = runId;
      process.env[ENV.provider] = chosenProvider(a);
      if (a['keep-on-failure']) process.env[ENV.keepOnFailure] = '1';
      const environmentInfo = await describeEnvironment(cluster.kubeConfig(), chosenProvider(a));
      ctx.progress.info(`cluster: ${Object.entries(environmentInfo).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      failures = await ctx.progress.step(`suites ${suites.join(', ')} (run ${runId})`, async () => {
        const mocha = new Mocha({
          reporter: 'allure-mocha',
          reporterOptions: { resultsDir, environmentInfo, extraReporters: [['spec', {}], ['xunit', { output: path.join(out, 'junit.xml') }]] },
          grep: a.grep,
          timeout: 600_000,
          parallel: suites.length > 1 && a.jobs > 1,
          jobs: a.jobs,
        });
        for (const s of suites) mocha.addFile(await suiteFile(SUITES[s]!.file));
        return new Promise<number>((resolve) => {
          const runner = mocha.run((f) => resolve(f));
          // An aborted parallel run may never call back: stop waiting for it and clean up.
          ctx.signal.addEventListener('abort', () => {
            runner.abort();
            resolve(0);
          });
        });
      });
    } finally {
      const { deleted, kept } = await deleteRunNamespaces(cluster.kubeConfig(), runId, !a['keep-on-failure']).catch(() => ({ deleted: [], kept: [] }));
      if (deleted.length) ctx.progress.info(`deleted the run's namespaces: ${deleted.join(', ')}`);
      if (kept.length) ctx.progress.info(`kept for debugging (--keep-on-failure): ${kept.join(', ')}; delete them with kubectl delete ns -l initc.dev/run=${runId}`);
      if (local && !wasRunning && !a['keep-cluster'] && !kept.length) await local.destroy(ctx);
      else if (local && kept.length && !wasRunning) ctx.progress.info('the embedded cluster stays up with the kept namespaces; `initc cluster down` when done');
    }
    const reportDir = path.join(out, 'allure-report');
    await ctx.progress.step('Allure report', () => generateAllureReport(resultsDir, reportDir));
    process.stdout.write(`\n${formatSummary(await readResults(resultsDir))}\n`);
    ctx.progress.info(`report: ${path.join(reportDir, 'index.html')}\njunit:  ${path.join(out, 'junit.xml')}`);
    if (ctx.signal.aborted) throw new InitcError('interrupted', 'interrupted; the run\'s namespaces were deleted');
    if (failures > 0) throw new InitcError('testsFailed', `${failures} test(s) failed; see the report`);
  },
};

/** One test's Allure result file, the parts initc reads. */
export interface ResultFile {
  name: string;
  status: string;
  start: number;
  stop: number;
  statusDetails?: { message?: string };
  labels: Array<{ name: string; value: string }>;
}

export async function readResults(dir: string): Promise<ResultFile[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('-result.json'));
  return Promise.all(files.map(async (f) => JSON.parse(await fs.readFile(path.join(dir, f), 'utf8')) as ResultFile));
}

/** The suite a result belongs to: its describe title up to the colon ("order: …" → "order"). */
export const suiteOf = (r: ResultFile) => (r.labels.find((l) => l.name === 'parentSuite' || l.name === 'suite')?.value ?? r.name).split(':')[0]!;

/** One screen: per suite, how many tests passed, failed, were broken or skipped; then each failure's first line. */
export function formatSummary(results: ResultFile[]): string {
  const statuses = ['passed', 'failed', 'broken', 'skipped'] as const;
  const bySuite = new Map<string, Record<string, number>>();
  for (const r of results) {
    const suite = suiteOf(r);
    const counts = bySuite.get(suite) ?? Object.fromEntries(statuses.map((st) => [st, 0]));
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    bySuite.set(suite, counts);
  }
  const total = Object.fromEntries(statuses.map((st) => [st, results.filter((r) => r.status === st).length]));
  const line = (name: string, c: Record<string, number>) => `  ${name.padEnd(14)}${statuses.map((st) => String(c[st] ?? 0).padStart(8)).join('')}`;
  const rows = [...bySuite.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([n, c]) => line(n, c));
  const problems = results
    .filter((r) => r.status === 'failed' || r.status === 'broken')
    .map((r) => `  ${r.status.toUpperCase()} ${r.name}\n    ${(r.statusDetails?.message ?? '').split('\n')[0]}`);
  return ['Summary', `  ${'suite'.padEnd(14)}${statuses.map((st) => st.padStart(8)).join('')}`, ...rows, line('total', total), ...(problems.length ? ['', ...problems] : [])].join('\n');
}

/** The Allure report's environment section: what the cluster is made of. */
async function describeEnvironment(kc: KubeConfig, provider: string): Promise<Record<string, string>> {
  const info: Record<string, string> = { provider, initc: INITC_VERSION };
  try {
    info['server'] = (await kc.makeApiClient(VersionApi).getCode()).gitVersion;
    const node = (await kc.makeApiClient(CoreV1Api).listNode()).items[0];
    const n = node?.status?.nodeInfo;
    if (n) {
      info['kubelet'] = n.kubeletVersion;
      info['container runtime'] = n.containerRuntimeVersion;
      info['node OS'] = n.osImage;
      info['kernel'] = n.kernelVersion;
    }
  } catch (err) {
    info['error'] = `cannot read versions: ${(err as Error).message.split('\n')[0]}`;
  }
  return info;
}

export async function generateAllureReport(resultsDir: string, reportDir: string): Promise<void> {
  const config = path.join(path.dirname(resultsDir), 'allurerc.json');
  await fs.writeFile(config, JSON.stringify({ name: 'initc', output: reportDir, plugins: { awesome: { options: { singleFile: true, reportName: 'initc', groupBy: ['feature'] } } } }, null, 2));
  const allure = path.join(projectRoot(), 'node_modules', '.bin', 'allure');
  const r = await execa(allure, ['generate', resultsDir, '--config', config, '--output', reportDir], { reject: false });
  if (r.exitCode !== 0) throw new InitcError('componentFailed', `allure generate failed: ${String(r.stderr || r.stdout).trim().split('\n').pop()}`);
}
