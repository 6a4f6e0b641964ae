/**
 * `initc compare`: runs side by side, one column each: runs made elsewhere (`--from DIR...`, one
 * per CI job of a version matrix), or runs it makes itself (`--versions 1.34,1.36` on embedded
 * clusters or kind side by side, `--context a,b` of a kubeconfig): compare.html, compare.md and compare.json in --out.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { InitcError } from '../errors.js';
import { compareRuns, loadRun } from '../report/compare.js';
import { COMPARISON_FILES, writeComparison } from '../report/compare-files.js';
import type { ComparisonFiles } from '../report/compare-files.js';
import { currentOwner, refuseLiveOwner } from '../report/out-folder.js';
import { suitesRevision } from '../report/revision.js';
import { isProcessAlive, processStartTime } from '../util/proc.js';
import { commandContext } from './context.js';
import { nodeCount, nodesOption, settingsOptions } from './providers.js';
import { clusterSettings, gatesFlag, isDefaultSettings, kubeletSettingsArgs } from '../cluster/features.js';
import type { ClusterSettings } from '../cluster/features.js';

/** The settings as `initc run` flags. */
const settingsArgs = (s: ClusterSettings) => [...(Object.keys(s.featureGates).length ? ['--feature-gates', gatesFlag(s.featureGates), '--only-known-gates'] : []), ...kubeletSettingsArgs(s.kubelet).flatMap((kv) => ['--kubelet-config', kv])];
import type { CommandContext } from './context.js';
import { nonEmpty, nonEmptyList, positiveInteger, regexValue } from './validate.js';
import { executeRuns, planRuns, runsVerdict } from './compare-runs.js';
import { PINNED_PATCHES, resolveKubeVersion } from './providers.js';
import { newSeed } from '../chaos/random.js';
import { exists } from '../util/fsx.js';

/** A run folder that holds at least one test result (a run that broke before any test has none). */
const hasResults = async (out: string) => (await exists(path.join(out, 'results.json'))) || (await fs.readdir(path.join(out, 'allure-results')).then((f) => f.some((x) => x.endsWith('-result.json')), () => false));

/**
 * The folder of a comparison that makes its runs is the comparison's: a live run of another
 * comparison in its runs/ refuses it; otherwise runs/ goes whole, so no column can be an earlier
 * comparison's run.
 */
async function claimComparisonFolder(out: string, ctx: CommandContext): Promise<void> {
  const runs = path.join(out, 'runs');
  const owner = currentOwner((await processStartTime(process.pid)) ?? '');
  for (const name of await fs.readdir(runs).catch(() => [] as string[])) await refuseLiveOwner(path.join(runs, name), owner, isProcessAlive);
  if (await exists(runs)) ctx.progress.info(`--out ${out}: removed the runs an earlier comparison made (runs/)`);
  await fs.rm(runs, { recursive: true, force: true });
}

/** A comparison's pages are rewritten by every comparison, or removed: one that fails leaves none of an earlier one. */
async function removeComparisonFiles(out: string): Promise<void> {
  for (const f of COMPARISON_FILES) await fs.rm(path.join(out, f), { force: true });
}

interface CompareArgs {
  from?: string[];
  versions?: string[];
  context?: string[];
  provider?: 'local' | 'kind';
  kubeconfig?: string;
  suite?: string[];
  grep?: string;
  chaos: boolean;
  seed?: number;
  out: string;
  'feature-gates'?: string[];
  'kubelet-config'?: string[];
  nodes?: number;
}

/**
 * Compares the runs in `folders` (each a run's --out folder: results.json, or allure-results/)
 * into `outDir`. Whatever produces the runs (`--from`, or runs it starts itself) ends here.
 */
