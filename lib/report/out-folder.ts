/**
 * A run's --out folder belongs to the run: when it starts, initc's own files in it (an earlier
 * run's results, reports, plan) are removed, so nothing a reader finds there can be an earlier
 * run's. Files initc does not write are left alone (and never read). A folder a live run on this
 * machine still writes to is refused.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InitcError } from '../errors.js';
import { CONFORMANCE_JSON, CONFORMANCE_MD } from './conformance.js';
import { RESULTS_FILE } from './model.js';
import { PLAN_FILE, readPlan } from './plan.js';
import type { FolderOwner } from './plan.js';

/** What `initc run` and `initc report` write into --out. */
export const RUN_FOLDER_ENTRIES = ['allure-results', 'allure-report', 'allurerc.json', 'junit.xml', RESULTS_FILE, CONFORMANCE_JSON, CONFORMANCE_MD, PLAN_FILE] as const;
/** The JUnit file of each phase of a run, merged into junit.xml at its end. */
const PHASE_JUNIT = /^junit-\d+\.xml$/;

/** Whether an owner recorded in a plan is a process still alive (pid and start time). */
export type OwnerAlive = (owner: FolderOwner) => Promise<boolean>;

/** initc's own entries among a folder's names. */
export function ownEntries(names: readonly string[]): string[] {
  return names.filter((n) => (RUN_FOLDER_ENTRIES as readonly string[]).includes(n) || PHASE_JUNIT.test(n)).sort();
}

/**
 * Refuses `dir` when a live run owns it (refuseLiveOwner); otherwise removes initc's own entries from it (all but `keep`) and returns what it removed.
 */
export async function claimRunFolder(dir: string, me: FolderOwner, alive: OwnerAlive, keep: readonly string[] = []): Promise<string[]> {
  await refuseLiveOwner(dir, me, alive);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed = ownEntries(names).filter((n) => !keep.includes(n));
  for (const n of removed) await fs.rm(path.join(dir, n), { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  return removed;
}

/**
 * Refuses `dir` when its plan.json names a live process on this machine other than `me` (an owner
 * on another machine cannot be asked, and a plan.json that is not initc's names no owner).
 */
export async function refuseLiveOwner(dir: string, me: FolderOwner, alive: OwnerAlive): Promise<void> {
  const owner = (await readPlan(dir).catch(() => undefined))?.owner;
  if (!owner || owner.host !== me.host || (owner.pid === me.pid && owner.startTime === me.startTime)) return;
  if (await alive(owner)) throw new InitcError('busy', `${dir} is the --out folder of a live run (pid ${owner.pid}: ${owner.command}); give this one another --out`);
}

/** This process as the owner of a folder. */
export function currentOwner(startTime: string): FolderOwner {
  return { host: os.hostname(), pid: process.pid, startTime, command: `initc ${process.argv.slice(2).join(' ')}`.slice(0, 200) };
}
