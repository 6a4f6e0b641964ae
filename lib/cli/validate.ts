import { usageError } from '../errors.js';

/** yargs coercions: a bad value is a one-line usage error (exit 2), never a run with NaN or ''. */
export const nonEmpty = (flag: string) => (v: unknown) => {
  if (typeof v !== 'string' || v.trim() === '') throw usageError(`${flag} needs a value`);
  return v;
};
export const positiveInteger = (flag: string) => (v: unknown) => {
  const s = String(v).trim();
  if (!/^[1-9]\d*$/.test(s)) throw usageError(`${flag} must be a whole number of at least 1, not "${String(v)}"`);
  return Number(s);
};
/** At most this many nodes per cluster initc starts (`--nodes 1..MAX_NODES`). */
export const MAX_NODES = 4;

/** What `--nodes` may be: a whole number 1..MAX_NODES; else why not. Pure. */
export function nodeCountProblem(n: unknown): string | undefined {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_NODES) return `--nodes must be a whole number from 1 to ${MAX_NODES}, not ${String(n)}`;
  return undefined;
}
export const regexValue = (flag: string) => (v: unknown) => {
  const s = nonEmpty(flag)(v);
  try {
    new RegExp(s);
  } catch (err) {
    throw usageError(`${flag} is not a valid regular expression: ${(err as Error).message}`);
  }
  return s;
};
export const nonEmptyList = (flag: string) => (v: unknown) => {
  const items = (Array.isArray(v) ? v : [v]).map(String);
  if (items.length === 0 || items.some((s) => s.trim() === '')) throw usageError(`${flag} needs a value`);
  return items;
};
