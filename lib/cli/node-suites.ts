/**
 * The suites that disturb a whole node (kubelet, containerd and API server restarts, a reboot)
 * must not share a node with other tests. On a user's cluster they run alone, after the others.
 * On an embedded cluster initc starts a second embedded cluster of the same version and settings
 * for them, and runs them there *at the same time* as the other suites: a child `initc run` of
 * their own, whose Allure results and JUnit join this run's. A run is then as long as its longest
 * part, not the sum of both.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ExitCode } from '../errors.js';
import { sha256 } from '../util/fsx.js';
import type { PlannedRun } from './compare-runs.js';

/** Where the node-wide suites run: a cluster of their own at the same time, or this cluster afterwards. */
export const NODE_SUITE_PLACES = ['own-cluster', 'after'] as const;
export type NodeSuitePlace = (typeof NODE_SUITE_PLACES)[number];

export interface PhasePlan {
  /** Suites run together (in parallel workers) on the run's cluster. */
  together: string[];
  /** Node-wide suites run on the run's cluster after `together`, one at a time. */
  after: string[];
  /** Node-wide suites run on a cluster of their own while `together` runs. */
  ownCluster: string[];
}

/**
 * Splits the suites: node-wide ones go to a cluster of their own when the run may start one
 * (the embedded provider, `--node-suites own-cluster`) and other suites run at the same time;
 * else they run after the others. Pure.
 */
export function planPhases(suites: string[], isWholeNode: (s: string) => boolean, place: NodeSuitePlace, canStartCluster: boolean): PhasePlan {
  const together = suites.filter((s) => !isWholeNode(s));
  const whole = suites.filter(isWholeNode);
  const own = place === 'own-cluster' && canStartCluster && together.length > 0;
  return { together, after: own ? [] : whole, ownCluster: own ? whole : [] };
}

/**
 * The embedded cluster the node-wide suites of a run on cluster `name` use: `<name>-wn`, or for a
 * long name its first five characters and four of its hash, so it stays within the 12 characters
 * a name may have and two long names do not share one. Pure.
 */
export function nodeSuitesClusterName(name: string): string {
  const own = `${name}-wn`;
  return own.length <= 12 ? own : `${name.slice(0, 5)}${sha256(name).slice(0, 4)}-wn`;
}

/** The child `initc run` of the node-wide suites on their own embedded cluster `cluster`, which it starts and stops. Pure. */
export function nodeSuitesRun(suites: string[], cluster: string, args: string[]): PlannedRun {
  return {
    label: `node suites on "${cluster}"`,
    folder: NODE_SUITES_FOLDER,
    args: ['run', '--provider', 'local', '--local-cluster', cluster, '--suite', suites.join(','), '--node-suites', 'after', '--jobs', '1', ...args],
  };
}

/** The child run's folder under the run's --out. */
export const NODE_SUITES_FOLDER = 'node-suites';

/**
 * Brings the child run's Allure results into this run's results folder (its environment file aside:
 * this run writes its own) and its JUnit to `junitPart`. Returns how many result files it brought;
 * 0 when the child ran nothing (it could not start its cluster).
 */
export async function adoptNodeSuitesResults(childOut: string, resultsDir: string, junitPart: string): Promise<number> {
  const from = path.join(childOut, 'allure-results');
  let results = 0;
  for (const f of await fs.readdir(from).catch(() => [] as string[])) {
    if (f === 'environment.properties') continue;
    await fs.copyFile(path.join(from, f), path.join(resultsDir, f));
    if (f.endsWith('-result.json')) results++;
  }
  await fs.copyFile(path.join(childOut, 'junit.xml'), junitPart).catch(() => undefined);
  return results;
}

/**
 * What the node-wide suites' own run means for this run, from its exit code, how many results it
 * brought and whether this run was interrupted. `passed`: nothing to add (its results speak);
 * `failed`: its tests failed or it broke after running some (this run fails too);
 * `run-here`: it ran nothing because its cluster could not start, so they run here afterwards;
 * `nothing`: it had no test to run (--grep), or the run was interrupted. Pure.
 */
export type NodeSuitesOutcome = 'passed' | 'failed' | 'run-here' | 'nothing';

export function nodeSuitesOutcome(exitCode: number, resultsBrought: number, interrupted: boolean): NodeSuitesOutcome {
  if (interrupted) return 'nothing';
  if (exitCode === ExitCode.ok) return 'passed';
  if (exitCode === ExitCode.testsFailed) return 'failed';
  if (exitCode === ExitCode.nothingRan) return 'nothing';
  return resultsBrought > 0 ? 'failed' : 'run-here';
}
