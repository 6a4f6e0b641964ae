/**
 * The suites revision: a short hash of every source that decides a verdict, so the same checks
 * give the same revision and an edited one gives another.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../util/paths.js';

/**
 * What decides the verdicts: the suites and their fixtures, the checks, `initc check`'s verdicts,
 * what turns a cluster's answers into rows and waits (observe), the scenario kit (evidence problems
 * make a test broken), the faults and their proofs (chaos), the ledger's parser, and the report's
 * own verdicts (a run's exit, conformance). Folders are walked; files are taken as they are.
 */
export const SUITES_REVISION_ROOTS = [
  'suites',
  'fixtures',
  'lib/checks',
  'lib/check',
  'lib/observe',
  'lib/chaos',
  'lib/scenario/kit.ts',
  'lib/pod/ledger.ts',
  'lib/report/results.ts',
  'lib/report/verdict.ts',
  'lib/report/plan.ts',
] as const;

const SOURCE = /\.(m?[jt]s|json|ya?ml|sh)$/;

/** Every source file under `roots` (relative to `root`, POSIX separators), sorted; a root that is missing adds nothing. */
export async function revisionFiles(root: string, roots: readonly string[] = SUITES_REVISION_ROOTS): Promise<string[]> {
  const files: string[] = [];
  async function walk(rel: string): Promise<void> {
    const stat = await fs.stat(path.join(root, rel)).catch(() => undefined);
    if (stat?.isFile()) {
      if (SOURCE.test(rel)) files.push(rel);
      return;
    }
    if (!stat?.isDirectory()) return;
    for (const e of await fs.readdir(path.join(root, rel))) await walk(path.posix.join(rel, e));
  }
  for (const r of roots) await walk(r);
  return [...new Set(files)].sort();
}

/** A short hash of the files that decide the verdicts, by path then content. */
export async function suitesRevision(root = projectRoot()): Promise<string> {
  const hash = createHash('sha256');
  for (const rel of await revisionFiles(root)) hash.update(`${rel}\0`).update(await fs.readFile(path.join(root, rel))).update('\0');
  return hash.digest('hex').slice(0, 12);
}