export async function compareRunFolders(folders: string[], outDir: string, ctx: CommandContext): Promise<ComparisonFiles> {
  let revision: Promise<string> | undefined;
  const runs = [];
  for (const folder of folders) runs.push(await loadRun(folder, () => (revision ??= suitesRevision())));
  if (runs.length < 2) ctx.progress.info(`only one run to compare (${folders[0]}): its column stands alone`);
  const comparison = compareRuns(runs, outDir);
  const files = await writeComparison(comparison, outDir);
  ctx.progress.info(`${comparison.columns.map((c) => c.label).join(' vs ')}: ${comparison.summary.differing} of ${comparison.summary.tests} tests differ`);
  ctx.progress.info(`html:     ${files.html}\nmarkdown: ${files.markdown}\njson:     ${files.json}`);
  return files;
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare',
  describe: 'compare runs side by side (one column per Kubernetes version): compare.html, compare.md, compare.json',
  builder: (y) =>
    y
      .option('from', { type: 'string', array: true, coerce: nonEmptyList('--from'), describe: 'run folders to compare, one column each: a run\'s --out folder (results.json or allure-results/)' })
      .option('versions', { type: 'string', array: true, coerce: nonEmptyList('--versions'), describe: `Kubernetes versions to run and compare, comma-separated (${Object.keys(PINNED_PATCHES).join(', ')}): side by side, each on an embedded cluster of its own (or on kind with --provider kind)` })
      .option('provider', { choices: ['local', 'kind'] as const, describe: 'where --versions run: local (the embedded cluster, default) or kind' })
      .option('context', { type: 'string', array: true, coerce: nonEmptyList('--context'), describe: 'kubeconfig contexts to run and compare, comma-separated (existing clusters, side by side)' })
      .option('kubeconfig', { type: 'string', requiresArg: true, coerce: nonEmpty('--kubeconfig'), describe: 'the kubeconfig of --context (default $KUBECONFIG or ~/.kube/config)' })
      .option('suite', { type: 'string', array: true, coerce: nonEmptyList('--suite'), describe: 'suites each run runs (as initc run --suite)' })
      .option('feature-gates', { ...settingsOptions['feature-gates'], describe: 'with --versions: the same feature gates on every version\'s cluster, each where the release knows it (the features table says which each ran with)' })
      .option('kubelet-config', { ...settingsOptions['kubelet-config'], describe: 'with --versions: the same kubelet field on every version\'s cluster (FIELD=VALUE, repeatable)' })
      .option('nodes', { ...nodesOption, describe: 'with --versions: nodes of every version\'s cluster (as initc run --nodes)' })
      .option('grep', { type: 'string', requiresArg: true, coerce: regexValue('--grep'), describe: 'only tests whose title matches (as initc run --grep)' })
      .option('chaos', { type: 'boolean', default: true, describe: 'include the chaos suites (--no-chaos leaves them out)' })
      .option('seed', { type: 'string', requiresArg: true, coerce: positiveInteger('--seed'), describe: 'one chaos seed for every run, so their random choices are the same' })
      .option('out', { type: 'string', requiresArg: true, default: path.join('reports', 'compare'), coerce: nonEmpty('--out'), describe: 'folder for compare.html, compare.md and compare.json (and runs/, the runs it made)' }) as never,
  handler: async (a) => {
    const sources = [a.from?.length && '--from', a.versions?.length && '--versions', a.context?.length && '--context'].filter(Boolean);
    if (sources.length !== 1) throw new InitcError('usage', sources.length ? `${sources.join(' and ')} do not go together: compare runs made elsewhere, or versions, or contexts` : 'name what to compare: --from DIR..., --versions 1.34,1.36 or --context a,b');
    if (a.provider && !a.versions?.length) throw new InitcError('usage', '--provider goes with --versions');
    if (a.kubeconfig && !a.context?.length) throw new InitcError('usage', '--kubeconfig goes with --context');
    const settings = clusterSettings(a);
    if (!isDefaultSettings(settings) && !a.versions?.length) throw new InitcError('usage', '--feature-gates and --kubelet-config go with --versions (the clusters compare starts)');
    const nodes = nodeCount(a);
    if (nodes !== undefined && !a.versions?.length) throw new InitcError('usage', '--nodes goes with --versions (the clusters compare starts)');
    const ctx = commandContext();
    const out = path.resolve(a.out);
    await removeComparisonFiles(out);
    if (a.from?.length) {
      await compareRunFolders(a.from, out, ctx);
      return;
    }
    const split = (xs: string[] | undefined) => [...new Set((xs ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean))];
    const versions = split(a.versions);
    const seen = new Map<string, string>();
    for (const v of versions) {
      const git = resolveKubeVersion(v).gitVersion; // an unknown version is refused before anything starts
      if (seen.has(git)) throw new InitcError('usage', `--versions names ${git} twice (${seen.get(git)} and ${v})`);
      seen.set(git, v);
    }
    const contexts = split(a.context);
    if (versions.length + contexts.length < 2) throw new InitcError('usage', 'name at least two versions or contexts to compare');
    const seed = a.seed ?? newSeed();
    const passThrough = [...settingsArgs(settings), ...(a.suite ? ['--suite', a.suite.join(',')] : []), ...(a.grep ? ['--grep', a.grep] : []), ...(a.chaos ? [] : ['--no-chaos']), ...(nodes !== undefined ? ['--nodes', String(nodes)] : []), '--seed', String(seed)];
    const plan = planRuns({ versions, contexts, provider: a.provider ?? 'local', kubeconfig: a.kubeconfig, passThrough, tag: randomBytes(2).toString('hex') });
    ctx.progress.info(`${plan.runs.length} runs side by side, chaos seed ${seed}`);
    await claimComparisonFolder(out, ctx);
    const finished = await executeRuns(plan, path.join(out, 'runs'), ctx.progress, ctx.signal);
    if (ctx.signal.aborted) throw new InitcError('interrupted', 'interrupted; each run stopped what it had started');
    const withResults = [];
    for (const r of finished) if (await hasResults(r.out)) withResults.push(r.out);
    if (withResults.length) await compareRunFolders(withResults, out, ctx);
    const verdict = runsVerdict(finished);
    if (verdict) throw verdict;
  },
};
