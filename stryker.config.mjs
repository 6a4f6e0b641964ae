// @ts-check
/**
 * Mutation testing (StrykerJS 9.6.1; 10.x needs Node 22) of the code that decides a verdict. Run
 * it with `npm run mutation` (scripts/mutation), which also prints per-file and per-folder scores
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
  // Every module that decides a verdict, or the evidence one is decided on. A new file in these
  // folders is in by default; each exclusion says why it decides nothing.
  mutate: [
    'lib/checks/**/*.ts',
    'lib/observe/**/*.ts',
    'lib/pod/ledger.ts',
    'lib/check/**/*.ts',
    // the cluster side of `initc check`: applying objects, exec'ing the probe and nslookup, the
    // Mocha/Allure frame and the test sequence; what they observe is judged in verdicts.ts,
    // outcome.ts, findings.ts and diagnose.ts
    '!lib/check/apply.ts',
    '!lib/check/outage.ts',
    '!lib/check/harness.ts',
    '!lib/check/suite.ts',
    'lib/report/**/*.ts',
    // runs the allure CLI; the page layout of compare.html (its words come from markdown.ts)
    '!lib/report/allure.ts',
    '!lib/report/html.ts',
    'lib/chaos/**/*.ts',
    // deletes and re-creates a Service through the API; the seeded random source picks moments
    '!lib/chaos/service-outage.ts',
    '!lib/chaos/random.ts',
    // kit.ts and its helpers drive the cluster (namespaces, pods, waits, evidence); the verdict
    // handling taken out of kit.ts into a pure module of its own is in by default
    'lib/scenario/**/*.ts',
    '!lib/scenario/features.ts',
    '!lib/scenario/fixture-check.ts',
    '!lib/scenario/kit.ts',
    '!lib/scenario/liveness.ts',
    '!lib/scenario/namespace.ts',
    '!lib/scenario/pod-run.ts',
  ],
  coverageAnalysis: 'perTest',
  // A static mutant (code run at module load) would make Stryker rerun every unit test in a fresh
  // test process. Stryker marks them Ignored instead, and scripts/mutation runs each once in the
  // sandbox kept for it (cleanTempDir: false), with only the test files that load its module.
  // A mutant covered both at load and by tests runs with those tests, as any other.
  ignoreStatic: true,
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
  cleanTempDir: false,
};
