/**
 * How `npm test` runs the project's tests side by side (scripts/test-lanes.mts): the test files
 * in groups, each group one Mocha process whose files run one after the other, and up to
 * `lanes` groups at once, the longest first. Files share a group only when they must not overlap:
 * the default embedded cluster (`initc`), and the kind files, one kind cluster at a time. Every other
 * integration test brings up a cluster of its own name, so it runs beside the rest; the one that
 * makes clusters of dead runs runs alone, last.
 * The figures are seconds each group took on a warm 2-core machine, alone; they only order the groups.
 */

export interface TestGroup {
  name: string;
  /** Test files (or globs), relative to the repository, run in this order by one Mocha process. */
  files: string[];
  /** Seconds it took warm, run alone: the longest start first. */
  seconds: number;
  /** It needs dockerd: the runner starts it before and stops it after (when it started it), so no group stops it under another. */
  docker?: boolean;
  /** It runs by itself after all the others: it makes clusters of dead runs, which any run, check or gc elsewhere would remove first. */
  alone?: boolean;
  /**
   * Kubernetes versions besides the default that its tests bring up. The runner builds them in the
   * background, at nice 19, while groups that need nothing more run; this group starts once they
   * are built (cold, the build overlaps the first groups instead of coming before them).
   */
  laterVersions?: string[];
}

const integration = (name: string) => `test/integration/${name}.test.ts`;

export const TEST_GROUPS: readonly TestGroup[] = [
  { name: 'unit', files: ['test/unit/**/*.test.ts'], seconds: 120 },
  // Both use the default cluster; local-cluster's gc stops it and runs on it.
  { name: 'default-cluster', files: [integration('local-cluster'), integration('results-ownership')], seconds: 380, laterVersions: ['1.36'] },
  // One kind cluster at a time: two (each a systemd node with a kubeadm control plane) beside the
  // embedded clusters overloaded two cores until timed chaos tests on them failed. The first three
  // share one cluster (test/support/shared-kind.ts), which kind's last test deletes; then the two-node one.
  { name: 'kind', files: [integration('kind-node-access'), integration('check'), integration('kind'), integration('kind-multinode')], seconds: 560, docker: true },
  { name: 'check-embedded', files: [integration('check-embedded')], seconds: 190 },
  { name: 'package', files: [integration('package')], seconds: 95 },
  { name: 'check-production', files: [integration('check-production')], seconds: 70 },
  { name: 'multinode', files: [integration('multinode')], seconds: 47 },
  { name: 'concurrent-runs', files: [integration('concurrent-runs')], seconds: 35 },
  { name: 'namespace-scoped', files: [integration('namespace-scoped')], seconds: 33 },
  { name: 'rbac', files: [integration('rbac')], seconds: 28 },
  { name: 'storage', files: [integration('storage')], seconds: 28 },
  { name: 'smoke-quick', files: [integration('smoke-quick')], seconds: 23 },
  { name: 'orphans', files: [integration('orphans')], seconds: 30, docker: true, alone: true },
];

/** The groups longest first (ties in the plan's order): started in that order, each as a lane frees; those that run alone last. */
export function longestFirst(groups: readonly TestGroup[]): TestGroup[] {
  // Array.prototype.sort is stable: ties keep the plan's order.
  return [...groups].sort((a, b) => Number(!!a.alone) - Number(!!b.alone) || b.seconds - a.seconds);
}

/**
 * The first of `pending` (in their order) whose later versions are all `built`, or none. While
 * `holdForFirst` (the lanes' first seconds), none unless it is the first: a build found in the
 * cache ends within seconds, and the longest group should not lose its lane to a shorter one then.
 */
export function nextReady(pending: readonly TestGroup[], built: ReadonlySet<string>, holdForFirst = false): TestGroup | undefined {
  const ready = pending.find((g) => (g.laterVersions ?? []).every((v) => built.has(v)));
  return holdForFirst && ready !== pending[0] ? undefined : ready;
}

/**
 * Groups at once by default: one more than the cores, at most 8. The groups wait more than they
 * compute (the kubelet's back-off, Lease and probe timers, cluster starts): two lanes on 2 cores
 * kept the cores 57 % busy; three, 73 % (load 8 on average, 16 at most), and finished in 639 s
 * of groups instead of 829–888 s.
 */
export function defaultLanes(cores: number): number {
  return Math.min(8, Math.max(1, cores) + 1);
}

