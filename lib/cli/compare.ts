/**
 * `initc compare --from DIR...`: runs made elsewhere (one per version, one per CI job of a matrix)
 * side by side: compare.html, compare.md and compare.json in --out.
 */
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { InitcError } from '../errors.js';
import { compareRuns, loadRun, writeComparison } from '../report/compare.js';
import type { ComparisonFiles } from '../report/compare.js';
import { suitesRevision } from '../report/model.js';
import { commandContext } from './context.js';
import type { CommandContext } from './context.js';
import { nonEmpty, nonEmptyList } from './validate.js';

interface CompareArgs {
  from?: string[];
  out: string;
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
      .option('out', { type: 'string', requiresArg: true, default: path.join('reports', 'compare'), coerce: nonEmpty('--out'), describe: 'folder for compare.html, compare.md and compare.json' }) as never,
  handler: async (a) => {
    if (!a.from?.length) throw new InitcError('usage', 'name the runs to compare: --from DIR...');
    await compareRunFolders(a.from, path.resolve(a.out), commandContext());
  },
};
