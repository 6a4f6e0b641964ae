/**
 * The negative-control harness shared by the control tests: recordings loaded from
 * test/fixtures/recordings, and `control()` / `passes()`, which run a check on the recording as is
 * and on altered copies, expecting the message of the expectation each alteration breaks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Recording } from '../../lib/checks/recording.js';
import { projectRoot } from '../../lib/util/paths.js';

export const load = <T = Recording>(name: string): T => JSON.parse(readFileSync(path.join(projectRoot(), 'test', 'fixtures', 'recordings', `${name}.json`), 'utf8')) as T;
export const clone = <T>(x: T): T => structuredClone(x);

/**
 * An alteration, the message it must fail with and, when given, the sequence numbers of the
 * timeline rows the message must quote (its "Timeline rows:" table; [] for no table). A message
 * read from the recording is given as a function, made in the test: verdict code run while the
 * file loads would count as load-time code under Stryker (a new test process per mutant).
 */
export type Alteration<T> = [alter: (r: T) => void, failsWith: RegExp | (() => RegExp), quotes?: number[]];

/** The sequence numbers of the rows a failure message quotes under "Timeline rows:". */
export const quotedRows = (message: string): number[] => {
  const table = message.split('\nTimeline rows:\n')[1];
  return table === undefined ? [] : table.split('\n').map((l) => Number(/^#(\d+) t\+/.exec(l)?.[1]));
};
export const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** `check` must throw an AssertionError whose message matches `failsWith` (and quotes the rows `quotes`). */
export function expectFailure<T>(check: (r: T) => void, altered: T, failsWith: RegExp, quotes?: number[]): void {
  let thrown: unknown;
  try {
    check(altered);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'the check passed on the altered behaviour').to.be.instanceOf(Error);
  expect((thrown as Error).name).to.equal('AssertionError');
  expect((thrown as Error).message).to.match(failsWith);
  if (quotes) expect(quotedRows((thrown as Error).message), 'the timeline rows the message quotes').to.deep.equal(quotes);
}

/**
 * Runs `check` on the recording as is (must pass) and on each `alter(copy)`: it must throw an
 * AssertionError whose message matches that alteration's `failsWith` (and quotes its rows).
 */
export function control<T>(recorded: T, check: (r: T) => void, alterations: Record<string, Alteration<T>>): void {
  it('passes on the recorded behaviour', () => check(clone(recorded)));
  for (const [what, [alter, failsWith, quotes]] of Object.entries(alterations)) {
    it(`fails when ${what}`, () => {
      const altered = clone(recorded);
      alter(altered);
      expectFailure(check, altered, typeof failsWith === 'function' ? failsWith() : failsWith, quotes);
    });
  }
}

/** Runs `check` on each `alter(copy)` of the recording that stays within what the check allows: it must pass. */
export function passes<T>(recorded: T, check: (r: T) => void, alterations: Record<string, (r: T) => void>): void {
  for (const [what, alter] of Object.entries(alterations)) {
    it(`passes when ${what}`, () => {
      const altered = clone(recorded);
      alter(altered);
      check(altered);
    });
  }
}
