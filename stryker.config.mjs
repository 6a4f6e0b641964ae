// @ts-check
/**
 * Mutation testing (StrykerJS 9.6.1; 10.x needs Node 22) of the pure checks and of the STATUS and
 * wait logic. Run it with `npm run mutation` (scripts/mutation), which also prints per-file scores
 * with the equivalent mutants of test/mutation-equivalents.json taken out, and fails under 95 %.
 * Only unit tests that neither start processes nor touch the host or a cluster run here (see
 * stryker.mocharc.yml).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  // The tests are TypeScript run through tsx; Stryker's mocha runner ignores mocha's node-option.
  testRunnerNodeArgs: ['--import=tsx'],
  mochaOptions: {
    // A mocha config of its own (spec, and the unit tests left out because they start processes or
    // touch the host), so that mocha does not read .mocharc.yml, whose spec includes the integration
    // test that starts the embedded cluster. `config: false` is refused by 9.6.1.
    config: 'stryker.mocharc.yml',
  },
  mutate: ['lib/checks/**/*.ts', 'lib/observe/status.ts', 'lib/observe/wait.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // A re-run after a small change only tests the mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['html', 'clear-text', 'progress', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false },
  // scripts/mutation decides pass/fail (it knows the listed equivalents); Stryker itself never breaks.
  thresholds: { high: 95, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
