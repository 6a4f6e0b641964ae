/**
 * The running cluster's record, written after every step of `up` so that `down` (or a later
 * `up`) can undo a half-started cluster after a crash or Ctrl-C.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ClusterBinaries } from './build.js';
import type { NetworkState } from './network.js';
import type { ProcessRecord } from './processes.js';
import type { ClusterSettings } from '../features.js';

export interface ClusterState {
  gitVersion: string;
  startedAt: string;
  binaries?: ClusterBinaries;
  network?: NetworkState;
  processes: ProcessRecord[];
  /** kubeconfig file we merged our context into, and whether we made it current there. */
  mergedKubeconfig?: { file: string; previousContext?: string };
  /** The process that started (or took over) the cluster, and whether it meant to stop it when done. */
  owner?: { pid: number; startTime: string; command: string; temporary: boolean };
  /** The feature gates and kubelet fields it was started with (absent: defaults). */
  settings?: ClusterSettings;
  /** What it runs with: `settings` less the gates its release does not know (--only-known-gates). */
  applied?: ClusterSettings;
  /** How many nodes it was asked for (absent: one, as before `--nodes`). */
  nodes?: number;
  ready: boolean;
}

export async function readState(file: string): Promise<ClusterState | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** The write in progress per file: the nodes start side by side, and two writes through one temporary file would mix. */
const writing = new Map<string, Promise<void>>();

export function writeState(file: string, state: ClusterState): Promise<void> {
  const next = (writing.get(file) ?? Promise.resolve()).catch(() => undefined).then(() => writeNow(file, state));
  writing.set(file, next);
  return next;
}

async function writeNow(file: string, state: ClusterState): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.writeFile(`${file}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
  await fs.rename(`${file}.tmp`, file);
}
