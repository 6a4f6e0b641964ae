import { expect } from 'chai';
import type { ResultFile } from '../../lib/report/results.js';
import { junitXml } from '../../lib/report/junit.js';

const result = (name: string, status: string, suite: string, start: number, message?: string): ResultFile => ({
  name,
  status,
  start,
  stop: start + 1500,
  statusDetails: message ? { message } : {},
  labels: [{ name: 'parentSuite', value: `${suite}: what it asserts` }],
});

describe('JUnit XML from Allure results', () => {
  // Built in each test (not at load), so that a mutant of junit.ts is active when it is.
  const xmlOf = () => junitXml([
    result('b passes', 'passed', 'order', 2000),
    result('a fails <badly> & "loudly"', 'failed', 'order', 1000, 'expected x; observed y\nTimeline rows:\n#1 ...'),
    result('breaks', 'broken', 'chaos-kill', 3000, 'cannot read the log'),
    result('skips', 'skipped', 'sidecar', 4000, 'skipped: no sidecars'),
  ]);

  it('has one testsuite per initc suite, with its counts and wall time', () => {
    const xml = xmlOf();
    expect(xml).to.match(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites>\n/);
    expect(xml).to.include('<testsuite name="order" tests="2" failures="1" errors="0" skipped="0" time="2.500">');
    expect(xml).to.include('<testsuite name="chaos-kill" tests="1" failures="0" errors="1" skipped="0" time="1.500">');
    expect(xml).to.include('<testsuite name="sidecar" tests="1" failures="0" errors="0" skipped="1" time="1.500">');
    expect(xml.trimEnd().endsWith('</testsuites>')).to.equal(true);
  });

  it('orders tests by start, escapes names and messages, and says why each failed, broke or was skipped', () => {
    const xml = xmlOf();
    expect(xml.indexOf('a fails')).to.be.below(xml.indexOf('b passes'));
    expect(xml).to.include('<testcase classname="order: what it asserts" name="a fails &lt;badly&gt; &amp; &quot;loudly&quot;" time="1.500"><failure message="expected x; observed y">expected x; observed y\nTimeline rows:\n#1 ...</failure></testcase>');
    expect(xml).to.include('<testcase classname="order: what it asserts" name="b passes" time="1.500"/>');
    expect(xml).to.include('<error message="cannot read the log">cannot read the log</error>');
    expect(xml).to.include('<skipped message="skipped: no sidecars"/>');
  });

  it('drops characters XML cannot carry', () => {
    expect(junitXml([result('bell\u0007', 'passed', 'order', 0)])).to.include('name="bell"');
  });
});
