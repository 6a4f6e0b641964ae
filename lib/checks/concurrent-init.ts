/**
 * The concurrent-init suite's checks: the replicas of a Deployment, made at once, run their init
 * containers against one shared claim. From each replica's ledger ("started" and "ran", the node's
 * uptime: one clock, as every replica is on the claim's node) the checks tell whether the init
 * containers ran at the same time, or one at a time (a lock), and from the migrations file how
 * often the migration was applied.
 */
import type { LedgerEntry } from '../pod/ledger.js';
import { fail } from './recording.js';

/** What a migrating init container appends when it applies the migration, followed by its pod's name. */
export const MIGRATION_PREFIX = 'migration applied by ';

export interface ReplicaInit {
  pod: string;
  node: string;
  /** The replica's ledger (its containers' logs). */
  ledger: LedgerEntry[];
}

export interface ConcurrentRecording {
  /** The migrating init container's name. */
  init: string;
  replicas: ReplicaInit[];
  /** The migrations file's lines, as a pod that mounted the claim afterwards printed them. */
  migrationLines: string[];
}

export interface InitInterval {
  pod: string;
  start: number;
  end: number;
}

const fmt = (i: InitInterval) => `${i.pod} ${i.start}–${i.end}`;

/**
 * Each replica's init run, from its ledger; fails unless there are `replicas` of them, all on one
 * node (uptimes of different nodes do not compare), each with one "started" and one "ran" no
 * earlier. Sorted by start.
 */
export function initIntervals(rec: ConcurrentRecording, replicas: number): InitInterval[] {
  if (rec.replicas.length !== replicas) fail(`${replicas} replicas`, `${rec.replicas.length}: ${rec.replicas.map((r) => r.pod).join(', ') || 'none'}`);
  const nodes = [...new Set(rec.replicas.map((r) => r.node))];
  if (nodes.length !== 1) fail('every replica on one node (the ledger\'s uptimes are one node\'s clock)', `nodes ${nodes.join(', ')}`);
  const out = rec.replicas.map((r) => {
    const lines = r.ledger.filter((e) => e.container === rec.init);
    const starts = lines.filter((e) => e.event === 'started');
    const ends = lines.filter((e) => e.event === 'ran');
    if (starts.length !== 1 || ends.length !== 1) fail(`one "started" and one "ran" line of ${rec.init} in ${r.pod}'s ledger`, lines.map((e) => `${e.event}@${e.uptime}`).join(', ') || 'none');
    if (ends[0]!.uptime < starts[0]!.uptime) fail(`${r.pod}'s ${rec.init} to finish after it started`, `started at uptime ${starts[0]!.uptime}, ran at ${ends[0]!.uptime}`);
    return { pod: r.pod, start: starts[0]!.uptime, end: ends[0]!.uptime };
  });
  return out.sort((a, b) => a.start - b.start);
}

/** How often the migration was applied: its lines in the migrations file. */
export const migrationsApplied = (lines: readonly string[]) => lines.filter((l) => l.startsWith(MIGRATION_PREFIX)).length;

/** Every replica's init container ran at one moment: the last to start started before the first to finish finished. */
export function checkRanTogether(rec: ConcurrentRecording, replicas: number): void {
  const runs = initIntervals(rec, replicas);
  const lastStart = Math.max(...runs.map((r) => r.start));
  const firstEnd = Math.min(...runs.map((r) => r.end));
  if (lastStart >= firstEnd) fail(`the ${replicas} replicas' ${rec.init} running at one moment (the last started before the first finished)`, `last start at uptime ${lastStart}, first end at ${firstEnd}: ${runs.map(fmt).join(', ')}`);
}

/**
 * The replicas' init containers ran one at a time (each started after the one before finished)
 * and the migration was applied once, the later replicas finding it applied.
 */
export function checkSerialised(rec: ConcurrentRecording, replicas: number): void {
  const runs = initIntervals(rec, replicas);
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.start < runs[i - 1]!.end) fail(`${rec.init} of one replica at a time (each starting after the one before finished)`, `${runs[i]!.pod} started at uptime ${runs[i]!.start}, before ${runs[i - 1]!.pod} finished at ${runs[i - 1]!.end}: ${runs.map(fmt).join(', ')}`);
  }
  const applied = migrationsApplied(rec.migrationLines);
  if (applied !== 1) fail('the migration applied once', `${applied} times: ${rec.migrationLines.join(' | ') || 'no line'}`);
}
