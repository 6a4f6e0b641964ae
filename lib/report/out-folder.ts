/**
 * A run's --out folder belongs to the run: when it starts, initc's own files in it (an earlier
 * run's results, reports, plan) are removed, so nothing a reader finds there can be an earlier
 * run's. Files initc does not write are left alone (and never read). A folder a live run on this
 * machine still writes to is refused, also when two runs take the same folder at the same moment
 * (each leaves its marker in the folder first, then looks for another live one's).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExitCode, InitcError } from '../errors.js';
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
  await takeFolder(dir, me, alive);
  await refuseLiveOwner(dir, me, alive).catch(async (err: unknown) => {
    await fs.unlink(path.join(dir, markerName(me)));
    throw err;
  });
  const removed = ownEntries(await fs.readdir(dir)).filter((n) => !keep.includes(n));
  for (const n of removed) await fs.rm(path.join(dir, n), { recursive: true, force: true });
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

/** The marker a process leaves in the folder it takes: host, pid and start time in its name. */
const MARKER = /^\.initc-owner-(.+)-(\d+)-(\d+)$/;
const markerName = (o: FolderOwner) => `.initc-owner-${o.host}-${o.pid}-${o.startTime}`;

/** How long a taker that withdrew waits before it looks again: random, so that two that withdrew together come back apart. */
export const randomPauseMs = () => 20 + Math.random() * 200;

/**
 * Takes `dir` for `me`, also against a process taking it at the same moment: `me`'s marker is
 * written first, then every other marker of this machine is looked at; a live one's makes `me`
 * withdraw its marker, a dead one's is removed. Two takers at once may both withdraw, never both
 * proceed; each then looks once more after a random pause, and the first back takes the folder.
 * A live holder then refuses the folder (exit 13). Markers of other machines are left alone:
 * their processes cannot be asked.
 */
export async function takeFolder(dir: string, me: FolderOwner, alive: OwnerAlive, pauseMs = randomPauseMs): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  let holder = await liveHolder(dir, me, alive);
  if (holder) {
    await new Promise((r) => setTimeout(r, pauseMs()));
    holder = await liveHolder(dir, me, alive);
  }
  if (!holder) return;
  const command = await fs.readFile(path.join(dir, holder)).then((t) => (JSON.parse(String(t)) as FolderOwner).command).catch(() => 'initc');
  throw new InitcError('busy', `${dir} is the --out folder of a live run (pid ${MARKER.exec(holder)![2]}: ${command}); give this one another --out`);
}

/** Writes `me`'s marker, then returns another live process's marker (after withdrawing `me`'s) or undefined; removes dead ones'. */
async function liveHolder(dir: string, me: FolderOwner, alive: OwnerAlive): Promise<string | undefined> {
  const mine = markerName(me);
  await fs.writeFile(path.join(dir, mine), `${JSON.stringify(me)}\n`);
  for (const name of await fs.readdir(dir)) {
    const m = MARKER.exec(name);
    if (!m || name === mine || m[1] !== me.host) continue;
    if (await alive({ host: me.host, pid: Number(m[2]), startTime: m[3]!, command: '' })) {
      await fs.unlink(path.join(dir, mine));
      return name;
    }
    // Another taker may remove the same dead marker at the same moment.
    await fs.rm(path.join(dir, name), { force: true });
  }
  return undefined;
}

/** Where a run writes without --out: `base`, else the first of base-2, base-3, … that no live run holds. */
export async function claimDefaultRunFolder(base: string, me: FolderOwner, alive: OwnerAlive, tries = 20): Promise<{ dir: string; removed: string[]; busy: string[] }> {
  const busy: string[] = [];
  for (let i = 1; i <= tries; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    try {
      return { dir, removed: await claimRunFolder(dir, me, alive), busy };
    } catch (err) {
      if ((err as InitcError).exitCode !== ExitCode.busy) throw err;
      busy.push((err as InitcError).message.replace('; give this one another --out', ''));
    }
  }
  throw new InitcError('busy', `${base} and ${base}-2 … ${base}-${tries} are the --out folders of live runs; give this one --out`);
}
