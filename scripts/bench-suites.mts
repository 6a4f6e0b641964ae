// Benchmark of the conformance suites: per scenario, the time to verdict beside the floor the
// kubelet (back-off) or the fixture (deliberate delays) imposes, as a ratio; and the whole default
// suite run in parallel beside its longest scenario. Goals: each ratio ≤ 1.3, whole ≤ 1.5 × longest.
// Usage: scripts/bench-suites [--kubeconfig FILE] (default: the embedded cluster, started if needed).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { LocalClusterProvider } from '../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../lib/cluster/local/versions.js';
import { silentProgress } from '../lib/progress.js';
import { projectRoot } from '../lib/util/paths.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

let kubeconfig = arg('--kubeconfig');
let started: LocalClusterProvider | undefined;
if (!kubeconfig) {
  const local = new LocalClusterProvider({ version: resolveKubeVersion(process.env.INITC_BENCH_VERSION), mergeKubeconfig: false });
  if (!(await local.status()).running) started = local;
  kubeconfig = (await local.create({ progress: silentProgress })).kubeconfigPath;
}

interface Result {
  name: string;
  fullName?: string;
  status: string;
  start: number;
  stop: number;
  labels: Array<{ name: string; value: string }>;
}

const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-bench-'));
try {
  const wallStart = Date.now();
  const run = await execa(path.join(projectRoot(), 'node_modules', '.bin', 'tsx'), [path.join(projectRoot(), 'lib', 'cli', 'main.ts'), 'run', '--kubeconfig', kubeconfig, '--out', out], { reject: false });
  const wallMs = Date.now() - wallStart;
  const dir = path.join(out, 'allure-results');
  const results: Result[] = [];
  for (const f of await fs.readdir(dir)) if (f.endsWith('-result.json')) results.push(JSON.parse(await fs.readFile(path.join(dir, f), 'utf8')));
  if (run.exitCode !== 0) console.log(`initc run exited ${run.exitCode}; figures below include failed tests\n${String(run.stderr).split('\n').slice(-5).join('\n')}`);
  const label = (r: Result, n: string) => Number(r.labels.find((l) => l.name === n)?.value ?? NaN);
  const rows = results
    .map((r) => ({ name: r.labels.find((l) => l.name === 'parentSuite' || l.name === 'suite')?.value.split(':')[0] ?? r.name, test: r.name, status: r.status, verdict: label(r, 'initc.verdictMs'), floor: label(r, 'initc.floorMs'), cluster: label(r, 'initc.clusterMs'), duration: r.stop - r.start }))
    .sort((a, b) => b.verdict - a.verdict);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`.padStart(7);
  // floor: back-off and deliberate delays; cluster: when the last awaited state arrived (the
  // cluster's own pace: kubelet sync, PLEG relist, back-off requeue); verdict: when the checks ended.
  console.log(`${'scenario'.padEnd(14)} ${'verdict'.padStart(7)} ${'floor'.padStart(7)} ${'cluster'.padStart(7)}  verdict/floor  verdict/cluster  status  test`);
  for (const r of rows) {
    const ratio = r.floor > 0 ? (r.verdict / r.floor).toFixed(2) : 'n/a';
    console.log(`${r.name.padEnd(14)} ${s(r.verdict)} ${s(r.floor)} ${s(r.cluster)}  ${ratio.padStart(13)}  ${(r.verdict / r.cluster).toFixed(2).padStart(15)}  ${r.status.padEnd(6)}  ${r.test.slice(0, 60)}`);
  }
  const suiteMs = Math.max(...results.map((r) => r.stop)) - Math.min(...results.map((r) => r.start));
  const longest = Math.max(...results.map((r) => r.stop - r.start));
  const floored = rows.filter((r) => r.floor > 0);
  console.log(`\nscenarios with a floor: worst verdict/floor ${Math.max(...floored.map((r) => r.verdict / r.floor)).toFixed(2)} (goal ≤ 1.30)`);
  console.log(`harness overhead: worst verdict/cluster ${Math.max(...rows.filter((r) => r.cluster > 1000).map((r) => r.verdict / r.cluster)).toFixed(2)}`);
  console.log(`whole suite (parallel): ${s(suiteMs)} beside its longest scenario ${s(longest)}: ratio ${(suiteMs / longest).toFixed(2)} (goal ≤ 1.50)`);
  console.log(`initc run wall time, including connection and report: ${s(wallMs)}`);
} finally {
  await fs.rm(out, { recursive: true, force: true });
  if (started) await started.destroy({ progress: silentProgress });
}
