/**
 * The tests a run will run, known before it starts: its suite files loaded into a Mocha instance of
 * their own (never run), walked with the run's --grep. Each file is imported under a URL of its
 * own (a query), so this load does not stand in for the run's own later load of the same file.
 */
import { pathToFileURL } from 'node:url';
import Mocha from 'mocha';
import { plannedTests } from '../report/plan.js';
import type { PlannedTest } from '../report/plan.js';

/** The globals Mocha's BDD interface sets on pre-require, put back afterwards. */
const MOCHA_GLOBALS = ['describe', 'context', 'it', 'specify', 'xdescribe', 'xcontext', 'xit', 'xspecify', 'before', 'after', 'beforeEach', 'afterEach', 'run'] as const;

let loads = 0;

export async function planSuiteFiles(files: string[], grep?: string): Promise<PlannedTest[]> {
  const mocha = new Mocha({});
  const scope = globalThis as Record<string, unknown>;
  const saved = MOCHA_GLOBALS.map((k) => [k, scope[k]] as const);
  const tag = `initc-plan=${process.pid}-${++loads}`;
  try {
    for (const file of files) {
      mocha.suite.emit('pre-require', globalThis, file, mocha);
      const exported: unknown = await import(`${pathToFileURL(file).href}?${tag}`);
      mocha.suite.emit('require', exported, file, mocha);
      mocha.suite.emit('post-require', globalThis, file, mocha);
    }
  } finally {
    for (const [k, v] of saved) scope[k] = v;
  }
  return plannedTests(mocha.suite, grep);
}
