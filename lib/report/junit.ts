/**
 * JUnit XML from Allure result files: what `initc report` writes for results whose run did not get
 * to write its own (a killed run), or for results of several runs merged. One <testsuite> per
 * initc suite; failed tests carry <failure>, broken ones <error>, skipped ones <skipped>.
 */
import type { ResultFile } from './results.js';
import { suiteOf } from './results.js';

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

function seconds(r: ResultFile): string {
  return ((r.stop - r.start) / 1000).toFixed(3);
}

function suiteTitle(r: ResultFile): string {
  return r.labels.find((l) => l.name === 'parentSuite' || l.name === 'suite')?.value ?? suiteOf(r);
}

function testcase(r: ResultFile): string {
  const message = r.statusDetails?.message ?? '';
  const open = `<testcase classname="${escapeXml(suiteTitle(r))}" name="${escapeXml(r.name)}" time="${seconds(r)}"`;
  if (r.status === 'failed') return `${open}><failure message="${escapeXml(message.split('\n')[0]!)}">${escapeXml(message)}</failure></testcase>`;
  if (r.status === 'broken') return `${open}><error message="${escapeXml(message.split('\n')[0]!)}">${escapeXml(message)}</error></testcase>`;
  if (r.status === 'skipped') return `${open}><skipped message="${escapeXml(message.split('\n')[0]!)}"/></testcase>`;
  return `${open}/>`;
}

export function junitXml(results: ResultFile[]): string {
  const bySuite = new Map<string, ResultFile[]>();
  for (const r of [...results].sort((a, b) => a.start - b.start)) bySuite.set(suiteOf(r), [...(bySuite.get(suiteOf(r)) ?? []), r]);
  const count = (rs: ResultFile[], status: string) => rs.filter((r) => r.status === status).length;
  const suites = [...bySuite.entries()].map(([name, rs]) => {
    const time = (Math.max(...rs.map((r) => r.stop)) - Math.min(...rs.map((r) => r.start))) / 1000;
    const attrs = `name="${escapeXml(name)}" tests="${rs.length}" failures="${count(rs, 'failed')}" errors="${count(rs, 'broken')}" skipped="${count(rs, 'skipped')}" time="${time.toFixed(3)}"`;
    return `<testsuite ${attrs}>\n${rs.map(testcase).join('\n')}\n</testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join('\n')}\n</testsuites>\n`;
}
