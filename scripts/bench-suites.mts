// Benchmark of the conformance suites: per scenario, the time to verdict beside the kubelet's own
// floor (when the cluster delivered the awaited state: the back-off it sat through, its sync and
// requeue delays, the fixture's deliberate waits), and beside the nominal back-off and delays
// alone; and the whole default suite run beside its longest scenario.
// Goals: verdict ≤ 1.3 × floor per scenario; whole ≤ 1.15 × longest on the embedded cluster (the
// node-wide suites on a cluster of their own at the same time, --node-suites own-cluster), ≤ 1.5 × by
// kubeconfig (where they run alone, after the others).
// Usage: scripts/bench-suites [--local-cluster NAME | --kubeconfig FILE] (default: the embedded
// cluster "bench", started for the bench and stopped after). Runs the built CLI (dist/).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { readResults, suiteOf } from '../lib/report/results.js';
import type { ResultFile } from '../lib/report/results.js';
import { LocalClusterProvider } from '../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../lib/cluster/local/versions.js';
import { silentProgress } from '../lib/progress.js';
import { projectRoot } from '../lib/util/paths.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

const kubeconfig = arg('--kubeconfig');
const localName = arg('--local-cluster') ?? 'bench';
let started: LocalClusterProvider | undefined;
if (!kubeconfig) {
  const local = new LocalClusterProvider({ version: resolveKubeVersion(process.env.INITC_BENCH_VERSION), name: localName, mergeKubeconfig: false });
  if (!(await local.status()).running) started = local;
  // Started (and released) here, so the run below finds it running and leaves it so: its start is not the suites' time.
  await (await local.create({ progress: silentProgress })).release();
}
const cluster = kubeconfig ? ['--kubeconfig', kubeconfig] : ['--local-cluster', localName];

const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-bench-'));
try {
  const wallStart = Date.now();
  const run = await execa(process.execPath, [path.join(projectRoot(), 'dist', 'lib', 'cli', 'main.js'), 'run', ...cluster, '--out', out], { reject: false });
  const wallMs = Date.now() - wallStart;
  const dir = path.join(out, 'allure-results');
  const results = await readResults(dir);
  if (run.exitCode !== 0) console.log(`initc run exited ${run.exitCode}; figures below include failed tests\n${String(run.stderr).split('\n').slice(-5).join('\n')}`);
  const label = (r: ResultFile, n: string) => Number(r.labels.find((l) => l.name === n)?.value ?? NaN);
  const rows = results
    .map((r) => ({ name: suiteOf(r), test: r.name, status: r.status, verdict: label(r, 'initc.verdictMs'), floor: label(r, 'initc.floorMs'), cluster: label(r, 'initc.clusterMs'), duration: r.stop - r.start }))
    .sort((a, b) => b.verdict - a.verdict);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`.padStart(7);
  // kubelet floor: when the last awaited pod state arrived (measured); nominal: the back-off and
  // deliberate delays alone; verdict: when the checks ended.
  console.log(`${'scenario'.padEnd(14)} ${'verdict'.padStart(7)} ${'floor'.padStart(7)}  ratio ${'nominal'.padStart(7)}  ratio  status  test`);
  for (const r of rows) {
    const nominal = r.floor > 0 ? (r.verdict / r.floor).toFixed(2) : 'n/a';
    console.log(`${r.name.padEnd(14)} ${s(r.verdict)} ${s(r.cluster)}  ${(r.verdict / r.cluster).toFixed(2).padStart(5)} ${s(r.floor)}  ${nominal.padStart(5)}  ${r.status.padEnd(6)}  ${r.test.slice(0, 60)}`);
  }
  const suiteMs = Math.max(...results.map((r) => r.stop)) - Math.min(...results.map((r) => r.start));
  const longest = Math.max(...results.map((r) => r.stop - r.start));
  const floored = rows.filter((r) => r.floor > 0);
  const timed = rows.filter((r) => r.cluster > 1000);
  console.log(`\nworst verdict / kubelet floor (scenarios over 1 s): ${Math.max(...timed.map((r) => r.verdict / r.cluster)).toFixed(2)} (goal ≤ 1.30)`);
  console.log(`worst verdict / nominal back-off and delays: ${Math.max(...floored.map((r) => r.verdict / r.floor)).toFixed(2)} (the kubelet restarts at its next pod sync, not at the back-off's end)`);
  const goal = kubeconfig ? 1.5 : 1.15;
  console.log(`whole suite run (${kubeconfig ? 'by kubeconfig: node-wide suites after the others' : 'embedded: node-wide suites on a cluster of their own, at the same time'}): ${s(suiteMs)} beside its longest scenario ${s(longest)}: ratio ${(suiteMs / longest).toFixed(2)} (goal ≤ ${goal.toFixed(2)})`);
  console.log(`initc run wall time, including connection and report: ${s(wallMs)}`);
} finally {
  await fs.rm(out, { recursive: true, force: true });
  if (started) await started.destroy({ progress: silentProgress });
}
