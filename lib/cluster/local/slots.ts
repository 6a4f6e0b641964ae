/**
 * Which embedded cluster holds which slot (and so which node address and ranges, layout.ts): one
 * file per slot under the data root, `slots/<n>`, holding the cluster's name. A slot is claimed
 * by creating its file exclusively, so two `up`s of different names at once never share one; it
 * is given back when `down` has removed everything of the cluster. The default cluster always
 * has slot 0 and no file. Read synchronously: a layout is needed before anything async happens
 * (constructors, the scenario process's node access), and the folder holds at most eight files.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InitcError } from '../../errors.js';
import type { ClusterLayout } from './layout.js';
import { CLUSTER_NAME, DATA_ROOT, MAX_SLOT, clusterLayout } from './layout.js';

export interface SlotOptions {
  dataRoot?: string;
  runRoot?: string;
}

const slotsDir = (o: SlotOptions) => path.join(o.dataRoot ?? DATA_ROOT, 'slots');

/** Every claimed slot and the cluster holding it (the default cluster not included). */
export function claimedSlots(o: SlotOptions = {}): Array<{ slot: number; name: string }> {
  const dir = slotsDir(o);
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  const claimed: Array<{ slot: number; name: string }> = [];
  for (const f of files) {
    if (!/^[1-9]\d*$/.test(f)) continue;
    try {
      claimed.push({ slot: Number(f), name: readFileSync(path.join(dir, f), 'utf8').trim() });
    } catch {
      /* given back meanwhile */
    }
  }
  return claimed.sort((a, b) => a.slot - b.slot);
}

/** Every embedded cluster that may exist on this machine: the default one, then each holding a slot. */
export const clusterNames = (o: SlotOptions = {}): string[] => [CLUSTER_NAME, ...claimedSlots(o).map((c) => c.name)];

/** The slot of cluster `name`, undefined when it holds none (it was never started, or is gone). */
export function slotOf(name: string, o: SlotOptions = {}): number | undefined {
  if (name === CLUSTER_NAME) return 0;
  return claimedSlots(o).find((c) => c.name === name)?.slot;
}

/** The layout of cluster `name`: its claimed slot's, or (not claimed yet) the lowest free slot's, as `up` would claim it. */
export function layoutOf(name: string, o: SlotOptions = {}): ClusterLayout {
  return clusterLayout({ ...o, name, slot: slotOf(name, o) ?? lowestFree(o) ?? 0 });
}

function lowestFree(o: SlotOptions): number | undefined {
  const taken = new Set(claimedSlots(o).map((c) => c.slot));
  for (let slot = 1; slot <= MAX_SLOT; slot++) if (!taken.has(slot)) return slot;
  return undefined;
}

/** Claims a slot for `name` (its own if it has one already). Throws a one-line error when all are taken. */
export function claimSlot(name: string, o: SlotOptions = {}): number {
  const own = slotOf(name, o);
  if (own !== undefined) return own;
  mkdirSync(slotsDir(o), { recursive: true, mode: 0o700 });
  for (let slot = 1; slot <= MAX_SLOT; slot++) {
    try {
      writeFileSync(path.join(slotsDir(o), String(slot)), `${name}\n`, { flag: 'wx', mode: 0o600 });
      return slot;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const holders = claimedSlots(o).map((c) => c.name).join(', ');
  throw new InitcError('usage', `no free slot for another embedded cluster: ${MAX_SLOT} named clusters run already (${holders}); \`initc cluster down --name N\` one of them`);
}

/** Gives back the slot of `name` (nothing for the default cluster, or a name holding none). */
export function releaseSlot(name: string, o: SlotOptions = {}): void {
  if (name === CLUSTER_NAME) return;
  for (const c of claimedSlots(o)) if (c.name === name) rmSync(path.join(slotsDir(o), String(c.slot)), { force: true });
}
