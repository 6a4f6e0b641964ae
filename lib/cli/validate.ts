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
/** The most nodes a cluster initc starts may have (`--nodes`): this machine has 2 cores. */
export const MAX_NODES = 4;
export const nodeCount = (flag: string) => (v: unknown) => {
  const s = String(v).trim();
  if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > MAX_NODES) throw usageError(`${flag} must be a whole number from 1 to ${MAX_NODES}, not "${String(v)}"`);
  return Number(s);
};
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
