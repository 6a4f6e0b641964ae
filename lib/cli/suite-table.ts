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
}

export const SUITES: Record<string, SuiteInfo> = {
  order: { file: 'order.spec', inDefault: true },
  never: { file: 'never.spec', inDefault: true },
  onfailure: { file: 'onfailure.spec', inDefault: true },
  always: { file: 'always.spec', inDefault: true },
  flaky: { file: 'flaky.spec', inDefault: true },
  slow: { file: 'slow.spec', inDefault: true },
  deadline: { file: 'deadline.spec', inDefault: true },
  validation: { file: 'validation.spec', inDefault: true },
  service: { file: 'service.spec', inDefault: true },
  volume: { file: 'volume.spec', inDefault: true },
  idempotency: { file: 'idempotency.spec', inDefault: true },
  sidecar: { file: 'sidecar.spec', inDefault: true },
  network: { file: 'network.spec', inDefault: true },
  resources: { file: 'resources.spec', inDefault: true },
  'env-files': { file: 'features/env-files.spec', inDefault: true },
  'backoff-config': { file: 'features/backoff-config.spec', inDefault: false },
  'kubelet-restart-status': { file: 'features/kubelet-restart-status.spec', inDefault: false, chaos: true, wholeNode: true },
  'workloads-deployment': { file: 'workloads/deployment.spec', inDefault: true },
  'workloads-statefulset': { file: 'workloads/statefulset.spec', inDefault: true },
  'workloads-daemonset': { file: 'workloads/daemonset.spec', inDefault: true },
  'workloads-job': { file: 'workloads/job.spec', inDefault: true },
  smoke: { file: 'smoke.spec', inDefault: false },
  'restart-rules': { file: 'features/restart-rules.spec', inDefault: true },
  'restart-all': { file: 'features/restart-all.spec', inDefault: true },
  'resize-init': { file: 'features/resize-init.spec', inDefault: true },
  'chaos-kill': { file: 'chaos/kill.spec', inDefault: true, chaos: true },
  'chaos-sandbox': { file: 'chaos/sandbox.spec', inDefault: true, chaos: true },
  'chaos-outage': { file: 'chaos/outage.spec', inDefault: true, chaos: true },
  'chaos-node': { file: 'chaos/node.spec', inDefault: true, chaos: true, wholeNode: true },
  'stale-sandbox': { file: 'chaos/stale-sandbox.spec', inDefault: false, chaos: true, wholeNode: true },
  replace: { file: 'replace.spec', inDefault: false },
  'concurrent-init': { file: 'concurrent-init.spec', inDefault: false },
  drain: { file: 'drain.spec', inDefault: false },
};

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
