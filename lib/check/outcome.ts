/**
 * How `initc check` ends, decided from what its tests did (pure): a test's own end (passed,
 * skipped, broken by a problem the check could not hide), and the check's exit. A check in which
 * no fault was injected tested nothing of the workload's init containers under failure: exit 12,
 * naming why each fault did not run, never 0.
 */
import { InitcError } from '../errors.js';
import type { ResultFile } from '../report/results.js';

/** Which part of the check a test is: the label `check` of its result. */
export type CheckPart = 'static' | 'ready' | 'fault';
export const CHECK_PART_LABEL = 'check';

/** A test ended without a verdict, with the reason it gives (named in its title and result). */
export class Skip extends Error {}

/** A failure that is not about the workload: the check could not do what it had to (a fault not taking effect, an undo, evidence). */
export class CheckBroken extends Error {}

export type TestEnd = { kind: 'passed' } | { kind: 'skipped'; why: string } | { kind: 'failed'; error: Error };

/**
 * A test's end from how its body ended and the problems met on the way out (an undo that failed,
 * evidence that could not be collected): a problem never leaves a pass or a skip standing.
 */
export function testEnd(failure: unknown, problems: string[]): TestEnd {
  const listed = problems.map((p) => `- ${p}`).join('\n');
  if (failure === undefined) {
    if (!problems.length) return { kind: 'passed' };
    return { kind: 'failed', error: new CheckBroken(`the check held, but its result cannot be trusted as it stands:\n${listed}`) };
  }
  if (failure instanceof Skip) {
    if (!problems.length) return { kind: 'skipped', why: failure.message };
    return { kind: 'failed', error: new CheckBroken(`skipped (${failure.message}), and then:\n${listed}`) };
  }
  const error = failure instanceof Error ? failure : new Error(String(failure));
  if (problems.length) error.message += `\nAlso:\n${listed}`;
  return { kind: 'failed', error };
}

function partOf(r: ResultFile): CheckPart | undefined {
  return r.labels.find((l) => l.name === CHECK_PART_LABEL)?.value as CheckPart | undefined;
}

/** The fault tests that were skipped, each as its title (which carries the reason). */
export function skippedFaults(results: ResultFile[]): string[] {
  return results.filter((r) => partOf(r) === 'fault' && r.status === 'skipped').map((r) => r.name);
}

/** Why the fault tests did not run, each reason once with how many it stopped, most first ("4 skipped: no node access; 1 skipped: no Service"). */
export function skipReasons(results: ResultFile[]): string {
  const counts = new Map<string, number>();
  for (const r of results) {
    const why = /\(skipped: (.*)\)$/.exec(r.name)?.[1] ?? `${r.name} (${r.status})`;
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  // Most first, then by reason: the result files come in the file system's order, which says nothing.
  return [...counts]
    .sort(([a, n], [b, m]) => m - n || a.localeCompare(b))
    .map(([why, n]) => `${n} skipped: ${why}`)
    .join('; ');
}

/**
 * The check's exit: 1 when a test failed or broke (or Mocha counted a failure no result shows);
 * 12 when nothing ran, or when faults were asked for and none of them was injected and held;
 * else none (exit 0), the skipped faults named by the summary.
 */
export function checkVerdict(results: ResultFile[], o: { faultsAsked: number; mochaFailures: number }): InitcError | undefined {
  const bad = results.filter((r) => r.status === 'failed' || r.status === 'broken').length;
  if (bad || o.mochaFailures) return new InitcError('testsFailed', `${Math.max(bad, o.mochaFailures)} check(s) failed or broke; see the summary and the report`);
  if (!results.some((r) => r.status === 'passed')) return new InitcError('nothingRan', `no check ran: ${results.length ? `all ${results.length} were skipped` : 'no result was written'}`);
  if (o.faultsAsked === 0) return undefined;
  const faults = results.filter((r) => partOf(r) === 'fault');
  if (faults.some((r) => r.status === 'passed')) return undefined;
  return new InitcError('nothingRan', `no fault was injected, so nothing shows how the init containers behave under failure: ${faults.length ? skipReasons(faults) : 'no fault test was made'}`);
}

/** The lines the summary adds under the counts: what was not checked, and why. */
export function notCheckedLines(results: ResultFile[], probe: string | undefined): string[] {
  const out = skippedFaults(results).map((name) => `  NOT CHECKED ${name}`);
  if (!probe && results.some((r) => partOf(r) === 'fault' && r.status === 'passed')) out.push('  NOT CHECKED idempotency: no --probe was given, so the state the init containers leave was not compared after any fault');
  return out.length ? ['', ...out] : [];
}
