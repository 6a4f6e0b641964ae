/**
 * A run's plan (plan.json in its --out folder, schema `initc.dev/plan/v1`): the tests it meant to
 * run, written when it starts, with who owns the folder. Results read against it tell a run that
 * ended from one that was killed: a planned test with no result never ended.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InitcError } from '../errors.js';
import type { PlanOutcome } from './model.js';

export const PLAN_FILE = 'plan.json';
export const PLAN_SCHEMA = 'initc.dev/plan/v1';

export interface PlannedTest {
  /** `<suite> > <title>`: the id the results model gives the test's result. */
  id: string;
  suite: string;
  title: string;
}

/** The process that owns a run's --out folder while it runs. */
export interface FolderOwner {
  host: string;
  pid: number;
  /** The process's start time (/proc/<pid>/stat), so a recycled pid is not taken for the owner. */
  startTime: string;
  command: string;
}

export interface RunPlan {
  schema: typeof PLAN_SCHEMA;
  startedAt: string;
  suitesRevision: string;
  suites: string[];
  grep: string | null;
  owner: FolderOwner;
  tests: PlannedTest[];
}

/** The part of a Mocha suite the plan reads. */
export interface SuiteTree {
  title: string;
  tests: Array<{ title: string }>;
  suites: SuiteTree[];
}

/** Mocha's reading of --grep: "/re/flags" or a pattern, matched against a test's full title. */
export function grepRegExp(grep: string): RegExp {
  const m = /^\/(.*)\/([dgimsuvy]*)$/.exec(grep);
  return m ? new RegExp(m[1]!, m[2]) : new RegExp(grep);
}

/**
 * The tests a loaded Mocha root suite will run, in order: each under its top-level describe (whose
 * title up to the colon names the suite, as in the results), kept when its full title (the titles
 * of the describes below the root and its own, joined by spaces, as Mocha matches --grep) matches
 * `grep`.
 */
export function plannedTests(root: SuiteTree, grep?: string): PlannedTest[] {
  const re = grep === undefined ? undefined : grepRegExp(grep);
  const out: PlannedTest[] = [];
  const walk = (s: SuiteTree, titles: string[], top: string | undefined) => {
    for (const t of s.tests) {
      const full = [...titles, t.title].join(' ');
      const suite = (top ?? t.title).split(':')[0]!;
      if (!re || re.test(full)) out.push({ id: `${suite} > ${t.title}`, suite, title: t.title });
    }
    for (const child of s.suites) walk(child, [...titles, child.title], top ?? child.title);
  };
  // As Mocha's titlePath: every suite's title but the root's, an empty one too.
  walk(root, [], undefined);
  return out;
}

/** Planned tests (ids, repeats counted) with no result among `resultIds`. */
export function planOutcome(planned: readonly PlannedTest[], resultIds: readonly string[]): PlanOutcome {
  const left = new Map<string, number>();
  for (const id of resultIds) left.set(id, (left.get(id) ?? 0) + 1);
  const notEnded: string[] = [];
  for (const t of planned) {
    const n = left.get(t.id) ?? 0;
    if (n > 0) left.set(t.id, n - 1);
    else notEnded.push(t.id);
  }
  return { planned: planned.length, notEnded };
}

export async function writePlan(plan: RunPlan, outDir: string): Promise<string> {
  const file = path.join(outDir, PLAN_FILE);
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(plan, null, 2)}\n`);
  return file;
}

/**
 * The plan of the run whose results are in `folder` (its --out folder, or the allure-results/ in
 * it); undefined when it recorded none (a run of an older initc). A plan.json that is not one is a
 * usage error: it must not be taken for no plan.
 */
export async function readPlan(folder: string): Promise<RunPlan | undefined> {
  const dirs = path.basename(folder) === 'allure-results' ? [path.dirname(folder), folder] : [folder];
  for (const dir of dirs) {
    const file = path.join(dir, PLAN_FILE);
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let plan: Partial<RunPlan>;
    try {
      plan = JSON.parse(text) as Partial<RunPlan>;
    } catch (err) {
      throw new InitcError('usage', `${file} cannot be read as JSON: ${(err as Error).message.split('\n')[0]}`);
    }
    if (plan.schema !== PLAN_SCHEMA || !Array.isArray(plan.tests)) throw new InitcError('usage', `${file} is not an initc plan (schema "${String(plan.schema)}", expected "${PLAN_SCHEMA}")`);
    return plan as RunPlan;
  }
  return undefined;
}
