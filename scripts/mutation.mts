/**
 * Runs StrykerJS (stryker.config.mjs; incremental, so a re-run after a small change is quick), then
 * the static mutants it leaves aside (scripts/mutation-static.mts: each once, in a fresh process
 * with the unit test files that load its module), then reads Stryker's JSON report
 * (reports/mutation/mutation.json) and prints one line per mutated file and one per folder with
 * its score:
 *
 *   (killed + timeout) / (all − ignored − invalid − listed equivalents)
 *
 * where "invalid" are the mutants Stryker itself leaves out of its score (CompileError,
 * RuntimeError) and "listed equivalents" are the surviving (or uncovered) mutants named in
 * test/mutation-equivalents.json, matched by file + mutator + line + replacement (and column when
 * the entry gives one). A listed mutant that is now killed or no longer exists is a stale entry:
 * warned about, not counted. A static mutant that was not run counts as not covered. Exits 1 when
 * the total is under 95 %, 2 when Stryker failed.
 *
 *   scripts/mutation                 # run Stryker and the static mutants, then score
 *   scripts/mutation --report-only   # score the last report without running anything
 *   scripts/mutation --force         # extra flags go to `stryker run` (here: ignore the incremental file)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yaml from 'js-yaml';
import { runStaticMutants } from './mutation-static.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = path.join(root, 'stryker.config.mjs');
const config = (
  (await import(pathToFileURL(CONFIG).href)) as {
    default: { incrementalFile: string; jsonReporter: { fileName: string }; htmlReporter: { fileName: string }; tempDirName: string; concurrency: number; mochaOptions: { config: string } };
  }
).default;
const REPORT = path.join(root, config.jsonReporter.fileName);
const EQUIVALENTS = path.join(root, 'test/mutation-equivalents.json');
const THRESHOLD = 95;
/** The folders of verdict code: each gets a subtotal line, and a line saying so when none of its files was mutated. */
const FOLDERS = ['lib/checks', 'lib/check', 'lib/report', 'lib/chaos', 'lib/observe', 'lib/pod', 'lib/scenario', 'lib/cli'];

type Status = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';
interface Mutant {
  id: string;
  mutatorName: string;
  static?: boolean;
  replacement?: string;
  status: Status;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}
interface Equivalent {
  file: string;
  line: number;
  /** 1-based, as Stryker's reports show it; only needed when two mutants share file, mutator, line and replacement. */
  column?: number;
  mutator: string;
  replacement: string;
  /** Optional: the code the mutant replaces, for the reader. */
  original?: string;
  why: string;
}

/** The unit test files of the mutation run in `dir` (stryker.mocharc.yml: test/unit/**\/*.test.ts but its `ignore`). */
function unitTestFiles(dir: string): string[] {
  const mocharc = yaml.load(readFileSync(path.join(root, config.mochaOptions.config), 'utf8')) as { ignore?: string[] };
  const ignored = new Set((mocharc.ignore ?? []).map((f) => path.join(dir, f)));
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, name.name);
      if (name.isDirectory()) walk(p);
      else if (name.name.endsWith('.test.ts') && !ignored.has(p)) out.push(p);
    }
  };
  walk(path.join(dir, 'test', 'unit'));
  return out;
}

const args = process.argv.slice(2);
const reportOnly = args.includes('--report-only');
const strykerArgs = args.filter((a) => a !== '--report-only');

const TEMP = path.join(root, config.tempDirName);
const started = Date.now();
if (!reportOnly) {
  // The sandbox Stryker keeps (cleanTempDir: false) is where the static mutants run afterwards.
  rmSync(TEMP, { recursive: true, force: true });
  const r = spawnSync(path.join(root, 'node_modules/.bin/stryker'), ['run', path.relative(root, CONFIG), ...strykerArgs], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[mutation] stryker run failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
    process.exit(2);
  }
  const sandboxes = existsSync(TEMP) ? readdirSync(TEMP).filter((d) => d.startsWith('sandbox-')) : [];
  if (sandboxes.length !== 1) {
    console.error(`[mutation] expected one Stryker sandbox in ${config.tempDirName}, found ${sandboxes.length}: the static mutants cannot run`);
    process.exit(2);
  }
  const sandbox = path.join(TEMP, sandboxes[0]!);
  const report = JSON.parse(readFileSync(REPORT, 'utf8')) as Report;
  const staticStarted = Date.now();
  const staticRan = await runStaticMutants(sandbox, report.files, unitTestFiles(sandbox), config.concurrency);
  console.log(`[mutation] ran ${staticRan} static mutant(s) once each in ${((Date.now() - staticStarted) / 1000).toFixed(0)} s`);
  writeFileSync(REPORT, JSON.stringify(report));
  rmSync(TEMP, { recursive: true, force: true });
}

const report = JSON.parse(readFileSync(REPORT, 'utf8')) as Report;
// A static mutant Stryker ignored and the static pass did not run (a report of an interrupted run): not tested, so not detected.
for (const f of Object.values(report.files)) for (const m of f.mutants) if (m.static && m.status === 'Ignored') m.status = 'NoCoverage';
const equivalents = JSON.parse(readFileSync(EQUIVALENTS, 'utf8')) as Equivalent[];
const sameMutant = (e: Equivalent, file: string, m: Mutant) =>
  e.file === file && e.mutator === m.mutatorName && e.line === m.location.start.line && e.replacement === m.replacement && (e.column === undefined || e.column === m.location.start.column + 1);
