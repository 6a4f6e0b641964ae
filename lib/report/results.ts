/** Allure result files as initc reads them: the one-screen summary and the run's verdict. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InitcError } from '../errors.js';

/** One test's Allure result file, the parts initc reads. */
export interface ResultFile {
  name: string;
  status: string;
  start: number;
  stop: number;
  statusDetails?: { message?: string };
  labels: Array<{ name: string; value: string }>;
}

export async function readResults(dir: string): Promise<ResultFile[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('-result.json'));
  return Promise.all(files.map(async (f) => JSON.parse(await fs.readFile(path.join(dir, f), 'utf8')) as ResultFile));
}

/** The suite a result belongs to: its describe title up to the colon ("order: …" → "order"). */
export function suiteOf(r: ResultFile): string {
  return (r.labels.find((l) => l.name === 'parentSuite' || l.name === 'suite')?.value ?? r.name).split(':')[0]!;
}

/** One screen: per suite, how many tests passed, failed, were broken or skipped; then each failure's first line. */
export function formatSummary(results: ResultFile[]): string {
  const statuses = ['passed', 'failed', 'broken', 'skipped'] as const;
  const bySuite = new Map<string, Record<string, number>>();
  for (const r of results) {
    const suite = suiteOf(r);
    const counts = bySuite.get(suite) ?? {};
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    bySuite.set(suite, counts);
  }
  const total = Object.fromEntries(statuses.map((st) => [st, results.filter((r) => r.status === st).length]));
  // As wide as the longest suite name (workloads-statefulset) and a space.
  const width = Math.max(14, ...[...bySuite.keys()].map((n) => n.length + 1));
  const line = (name: string, c: Record<string, number>) => `  ${name.padEnd(width)}${statuses.map((st) => String(c[st] ?? 0).padStart(8)).join('')}`;
  const rows = [...bySuite.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([n, c]) => line(n, c));
  const problems = results
    .filter((r) => r.status === 'failed' || r.status === 'broken')
    .map((r) => `  ${r.status.toUpperCase()} ${r.name}\n    ${(r.statusDetails?.message ?? '').split('\n')[0]}`);
  return ['Summary', `  ${'suite'.padEnd(width)}${statuses.map((st) => st.padStart(8)).join('')}`, ...rows, line('total', total), ...(problems.length ? ['', ...problems] : [])].join('\n');
}

/**
 * The run's outcome from its results: failed or broken tests fail it, and so do planned tests that
 * never ended (`notEnded`: a killed run is no pass); a run where nothing passed is not a pass.
 */
export function runVerdict(results: ResultFile[], mochaFailures: number, notEnded: readonly string[] = []): InitcError | undefined {
  const count = (s: string) => results.filter((r) => r.status === s).length;
  // A failing hook has no test result of its own: Mocha's count covers it.
  const bad = Math.max(count('failed') + count('broken'), mochaFailures);
  const unended = notEnded.length ? `${notEnded.length} planned test(s) never ended (${notEnded.join('; ').slice(0, 300)})` : '';
  if (bad) return new InitcError('testsFailed', `${bad} test(s) failed or broke${unended ? `, and ${unended}` : ''}; see the report`);
  if (unended) return new InitcError('testsFailed', `${unended}; see the report`);
  if (results.length === 0) return new InitcError('nothingRan', 'no test ran: --suite/--grep selected nothing');
  if (count('passed') === 0) return new InitcError('nothingRan', `no test passed: all ${results.length} were skipped (${results.map((r) => r.name).join('; ').slice(0, 300)})`);
  return undefined;
}
