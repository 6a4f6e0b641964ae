/**
 * A Mocha root hook plugin for the mutation run only (stryker.mocharc.yml requires it). StrykerJS
 * activates a mutant inside the test process (a global the instrumented code reads); a process a
 * test starts (the initc CLI through tsx) runs the code with no mutant active, so such a test can
 * never kill one. It only costs time: Stryker runs every test for each static mutant (one whose
 * code runs at module load), and each CLI start is 3–5 s. Under this plugin `skipInMutationRun`
 * marks the test skipped instead; the plain unit run (`npm run test:unit`) never loads it, so
 * there the same tests run as always.
 *
 * It also caps each test's time at TEST_TIMEOUT_MS. Every test of the mutation run takes under a
 * second; a mutant that leaves a promise unsettled (a wait that never ends) would otherwise hang
 * its test until Stryker's own timeout (5 s and more, then a new test process: 10 s or more each),
 * where a failed test kills it at once and keeps the process.
 */
import type { Context, Runnable, Suite, Test } from 'mocha';

/**
 * Kept on globalThis: Mocha loads this plugin with require() and the tests import it, which under
 * tsx may be two instances of the module.
 */
interface MutationRunState {
  current?: Test;
}
const KEY = Symbol.for('initc.mutationRun');
const state = () => (globalThis as { [KEY]?: MutationRunState })[KEY];

export const TEST_TIMEOUT_MS = 4000;

function capTimeouts(suite: Suite): void {
  const cap = (r: Runnable | Suite) => {
    if (r.timeout() === 0 || r.timeout() > TEST_TIMEOUT_MS) r.timeout(TEST_TIMEOUT_MS);
  };
  const hooks = suite as unknown as Record<'_beforeAll' | '_beforeEach' | '_afterEach' | '_afterAll', Runnable[]>;
  cap(suite);
  for (const r of [...suite.tests, ...hooks._beforeAll, ...hooks._beforeEach, ...hooks._afterEach, ...hooks._afterAll]) cap(r);
  for (const child of suite.suites) capTimeouts(child);
}

export const mochaHooks = {
  beforeAll(this: Context): void {
    (globalThis as { [KEY]?: MutationRunState })[KEY] = {};
    // Stryker's runner turns Mocha's timeouts off (0): every test and hook gets the cap again.
    let root = this.test?.parent;
    while (root?.parent) root = root.parent;
    if (root) capTimeouts(root);
  },
  beforeEach(this: Context): void {
    state()!.current = this.currentTest;
  },
  afterEach(): void {
    state()!.current = undefined;
  },
};

/**
 * In the mutation run, skips the running test (Mocha's skip: reported pending, counting for
 * nothing); elsewhere, or outside a test (in a hook), does nothing.
 */
export function skipInMutationRun(): void {
  state()?.current?.skip();
}
