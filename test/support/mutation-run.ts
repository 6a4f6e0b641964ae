/**
 * A Mocha root hook plugin for the mutation run only (stryker.mocharc.yml requires it). StrykerJS
 * activates a mutant inside the test process (a global the instrumented code reads); a process a
 * test starts (the initc CLI through tsx) runs the code with no mutant active, so such a test can
 * never kill one. It only costs time: Stryker runs every test for each static mutant (one whose
 * code runs at module load), and each CLI start is 3–5 s. Under this plugin `skipInMutationRun`
 * marks the test skipped instead; the plain unit run (`npm run test:unit`) never loads it, so
 * there the same tests run as always.
 */
import type { Context, Test } from 'mocha';

/**
 * Kept on globalThis: Mocha loads this plugin with require() and the tests import it, which under
 * tsx may be two instances of the module.
 */
interface MutationRunState {
  current?: Test;
}
const KEY = Symbol.for('initc.mutationRun');
const state = () => (globalThis as { [KEY]?: MutationRunState })[KEY];

export const mochaHooks = {
  beforeAll(): void {
    (globalThis as { [KEY]?: MutationRunState })[KEY] = {};
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
