/**
 * The one-screen summary, the run's exit verdict (lib/report/results.ts) and JUnit XML
 * (lib/report/junit.ts) on small hand-made results, exactly: every branch the recorded runs
 * (report-golden.test.ts) do not reach — broken tests, results without a message or labels, two
 * tests of one suite, long suite names, and each way a run fails.
 */
import { expect } from 'chai';
import { ExitCode } from '../../lib/errors.js';
import { junitXml } from '../../lib/report/junit.js';
import type { ResultFile } from '../../lib/report/results.js';
import { formatSummary, runVerdict, suiteOf } from '../../lib/report/results.js';

function result(name: string, status: string, o: { suite?: string; label?: string; start?: number; stop?: number; message?: string } = {}): ResultFile {
  const start = o.start ?? 1000;
  return {
    name,
    status,
    start,
    stop: o.stop ?? start + 1500,
    ...(o.message === undefined ? {} : { statusDetails: { message: o.message } }),
    labels: o.suite === undefined ? [] : [{ name: o.label ?? 'parentSuite', value: o.suite }],
  };
}

describe('report results: suite, summary and the run verdict, exactly', () => {
  it('a result belongs to its parentSuite or suite label up to the colon, else to its name up to the colon', () => {
    expect(suiteOf(result('t', 'passed', { suite: 'order: runs in order' }))).to.equal('order');
    expect(suiteOf(result('t', 'passed', { suite: 'never: fails', label: 'suite' }))).to.equal('never');
    expect(suiteOf({ ...result('t', 'passed'), labels: [{ name: 'host', value: 'h: x' }, { name: 'suite', value: 'slow: y' }] })).to.equal('slow');
    expect(suiteOf(result('flaky: fails twice', 'passed'))).to.equal('flaky');
    expect(suiteOf({ ...result('t', 'passed'), labels: [{ name: 'host', value: 'h: x' }] })).to.equal('t');
  });

  it('counts each status per suite, widens for a long suite name, and quotes each failure and break by its first line', () => {
    const summary = formatSummary([
      result('a', 'passed', { suite: 'workloads-statefulset-rollout: x' }),
      result('b', 'passed', { suite: 'workloads-statefulset-rollout: x' }),
      result('c', 'failed', { suite: 'order: y', message: 'expected A\nTimeline rows' }),
      result('d', 'broken', { suite: 'order: y' }),
      result('e', 'skipped', { suite: 'order: y', message: 'no node access' }),
      result('f', 'unknown', { suite: 'order: y' }),
    ]);
    expect(summary).to.equal(
      [
        'Summary',
        '  suite                           passed  failed  broken skipped',
        '  order                                0       1       1       1',
        '  workloads-statefulset-rollout        2       0       0       0',
        '  total                                2       1       1       1',
        '',
        '  FAILED c',
        '    expected A',
        '  BROKEN d',
        '    ',
      ].join('\n'),
    );
  });

  it('a summary of short suite names is 14 wide, and one without failures ends at the total', () => {
    expect(formatSummary([result('a', 'passed', { suite: 'order: x' })])).to.equal(
      ['Summary', '  suite           passed  failed  broken skipped', '  order                1       0       0       0', '  total                1       0       0       0'].join('\n'),
    );
  });

  it('failed or broken tests fail the run, counted with Mocha\'s failures (hooks) when more', () => {
    const failed = runVerdict([result('a', 'failed'), result('b', 'broken'), result('c', 'passed')], 0)!;
    expect([failed.exitCode, failed.message]).to.deep.equal([ExitCode.testsFailed, '2 test(s) failed or broke; see the report']);
    expect(runVerdict([result('a', 'failed'), result('c', 'passed')], 3)!.message).to.equal('3 test(s) failed or broke; see the report');
    expect(runVerdict([result('c', 'passed')], 1)!.message).to.equal('1 test(s) failed or broke; see the report');
    expect(runVerdict([result('a', 'broken'), result('c', 'passed')], 0)!.message).to.equal('1 test(s) failed or broke; see the report');
  });

  it('planned tests that never ended fail the run, named (to 300 characters), alone or beside failures', () => {
    const alone = runVerdict([result('c', 'passed')], 0, ['order > a', 'never > b'])!;
    expect([alone.exitCode, alone.message]).to.deep.equal([ExitCode.testsFailed, '2 planned test(s) never ended (order > a; never > b); see the report']);
    expect(runVerdict([result('a', 'failed')], 0, ['order > a'])!.message).to.equal('1 test(s) failed or broke, and 1 planned test(s) never ended (order > a); see the report');
    const many = Array.from({ length: 40 }, (_, i) => `suite > test number ${i}`);
    expect(runVerdict([result('c', 'passed')], 0, many)!.message).to.equal(`40 planned test(s) never ended (${many.join('; ').slice(0, 300)}); see the report`);
  });

  it('a run where nothing ran, or nothing passed, is not a pass; one pass with skips is', () => {
    const none = runVerdict([], 0)!;
    expect([none.exitCode, none.message]).to.deep.equal([ExitCode.nothingRan, 'no test ran: --suite/--grep selected nothing']);
    const skipped = runVerdict([result('sidecar test', 'skipped'), result('other', 'skipped')], 0)!;
    expect([skipped.exitCode, skipped.message]).to.deep.equal([ExitCode.nothingRan, 'no test passed: all 2 were skipped (sidecar test; other)']);
    const long = Array.from({ length: 30 }, (_, i) => result(`skipped test with a long title ${i}`, 'skipped'));
    expect(runVerdict(long, 0)!.message).to.equal(`no test passed: all 30 were skipped (${long.map((r) => r.name).join('; ').slice(0, 300)})`);
    expect(runVerdict([result('a', 'passed'), result('b', 'skipped')], 0)).to.equal(undefined);
    expect(runVerdict([result('a', 'passed')], 0, [])).to.equal(undefined);
  });
});

describe('JUnit XML, exactly', () => {
  it('two tests of one suite (by start), a broken one, one without a message or labels, every XML special character', () => {
    const xml = junitXml([
      result('later', 'passed', { suite: 'order: x', start: 5000, stop: 9000 }),
      result('first <&>"\'', 'broken', { suite: 'order: x', start: 2000, stop: 3000, message: 'cannot read\nthe log' }),
      result('never: no labels\u0001', 'failed', { start: 1000, stop: 1250 }),
      result('skip', 'skipped', { suite: 'sidecar: its title', label: 'suite', start: 7000, stop: 7000 }),
    ]);
    expect(xml).to.equal(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites>',
        '<testsuite name="never" tests="1" failures="1" errors="0" skipped="0" time="0.250">',
        '<testcase classname="never" name="never: no labels" time="0.250"><failure message=""></failure></testcase>',
        '</testsuite>',
        '<testsuite name="order" tests="2" failures="0" errors="1" skipped="0" time="7.000">',
        '<testcase classname="order: x" name="first &lt;&amp;&gt;&quot;&apos;" time="1.000"><error message="cannot read">cannot read\nthe log</error></testcase>',
        '<testcase classname="order: x" name="later" time="4.000"/>',
        '</testsuite>',
        '<testsuite name="sidecar" tests="1" failures="0" errors="0" skipped="1" time="0.000">',
        '<testcase classname="sidecar: its title" name="skip" time="0.000"><skipped message=""/></testcase>',
        '</testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('no results: an empty testsuites', () => {
    expect(junitXml([])).to.equal('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n\n</testsuites>\n');
  });
});
