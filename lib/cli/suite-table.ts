/** The suites `initc run` knows: each one's file, whether the default set and `--suite chaos` hold it, and whether it disturbs the whole node. */
import { InitcError } from '../errors.js';

/**
 * Suite name → file stem under suites/, whether `--suite all` (the default) includes it, whether it
 * injects faults (left out by --no-chaos; `--suite chaos` names them all), and whether it disturbs
 * the whole node (run alone, after the others). What each asserts is in the README.
 */
export interface SuiteInfo {
  file: string;
  inDefault: boolean;
  chaos?: boolean;
  wholeNode?: boolean;
  /**
   * About how long its file runs, its tests one after another (seconds, embedded cluster, 2 cores):
   * only the order the files start in (startOrder), never a verdict.
   */
  seconds: number;
}

// seconds: the default suites' files as a cold `npm run main` ran them on v1.34.12 (2026-12-07);
// the others from their README figures (backoff-config, drain, concurrent-init) or estimated.
export const SUITES: Record<string, SuiteInfo> = {
  order: { file: 'order.spec', inDefault: true, seconds: 13 },
  never: { file: 'never.spec', inDefault: true, seconds: 7 },
  onfailure: { file: 'onfailure.spec', inDefault: true, seconds: 92 },
  always: { file: 'always.spec', inDefault: true, seconds: 89 },
  flaky: { file: 'flaky.spec', inDefault: true, seconds: 25 },
  slow: { file: 'slow.spec', inDefault: true, seconds: 16 },
  deadline: { file: 'deadline.spec', inDefault: true, seconds: 12 },
  validation: { file: 'validation.spec', inDefault: true, seconds: 4 },
  service: { file: 'service.spec', inDefault: true, seconds: 12 },
  volume: { file: 'volume.spec', inDefault: true, seconds: 6 },
  idempotency: { file: 'idempotency.spec', inDefault: true, seconds: 27 },
  sidecar: { file: 'sidecar.spec', inDefault: true, seconds: 17 },
  network: { file: 'network.spec', inDefault: true, seconds: 19 },
  resources: { file: 'resources.spec', inDefault: true, seconds: 23 },
  'env-files': { file: 'features/env-files.spec', inDefault: true, seconds: 2 },
  'backoff-config': { file: 'features/backoff-config.spec', inDefault: false, seconds: 100 },
  'kubelet-restart-status': { file: 'features/kubelet-restart-status.spec', inDefault: false, chaos: true, wholeNode: true, seconds: 60 },
  'workloads-deployment': { file: 'workloads/deployment.spec', inDefault: true, seconds: 17 },
  'workloads-statefulset': { file: 'workloads/statefulset.spec', inDefault: true, seconds: 26 },
  'workloads-daemonset': { file: 'workloads/daemonset.spec', inDefault: true, seconds: 13 },
  'workloads-job': { file: 'workloads/job.spec', inDefault: true, seconds: 29 },
  smoke: { file: 'smoke.spec', inDefault: false, seconds: 5 },
  'restart-rules': { file: 'features/restart-rules.spec', inDefault: true, seconds: 12 },
  'restart-all': { file: 'features/restart-all.spec', inDefault: true, seconds: 8 },
  'resize-init': { file: 'features/resize-init.spec', inDefault: true, seconds: 11 },
  'chaos-kill': { file: 'chaos/kill.spec', inDefault: true, chaos: true, seconds: 95 },
  'chaos-sandbox': { file: 'chaos/sandbox.spec', inDefault: true, chaos: true, seconds: 39 },
  'chaos-outage': { file: 'chaos/outage.spec', inDefault: true, chaos: true, seconds: 25 },
  'chaos-node': { file: 'chaos/node.spec', inDefault: true, chaos: true, wholeNode: true, seconds: 83 },
  'stale-sandbox': { file: 'chaos/stale-sandbox.spec', inDefault: false, chaos: true, wholeNode: true, seconds: 40 },
  replace: { file: 'replace.spec', inDefault: false, seconds: 30 },
  'concurrent-init': { file: 'concurrent-init.spec', inDefault: false, seconds: 20 },
  drain: { file: 'drain.spec', inDefault: false, seconds: 27 },
};

/**
 * The order a phase's suite files start in on Mocha's workers: the longest first (ties in the
 * order given). A worker takes the next file when it frees, so a long file started last would
 * end long after the others: with the table's order `chaos-kill` (95 s) started 25.7 s into a
 * default run, behind the short files, and the run took 1.32x its longest scenario. Pure.
 */
export function startOrder(suites: readonly string[]): string[] {
  return [...suites].sort((a, b) => SUITES[b]!.seconds - SUITES[a]!.seconds);
}

/** The suites `--suite` names (`all`: the default set; `chaos`: every chaos suite), less the chaos suites with --no-chaos. */
export function selectSuites(requested: string[], chaos = true): string[] {
  const names = requested.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !SUITES[n] && n !== 'all' && n !== 'chaos');
  if (unknown.length) throw new InitcError('usage', `unknown suite ${unknown.join(', ')}; suites: all, chaos, ${Object.keys(SUITES).join(', ')}`);
  const expanded = names.flatMap((n) => (n === 'all' ? Object.keys(SUITES).filter((s) => SUITES[s]!.inDefault) : n === 'chaos' ? Object.keys(SUITES).filter((s) => SUITES[s]!.chaos) : [n]));
  const chosen = [...new Set(expanded)].filter((n) => chaos || !SUITES[n]!.chaos);
  if (!chosen.length) throw new InitcError('usage', `--no-chaos leaves none of the suites ${names.join(', ')}`);
  return chosen;
}
