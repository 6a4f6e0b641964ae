// Many runs at once on one cluster: on one embedded cluster (name `bench` unless --local-cluster
// NAME; started here when it is not running, and stopped again), 1, 4 and 8 concurrent
// `initc run`s of a fixed suite set reach it by its kubeconfig (as CI jobs on different machines
// would). Per level: each run's wall time and exit code, the API server's request rate and p99
// request latency over the level (its /metrics sampled before and after; WATCH and CONNECT, which
// stay open, left out of the latency), each run's slowdown against one run alone, and the
// machine's load average (the machine may be shared).
// Usage: scripts/bench-shared [--local-cluster NAME] [--levels 1,4,8] [--suites order,never,validation]
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import { LocalClusterProvider } from '../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../lib/cluster/local/versions.js';
import { loadKubeConfig } from '../lib/cluster/provider.js';
import { LOCAL_FIXTURE_IMAGE } from '../lib/fixture-image.js';
import { intervalLoad, parseRequestMetrics, slowdown } from '../lib/kube/apiserver-metrics.js';
import { requestText } from '../lib/kube/raw.js';
import { projectRoot } from '../lib/util/paths.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const name = arg('--local-cluster') ?? 'bench';
const levels = (arg('--levels') ?? '1,4,8').split(',').map(Number);
const suites = arg('--suites') ?? 'order,never,validation';
if (levels[0] !== 1 || levels.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--levels: whole numbers, the first 1 (one run alone, the reference), not ${levels.join(',')}`);

const cli = path.join(projectRoot(), 'dist', 'lib', 'cli', 'main.js');
const initc = (args: string[]) => execa(process.execPath, [cli, ...args], { reject: false });
const provider = new LocalClusterProvider({ version: resolveKubeVersion(process.env.INITC_BENCH_VERSION), name });
let startedHere = false;
if (!(await provider.status()).running) {
  const up = await execa(process.execPath, [cli, 'cluster', 'up', '--name', name, '--no-merge-kubeconfig'], { reject: false, stdout: 'inherit', stderr: 'inherit' });
  if (up.exitCode !== 0) throw new Error(`initc cluster up --name ${name} exited ${up.exitCode}`);
  startedHere = true;
}
const kubeconfig = provider.layout.kubeconfig;
const kc = loadKubeConfig(kubeconfig);
const sample = async () => parseRequestMetrics(await requestText(kc, '/metrics'));
/** Until no namespace of a run is left (being deleted counts): each level starts on a quiet cluster. */
async function quiet(timeoutMs = 180_000) {
  const core = kc.makeApiClient(CoreV1Api);
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 1000))) {
    if (!(await core.listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=initc' })).items.length) return;
  }
  throw new Error(`namespaces of runs still there after ${timeoutMs / 1000} s`);
}

const work = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-bench-shared-'));
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
let failed = 0;
try {
  console.log(`${os.cpus().length} cores; suites ${suites}; embedded cluster "${name}" (${provider.layout.kubeconfig})`);
  console.log(`runs  walls (s)                                        slowdown mean/worst  API requests/s  p99 latency (ms)  interval (s)  load avg 1 min before → after  exit codes`);
  let alone = 0;
  for (const n of levels) {
    await quiet();
    const loadBefore = os.loadavg()[0]!;
    const before = await sample();
    const start = Date.now();
    const runs = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const t = Date.now();
        const r = await initc(['run', '--kubeconfig', kubeconfig, '--fixture-image', LOCAL_FIXTURE_IMAGE, '--suite', suites, '--out', path.join(work, `runs-${n}`, String(i + 1))]);
        return { wall: (Date.now() - t) / 1000, exitCode: r.exitCode ?? -1, said: String(r.stderr).split('\n').slice(-6).join('\n') };
      }),
    );
    const seconds = (Date.now() - start) / 1000;
    const load = intervalLoad(before, await sample(), seconds);
    const walls = runs.map((r) => r.wall);
    if (n === 1) alone = walls[0]!;
    const ratio = slowdown(walls, alone);
    console.log(
      `${String(n).padEnd(5)} ${walls.map(f1).join(' ').padEnd(48)} ${`${f2(ratio.mean)} / ${f2(ratio.worst)}`.padEnd(20)} ${f1(load.requestsPerSecond).padEnd(15)} ${(load.p99 === undefined ? 'n/a' : f1(load.p99 * 1000)).padEnd(17)} ${f1(seconds).padEnd(13)} ${`${f2(loadBefore)} → ${f2(os.loadavg()[0]!)}`.padEnd(31)} ${runs.map((r) => r.exitCode).join(' ')}`,
    );
    for (const r of runs.filter((x) => x.exitCode !== 0)) {
      failed++;
      console.log(`  a run exited ${r.exitCode}; its last lines:\n${r.said.replace(/^/gm, '    ')}`);
    }
  }
  console.log(`(p99 over the non-streaming requests of all runs in the interval; slowdown: each run's wall time / one run alone's ${f1(alone)} s)`);
} finally {
  await fs.rm(work, { recursive: true, force: true });
  if (startedHere) await execa(process.execPath, [cli, 'cluster', 'down', '--name', name], { reject: false, stdout: 'inherit', stderr: 'inherit' });
}
if (failed) process.exitCode = 1;
