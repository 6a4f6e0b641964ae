/**
 * Who holds a run's Lease, precisely enough that a reaper on the same machine can tell at once
 * that the holder died (a SIGKILLed run) instead of waiting for its Lease to expire: the host
 * name, the boot (kernel boot id) and pid namespace the pid is counted in, the pid and its start
 * time (a recycled pid is another process). A reaper elsewhere, in another boot or another pid
 * namespace (another container) cannot ask, and goes by the Lease's expiry alone.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { processStartTime } from '../util/proc.js';

export const HOLDER_ANNOTATION = 'initc.dev/holder';

export interface Holder {
  host: string;
  bootId: string;
  pidNamespace: string;
  pid: number;
  startTime: string;
}

/** Where a process runs: what two processes must share for one to look the other's pid up. */
export type Place = Pick<Holder, 'host' | 'bootId' | 'pidNamespace'>;

/** What `how` reads of `f`, trimmed; '' when it cannot be read. */
export const readTrimmed = (f: string, how: (s: string) => Promise<string>) => how(f).then((s) => s.trim(), () => '');

/** This machine, boot and pid namespace; a field that cannot be read is '' (and matches nothing). */
export async function herePlace(): Promise<Place> {
  return { host: os.hostname(), bootId: await readTrimmed('/proc/sys/kernel/random/boot_id', (f) => fs.readFile(f, 'utf8')), pidNamespace: await readTrimmed('/proc/self/ns/pid', fs.readlink) };
}

/** This process as a Lease's holder. */
export async function thisHolder(): Promise<Holder> {
  return { ...(await herePlace()), pid: process.pid, startTime: (await processStartTime(process.pid))! };
}

/** A holder as recorded in a Lease's annotation; undefined when absent or not one. */
export function parseHolder(annotation: string | undefined): Holder | undefined {
  try {
    const h = JSON.parse(annotation ?? '') as Partial<Holder>;
    const strings = [h.host, h.bootId, h.pidNamespace, h.startTime].every((v) => typeof v === 'string' && v !== '');
    return strings && Number.isInteger(h.pid) && h.pid! > 0 ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why the holder is known dead (its pid, counted where this process counts pids, is gone or is
 * another process), or undefined when it lives or cannot be asked from here.
 */
export async function holderGone(h: Holder | undefined, here: Place, alive: (p: { pid: number; startTime: string }) => Promise<boolean>): Promise<string | undefined> {
  if (!h || h.host !== here.host || h.bootId !== here.bootId || h.pidNamespace !== here.pidNamespace) return undefined;
  if (await alive(h)) return undefined;
  return `its run's process is gone (pid ${h.pid} on this machine, ${h.host})`;
}
