// Benchmark of the embedded cluster with a warm build cache: time from `up` to node Ready and to
// the smoke pod Running, `down` duration, and the resident memory of the idle cluster. Prints each
// figure beside its goal as a ratio (≤ 1 meets the goal). Run as root: scripts/bench-cluster [runs]
import { promises as fs } from 'node:fs';
import { LocalClusterProvider } from '../lib/cluster/local/local.js';
import { pidsInCgroups } from '../lib/cluster/local/host.js';
import { pidsWithCmdline } from '../lib/cluster/local/processes.js';
import { resolveKubeVersion } from '../lib/cluster/local/versions.js';
import { runSmoke } from '../fixtures/smoke.js';
import { newRunId } from '../lib/scenario/namespace.js';
import type { Progress } from '../lib/progress.js';

const runs = Number(process.argv[2] ?? 3);
const version = resolveKubeVersion(process.env.INITC_BENCH_VERSION);
const provider = new LocalClusterProvider({ version, mergeKubeconfig: false });

/** Records when each step of `up` ended, relative to the start. */
function recordingProgress(start: number, ends: Map<string, number>): Progress {
  return {
    info: () => undefined,
    step: async (title, work) => {
      const r = await work({ update: () => undefined });
      ends.set(title, Date.now() - start);
      return r;
    },
  };
}

/** Resident and proportional set sizes (KiB): the components share one multi-call binary, whose pages RSS counts once per process and PSS splits among them. */
async function memoryKiB(pid: number): Promise<{ rss: number; pss: number }> {
  const rollup = await fs.readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
  return { rss: field('Rss'), pss: field('Pss') };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

if ((await provider.status()).state) {
  console.error('bench-cluster: an embedded cluster is running; `initc cluster down` it first');
  process.exit(10);
}
// Warm the cache (a cold build is not what this measures).
await provider.create({ progress: { info: () => undefined, step: (_t, w) => w({ update: () => undefined }) } });
await provider.destroy({ progress: { info: () => undefined, step: (_t, w) => w({ update: () => undefined }) } });

const nodeReady: number[] = [];
const podRunning: number[] = [];
const down: number[] = [];
const rss: number[] = [];
const pss: number[] = [];
for (let i = 0; i < runs; i++) {
  const start = Date.now();
  const ends = new Map<string, number>();
  const cluster = await provider.create({ progress: recordingProgress(start, ends) });
  const readyAt = [...ends].find(([t]) => t.startsWith('node (kubelet'))?.[1];
  nodeReady.push(readyAt!);
  const upDone = Date.now() - start;
  await runSmoke(cluster.kubeConfig(), newRunId());
  podRunning.push(Date.now() - start);
  // Idle: the smoke namespace is gone; let the components settle before reading memory.
  await new Promise((r) => setTimeout(r, 10_000));
  const pids = new Set([
    ...cluster.state.processes.map((p) => p.pid),
    ...(await pidsWithCmdline(provider.layout.containerdSocket)),
    ...(await pidsInCgroups(provider.layout.cgroupRoot)),
  ]);
  let total = 0;
  let totalPss = 0;
  const perProcess: string[] = [];
  for (const pid of pids) {
    const m = await memoryKiB(pid);
    total += m.rss;
    totalPss += m.pss;
    const name = cluster.state.processes.find((p) => p.pid === pid)?.name ?? `pid ${pid}`;
    perProcess.push(`${name} ${(m.pss / 1024).toFixed(0)}`);
  }
  rss.push(total);
  pss.push(totalPss);
  console.log(`  PSS MiB by process: ${perProcess.join(', ')}`);
  const d0 = Date.now();
  await provider.destroy({ progress: recordingProgress(d0, new Map()) });
  down.push(Date.now() - d0);
  console.log(`run ${i + 1}: node Ready ${sec(readyAt!)}, up complete ${sec(upDone)}, smoke pod Running ${sec(podRunning.at(-1)!)}, idle RSS ${(total / 1024).toFixed(0)} MiB, PSS ${(totalPss / 1024).toFixed(0)} MiB in ${pids.size} processes, down ${sec(down.at(-1)!)}`);
}

const goalReadyMs = 15_000;
const goalRssKiB = 1024 * 1024;
console.log(`\nembedded cluster ${version.gitVersion}, ${runs} warm runs (medians):`);
console.log(`  up → node Ready      ${sec(median(nodeReady))}   goal ≤ 15s     ratio ${(median(nodeReady) / goalReadyMs).toFixed(2)}`);
console.log(`  up → smoke pod Running ${sec(median(podRunning))}`);
console.log(`  down                 ${sec(median(down))}`);
console.log(`  idle RSS (sum)       ${(median(rss) / 1024).toFixed(0)} MiB   goal ≤ 1024 MiB  ratio ${(median(rss) / goalRssKiB).toFixed(2)}`);
console.log(`  idle PSS (sum)       ${(median(pss) / 1024).toFixed(0)} MiB   goal ≤ 1024 MiB  ratio ${(median(pss) / goalRssKiB).toFixed(2)}`);
