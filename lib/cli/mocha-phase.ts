/**
 * One phase of `initc run`: suite files run by Mocha in this process (in parallel workers when
 * there are several), writing Allure results and a JUnit part; and the parts joined at the end.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import { exists } from '../util/fsx.js';
import { projectRoot } from '../util/paths.js';

/** The file of a suite (its stem under suites/): compiled when this runs from dist/, else the source. */
export async function suiteFile(stem: string): Promise<string> {
  // Compiled (dist/) runs load .js; under tsx the sources are loaded as they are.
  const here = path.dirname(new URL(import.meta.url).pathname);
  const compiled = path.join(here, '..', '..', 'suites', `${stem}.js`);
  if (await exists(compiled)) return compiled;
  return path.join(projectRoot(), 'suites', `${stem}.ts`);
}

export interface MochaPhase {
  resultsDir: string;
  environmentInfo: Record<string, string>;
  junit: string;
  grep?: string;
  jobs: number;
  signal: AbortSignal;
}

/** Runs suite files (stems under suites/) with Mocha (in parallel workers when jobs > 1); resolves with the failure count. */
export async function runMocha(files: string[], o: MochaPhase): Promise<number> {
  const parallel = files.length > 1 && o.jobs > 1;
  const mocha = new Mocha({
    reporter: 'allure-mocha',
    reporterOptions: { resultsDir: o.resultsDir, environmentInfo: o.environmentInfo, extraReporters: [['spec', {}], ['xunit', { output: o.junit }]] },
    grep: o.grep,
    timeout: 600_000,
    parallel,
    jobs: o.jobs,
  });
  for (const f of files) mocha.addFile(await suiteFile(f));
  if (!parallel) await mocha.loadFilesAsync();
  return new Promise<number>((resolve) => {
    const runner = mocha.run((failures) => resolve(failures));
    // An aborted parallel run may never call back: stop waiting for it and clean up.
    o.signal.addEventListener('abort', () => {
      runner.abort();
      resolve(0);
    });
  });
}

/** Joins the phases' JUnit files (one <testsuite> each, from Mocha's xunit reporter) into one <testsuites> file. */
export async function mergeJUnit(parts: string[], out: string): Promise<void> {
  const suites: string[] = [];
  for (const p of parts) {
    const xml = await fs.readFile(p, 'utf8').catch(() => '');
    suites.push(...(xml.match(/<testsuite[\s\S]*?<\/testsuite>/g) ?? []));
    await fs.rm(p, { force: true });
  }
  await fs.writeFile(out, `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join('\n')}\n</testsuites>\n`);
}