const alive = (m: Mutant) => m.status === 'Survived' || m.status === 'NoCoverage';
const invalid = (m: Mutant) => m.status === 'CompileError' || m.status === 'RuntimeError';
const describe = (e: Equivalent) => `${e.file}:${e.line}${e.column ? `:${e.column}` : ''} ${e.mutator} → ${e.replacement.replace(/\s+/g, ' ')}`;

const pct = (n: number, d: number) => (d === 0 ? 100 : (100 * n) / d);
const fmt = (n: number) => `${n.toFixed(2).padStart(6)} %`;
const warnings: string[] = [];
const listed = new Set<Mutant>();
const equivalentLines: string[] = [];
for (const e of equivalents) {
  const matches = Object.entries(report.files).flatMap(([file, f]) => f.mutants.filter((m) => sameMutant(e, file, m)));
  const surviving = matches.filter(alive);
  // A file left out of this run (`--mutate` naming others) makes no entry of it stale.
  if (!(e.file in report.files)) continue;
  if (matches.length === 0) warnings.push(`stale equivalent (no such mutant any more): ${describe(e)}`);
  else if (surviving.length === 0) warnings.push(`stale equivalent (now ${matches.map((m) => m.status).join(', ')}): ${describe(e)}`);
  else {
    if (matches.length > 1) warnings.push(`ambiguous equivalent (${matches.length} mutants match; give "column"): ${describe(e)}`);
    for (const m of surviving) listed.add(m);
    equivalentLines.push(`  ${describe(e)}: ${e.why}`);
  }
}

interface Tally {
  detected: number;
  denominator: number;
  survived: number;
  noCoverage: number;
  equivalent: number;
  ignored: number;
  invalid: number;
}
const tally = (mutants: Mutant[]): Tally => {
  const count = (p: (m: Mutant) => boolean) => mutants.filter(p).length;
  const t = {
    detected: count((m) => m.status === 'Killed' || m.status === 'Timeout'),
    survived: count((m) => m.status === 'Survived' && !listed.has(m)),
    noCoverage: count((m) => m.status === 'NoCoverage' && !listed.has(m)),
    equivalent: count((m) => listed.has(m)),
    ignored: count((m) => m.status === 'Ignored'),
    invalid: count(invalid),
  };
  return { ...t, denominator: mutants.length - t.ignored - t.invalid - t.equivalent };
};
const scoreLine = (name: string, t: Tally) =>
  `${fmt(pct(t.detected, t.denominator))}  ${name}  (${t.detected}/${t.denominator} detected; ${t.survived} survived, ${t.noCoverage} no coverage, ${t.equivalent} equivalent${t.ignored ? `, ${t.ignored} ignored` : ''}${t.invalid ? `, ${t.invalid} invalid` : ''})`;

const files = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b));
const total = tally(files.flatMap(([, f]) => f.mutants));
const rows = files.map(([file, f]) => scoreLine(file, tally(f.mutants)));
// The folders of verdict code (stryker.config.mjs); one with no file mutated says so rather than vanish.
const inFolder = (folder: string, file: string) => file.startsWith(`${folder}/`);
const folders = [...new Set([...FOLDERS, ...files.map(([file]) => path.posix.dirname(file))])].sort();
const folderRows = folders.map((folder) => {
  const mutants = files.filter(([file]) => inFolder(folder, file)).flatMap(([, f]) => f.mutants);
  return mutants.length ? scoreLine(`${folder}/`, tally(mutants)) : `     -    ${folder}/  (no file mutated)`;
});
const staticMutants = files.flatMap(([, f]) => f.mutants).filter((m) => m.static).length;

const survivors: string[] = [];
for (const [file, f] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const lines = f.source.split('\n');
  const original = ({ start, end }: Mutant['location']) =>
    start.line === end.line ? lines[start.line - 1]!.slice(start.column - 1, end.column - 1) : `${lines[start.line - 1]!.slice(start.column - 1)} … ${lines[end.line - 1]!.slice(0, end.column - 1)}`;
  const oneLine = (t: string) => {
    const s = t.replace(/\s+/g, ' ').trim();
    return s.length > 90 ? `${s.slice(0, 87)}...` : s;
  };
  for (const m of f.mutants.filter((x) => alive(x) && !listed.has(x)).sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column))
    survivors.push(`  ${file}:${m.location.start.line}:${m.location.start.column + 1} ${m.status === 'NoCoverage' ? '(no coverage) ' : ''}${m.mutatorName} ${oneLine(original(m.location))} → ${oneLine(m.replacement ?? '')}`);
}

const totalPct = pct(total.detected, total.denominator);
if (survivors.length) console.log(`\nSurviving mutants (${survivors.length}; list an equivalent one in test/mutation-equivalents.json with why):\n${survivors.join('\n')}`);
console.log('\nMutation score per file ((killed + timeout) / (all − ignored − invalid − listed equivalents)):');
for (const r of rows) console.log(r);
console.log('\nPer folder:');
for (const r of folderRows) console.log(r);
console.log(`${scoreLine('total', total)}; threshold ${THRESHOLD} %`);
console.log(`Static mutants (code run at module load; each ran once in a fresh process with the test files that load its module): ${staticMutants}`);
if (equivalentLines.length) console.log(`\nListed equivalents taken out (${listed.size} mutants, test/mutation-equivalents.json):\n${equivalentLines.join('\n')}`);
for (const w of warnings) console.warn(`[mutation] warning: ${w}`);
console.log(`\nReports: ${config.htmlReporter.fileName}, ${config.jsonReporter.fileName}; ${reportOnly ? 'scored' : 'ran'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (totalPct < THRESHOLD) {
  console.log(`[mutation] FAIL: total ${totalPct.toFixed(2)} % is under ${THRESHOLD} %`);
  process.exit(1);
}