/** How long the lanes hold a free lane for the longest waiting group's build before starting a shorter group. */
export const HOLD_FOR_BUILD_MS = 30_000;

/** The later versions the groups need, each once, in the order they first appear. */
export function laterVersionsOf(groups: readonly TestGroup[]): string[] {
  return [...new Set(groups.flatMap((g) => g.laterVersions ?? []))];
}

/**
 * What is wrong with a plan against the test files there are: a file in no group (it would never
 * run), in two (it would run twice, or beside itself), or a name that is no test file.
 */
export function planProblems(groups: readonly TestGroup[], integrationFiles: readonly string[]): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string[]>();
  for (const g of groups) {
    if (!g.files.length) problems.push(`group ${g.name} has no file`);
    for (const f of g.files) owners.set(f, [...(owners.get(f) ?? []), g.name]);
  }
  const names = groups.map((g) => g.name);
  for (const n of new Set(names)) if (names.filter((m) => m === n).length > 1) problems.push(`two groups are named ${n}`);
  for (const f of integrationFiles) if (!owners.has(f)) problems.push(`${f} is in no group: it would not run`);
  for (const [f, gs] of owners) {
    if (gs.length > 1) problems.push(`${f} is in groups ${gs.join(' and ')}`);
    if (f.startsWith('test/integration/') && !integrationFiles.includes(f)) problems.push(`${f} (group ${gs[0]}) is no test file`);
  }
  return problems;
}

export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

/** The last "N passed, N failed, N skipped" line a Mocha process printed (test/support/summary-reporter.cjs), or none. */
export function parseTally(output: string): Tally | undefined {
  const all = [...output.matchAll(/^(\d+) passed, (\d+) failed, (\d+) skipped$/gm)];
  const last = all[all.length - 1];
  return last ? { passed: Number(last[1]), failed: Number(last[2]), skipped: Number(last[3]) } : undefined;
}

export interface GroupOutcome {
  name: string;
  /** The process's exit code; null when a signal ended it. */
  exitCode: number | null;
  signal?: string;
  tally?: Tally;
  seconds: number;
}

export interface TestVerdict {
  ok: boolean;
  total: Tally;
  /** One line per group that did not pass, saying why. */
  problems: string[];
}

/** The whole run passes only when every group ended 0 with its tally printed and none failed, and some test passed. */
export function judgeGroups(outcomes: readonly GroupOutcome[], expectedGroups: readonly string[]): TestVerdict {
  const total: Tally = { passed: 0, failed: 0, skipped: 0 };
  const problems: string[] = [];
  for (const name of expectedGroups) if (!outcomes.some((o) => o.name === name)) problems.push(`${name}: never ran`);
  for (const o of outcomes) {
    if (o.tally) {
      total.passed += o.tally.passed;
      total.failed += o.tally.failed;
      total.skipped += o.tally.skipped;
    }
    const ended = o.signal ? `ended by ${o.signal}` : `exit ${o.exitCode}`;
    if (!o.tally) problems.push(`${o.name}: ${ended} without its "N passed, N failed, N skipped" line`);
    else if (o.tally.failed > 0) problems.push(`${o.name}: ${o.tally.failed} failed (${ended})`);
    else if (o.exitCode !== 0) problems.push(`${o.name}: ${ended} though none failed`);
    else if (o.tally.passed === 0) problems.push(`${o.name}: no test passed`);
  }
  if (total.passed === 0 && !problems.length) problems.push('no test ran');
  return { ok: problems.length === 0, total, problems };
}

/** The table printed at the end: each group's counts and seconds, longest first. */
export function formatOutcomes(outcomes: readonly GroupOutcome[]): string {
  const rows = [...outcomes].sort((a, b) => b.seconds - a.seconds);
  const width = Math.max(5, ...rows.map((o) => o.name.length));
  const line = (cells: string[]) => `  ${cells[0]!.padEnd(width)}  ${cells.slice(1).map((c) => c.padStart(7)).join(' ')}`;
  const out = [line(['group', 'passed', 'failed', 'skipped', 'seconds'])];
  for (const o of rows) {
    const t = o.tally;
    out.push(line([o.name, t ? String(t.passed) : '-', t ? String(t.failed) : '-', t ? String(t.skipped) : '-', o.seconds.toFixed(0)]));
  }
  return out.join('\n');
}
