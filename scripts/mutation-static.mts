/**
 * The static mutants, run once each in a pass of their own. A static mutant changes code that runs
 * when its module loads (a module-level constant or arrow function), so no test covers it and
 * Stryker would rerun every unit test in a fresh test process for each one: most of a run's time.
 * stryker.config.mjs sets `ignoreStatic` (Stryker then marks them Ignored) and keeps its sandbox;
 * this pass runs each such mutant in that sandbox (the instrumented code activates the mutant named
 * by __STRYKER_ACTIVE_MUTANT__ when it loads) with the unit tests that import its module (those
 * importing it themselves first; if all pass, those importing it through other modules), and
 * records Killed (a test failed), Timeout or Survived in the report.
 * A mutant that no unit test file imports stays NoCoverage.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

interface StaticMutant {
  id: string;
  static?: boolean;
  status: string;
  statusReason?: string;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(m?ts)$/.test(name)) out.push(p);
  }
  return out;
}

/** Each module's importers, over every TypeScript file of the sandbox (relative imports only). */
function importersOf(root: string): Map<string, Set<string>> {
  const importers = new Map<string, Set<string>>();
  for (const file of walk(root)) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec).replace(/\.m?js$/, (ext) => (ext === '.mjs' ? '.mts' : '.ts'));
      if (!existsSync(target)) continue;
      if (!importers.has(target)) importers.set(target, new Set());
      importers.get(target)!.add(file);
    }
  }
  return importers;
}

/**
 * The unit test files (of `specs`) that load `module`: those that import it themselves first (they
 * kill most static mutants, and a few files load quickly), then those that load it through other
 * modules.
 */
function testsLoading(module: string, importers: Map<string, Set<string>>, specs: Set<string>): string[][] {
  const seen = new Set([module]);
  const queue = [module];
  while (queue.length) for (const by of importers.get(queue.pop()!) ?? []) if (!seen.has(by)) (seen.add(by), queue.push(by));
  const direct = [...(importers.get(module) ?? [])].filter((f) => specs.has(f)).sort();
  const through = [...seen].filter((f) => specs.has(f) && !direct.includes(f)).sort();
  return [direct, through].filter((group) => group.length);
}

function runOnce(sandbox: string, id: string, tests: string[], timeoutMs: number): Promise<'Killed' | 'Survived' | 'Timeout'> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import=tsx', path.join(sandbox, 'node_modules/mocha/bin/mocha.js'), '--no-config', '--require', 'test/support/mutation-run.ts', '--bail', '--timeout', '20000', '--reporter', 'dot', ...tests.map((t) => path.relative(sandbox, t))],
      { cwd: sandbox, env: { ...process.env, __STRYKER_ACTIVE_MUTANT__: id }, stdio: 'ignore', detached: true },
    );
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      resolve('Timeout');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? 'Survived' : 'Killed');
    });
  });
}

/**
 * Runs every mutant Stryker ignored as static (in `files`, the JSON report's, keyed by path
 * relative to the sandbox) and sets its status. `specs` are the unit test files of the mutation
 * run (absolute, in the sandbox). Returns how many ran.
 */
export async function runStaticMutants(
  sandbox: string,
  files: Record<string, { mutants: StaticMutant[] }>,
  specs: string[],
  concurrency: number,
  timeoutMs = 120_000,
): Promise<number> {
  const importers = importersOf(sandbox);
  const specSet = new Set(specs);
  const work: Array<{ m: StaticMutant; groups: string[][] }> = [];
  for (const [file, f] of Object.entries(files)) {
    const groups = testsLoading(path.join(sandbox, file), importers, specSet);
    for (const m of f.mutants.filter((x) => x.static && x.status === 'Ignored')) {
      if (!groups.length) {
        m.status = 'NoCoverage';
        m.statusReason = 'static: no unit test file loads this module';
      } else work.push({ m, groups });
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const { m, groups } = work[next++]!;
      let status: Awaited<ReturnType<typeof runOnce>> = 'Survived';
      for (const tests of groups) if ((status = await runOnce(sandbox, m.id, tests, timeoutMs)) !== 'Survived') break;
      m.status = status;
      m.statusReason = `static: run once in a fresh process with the ${groups.flat().length} test file(s) that load its module`;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return work.length;
}
