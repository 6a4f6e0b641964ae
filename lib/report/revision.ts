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

/**
 * Where the package keeps the revision of the sources it was compiled from (relative to the root):
 * an installed initc has only the compiled files, not the sources the revision hashes.
 */
export const REVISION_STAMP = 'dist/suites-revision.txt';

const REVISION = /^[0-9a-f]{12}$/;

/**
 * A short hash of the files that decide the verdicts, by path then content; without those
 * sources (an installed package), the revision stamped when it was packed.
 */
export async function suitesRevision(root = projectRoot()): Promise<string> {
  const files = await revisionFiles(root);
  if (!files.length) return stampedRevision(root);
  const hash = createHash('sha256');
  for (const rel of files) hash.update(`${rel}\0`).update(await fs.readFile(path.join(root, rel))).update('\0');
  return hash.digest('hex').slice(0, 12);
}

async function stampedRevision(root: string): Promise<string> {
  const stamp = path.join(root, REVISION_STAMP);
  const text = await fs.readFile(stamp, 'utf8').catch(() => {
    throw new Error(`no suites sources under ${root} and no ${REVISION_STAMP}: the package was not packed with its revision`);
  });
  const revision = text.trim();
  if (!REVISION.test(revision)) throw new Error(`${stamp} holds ${JSON.stringify(revision)}, not a suites revision`);
  return revision;
}

/** Writes the sources' revision to the stamp, for the package (see REVISION_STAMP); returns it. */
export async function writeRevisionStamp(root = projectRoot()): Promise<string> {
  const revision = await suitesRevision(root);
  await fs.mkdir(path.dirname(path.join(root, REVISION_STAMP)), { recursive: true });
  await fs.writeFile(path.join(root, REVISION_STAMP), `${revision}\n`);
  return revision;
}
