/**
 * The comparison's "features" section: per init-container feature gate, what each run's cluster
 * reported in force (`on (BETA)`, `off (ALPHA)`, absent from that release, or unreadable), and what
 * each run asked its cluster for; and per gated suite, whether each run ran it or skipped it and why.
 * Pure: read from the runs' recorded cluster identity and results.
 */
import type { ClusterIdentity } from './model.js';
import { TEST_STATUSES } from './model.js';
import type { CompareCell, Comparison } from './compare.js';
import { GATED_SUITES } from '../cluster/features.js';

export interface FeatureRow {
  gate: string;
  /** One per column: "on (BETA)", "off (ALPHA)", "kube-apiserver on (BETA), kubelet n1 off (BETA)", "not in this release", "not recorded". */
  cells: string[];
  /** The columns do not all say the same. */
  differs: boolean;
}

/** "ContainerRestartRules=on (BETA), EnvFiles=off (ALPHA)" → ContainerRestartRules → "on (BETA)". */
export function parseGates(described: string): Map<string, string> {
  const gates = new Map<string, string>();
  for (const m of described.matchAll(/([A-Za-z0-9]+)=(on|off) \(([A-Z]*)\)/g)) gates.set(m[1]!, `${m[2]} (${m[3]})`);
  return gates;
}

function cellOf(cluster: ClusterIdentity, gate: string): string {
  const byComponent = Object.entries(cluster.featureGates ?? {});
  if (!byComponent.length) return 'not recorded';
  const values = byComponent.map(([component, described]) => ({ component, value: described.startsWith('unreadable: ') ? 'unreadable' : (parseGates(described).get(gate) ?? 'not in this release') }));
  if (new Set(values.map((v) => v.value)).size === 1) return values[0]!.value;
  return values.map((v) => `${v.component} ${v.value}`).join(', ');
}

/** Rows for every gate some run reported, in the order the runs reported them (first run first). */
export function featureRows(clusters: readonly ClusterIdentity[]): FeatureRow[] {
  const gates: string[] = [];
  for (const c of clusters) for (const described of Object.values(c.featureGates ?? {})) for (const g of parseGates(described).keys()) if (!gates.includes(g)) gates.push(g);
  return gates.map((gate) => {
    const cells = clusters.map((c) => cellOf(c, gate));
    return { gate, cells, differs: new Set(cells).size > 1 };
  });
}

/** What each run asked its cluster for: "defaults" when it asked nothing, "not recorded" for an existing cluster's run or an older result. */
export function askedForCells(clusters: readonly ClusterIdentity[]): string[] {
  return clusters.map((c) => (c.askedFor ?? (c.featureGates ? 'defaults' : 'not recorded')));
}

export interface FeatureSuiteRow {
  suite: string;
  /** The gates the suite needs, as lib/cluster/features.ts names them. */
  gates: readonly string[];
  /** One per column: "ran: 3 passed, 1 failed", "ran: 1 passed, 2 skipped (skipped: <reasons>)", "skipped: <reasons>", "not run". */
  cells: string[];
  differs: boolean;
}

/** What one run did of a gated suite's tests (its cells of the comparison's rows of that suite). */
function suiteCell(cells: readonly (CompareCell | null)[]): string {
  const ran = cells.filter((c): c is CompareCell => c !== null);
  if (!ran.length) return 'not run';
  const skipped = ran.filter((c) => c.status === 'skipped');
  const reasons = [...new Set(skipped.map((c) => c.message?.split('\n')[0] ?? 'no reason given'))].join('; ');
  if (skipped.length === ran.length) return `skipped: ${reasons}`;
  const counts = TEST_STATUSES.map((s) => [s, ran.filter((c) => c.status === s).length] as const).filter(([, n]) => n > 0);
  return `ran: ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}${skipped.length ? ` (skipped: ${reasons})` : ''}`;
}

/** Per gated suite that some run planned: what each run did of it (ran, skipped and why, not run). */
export function featureSuiteRows(c: Comparison): FeatureSuiteRow[] {
  return Object.entries(GATED_SUITES)
    .map(([suite, gates]) => {
      const rows = c.rows.filter((r) => r.suite === suite);
      const cells = c.columns.map((_, i) => suiteCell(rows.map((r) => r.cells[i] ?? null)));
      return { suite, gates, cells, differs: new Set(cells).size > 1, any: rows.length > 0 };
    })
    .filter((r) => r.any)
    .map(({ any: _any, ...row }) => row);
}
