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
import { InitcError } from '../errors.js';
import { LocalClusterProvider } from '../cluster/local/local.js';
import { readState } from '../cluster/local/state.js';
import { deleteRunNamespaces, newRunId } from '../scenario/namespace.js';
import { ENV } from '../session.js';
import { exists } from '../util/fsx.js';
import { projectRoot } from '../util/paths.js';
import { commandContext } from './context.js';
import type { ProviderArgs } from './providers.js';
import { chosenProvider, makeProvider, withProviderOptions } from './providers.js';

/** Suite name → file stem under suites/. */
export const SUITES: Record<string, string> = {
  smoke: 'smoke.spec',
};

interface RunArgs extends ProviderArgs {
  suite: string[];
  grep?: string;
  out: string;
  'keep-cluster': boolean;
}

export function selectSuites(requested: string[]): string[] {
  const names = requested.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0 || names.includes('all')) return Object.keys(SUITES);
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
      .option('suite', { type: 'string', array: true, default: ['all'], describe: `suites to run, comma-separated (${Object.keys(SUITES).join(', ')}); default all` })
      .option('grep', { type: 'string', describe: 'only tests whose title matches (passed to Mocha --grep)' })
      .option('out', { type: 'string', default: 'reports', describe: 'folder for allure-results/, allure-report/, junit.xml' })
      .option('keep-cluster', { type: 'boolean', default: false, describe: 'leave the embedded cluster running afterwards' }) as never,
  handler: async (a) => {
    const ctx = commandContext();
    const suites = selectSuites(a.suite);
    const provider = makeProvider(a);
    const out = path.resolve(a.out);
    const resultsDir = path.join(out, 'allure-results');
    await fs.rm(resultsDir, { recursive: true, force: true });
    await fs.mkdir(resultsDir, { recursive: true });

    const local = provider instanceof LocalClusterProvider ? provider : undefined;
    const wasRunning = local ? Boolean((await readState(local.layout.stateFile))?.ready) : true;
    const cluster = await provider.create(ctx);
    const runId = newRunId();
    let failures = 0;
    try {
      process.env[ENV.kubeconfig] = cluster.kubeconfigPath;
      process.env[ENV.context] = cluster.context ?? '';
      process.env[ENV.runId] = runId;
      process.env[ENV.provider] = chosenProvider(a);
      failures = await ctx.progress.step(`suites ${suites.join(', ')} (run ${runId})`, async () => {
        const mocha = new Mocha({
          reporter: 'allure-mocha',
          reporterOptions: { resultsDir, extraReporters: [['spec', {}], ['xunit', { output: path.join(out, 'junit.xml') }]] },
          grep: a.grep,
          timeout: 600_000,
        });
        for (const s of suites) mocha.addFile(await suiteFile(SUITES[s]!));
        await mocha.loadFilesAsync();
        return new Promise<number>((resolve) => {
          const runner = mocha.run((f) => resolve(f));
          ctx.signal.addEventListener('abort', () => runner.abort());
        });
      });
    } finally {
      const deleted = await deleteRunNamespaces(cluster.kubeConfig(), runId).catch(() => []);
      if (deleted.length) ctx.progress.info(`deleted the run's namespaces: ${deleted.join(', ')}`);
      if (local && !wasRunning && !a['keep-cluster']) await local.destroy(ctx);
    }
    const reportDir = path.join(out, 'allure-report');
    await ctx.progress.step('Allure report', () => generateAllureReport(resultsDir, reportDir));
    ctx.progress.info(`report: ${path.join(reportDir, 'index.html')}\njunit:  ${path.join(out, 'junit.xml')}`);
    if (ctx.signal.aborted) throw new InitcError('interrupted', 'interrupted; the run\'s namespaces were deleted');
    if (failures > 0) throw new InitcError('testsFailed', `${failures} test(s) failed; see the report`);
  },
};

export async function generateAllureReport(resultsDir: string, reportDir: string): Promise<void> {
  const config = path.join(path.dirname(resultsDir), 'allurerc.json');
  await fs.writeFile(config, JSON.stringify({ name: 'initc', output: reportDir, plugins: { awesome: { options: { singleFile: true, reportName: 'initc' } } } }, null, 2));
  const allure = path.join(projectRoot(), 'node_modules', '.bin', 'allure');
  const r = await execa(allure, ['generate', resultsDir, '--config', config, '--output', reportDir], { reject: false });
  if (r.exitCode !== 0) throw new InitcError('componentFailed', `allure generate failed: ${String(r.stderr || r.stdout).trim().split('\n').pop()}`);
}
