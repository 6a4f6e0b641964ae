// kind beside the embedded cluster, in one run on one machine, caches warm: time from nothing to a
// cluster ready for pods, and the wall time of the default suites on it (as `initc run` reports
// its suite phases), each with its ratio to the embedded cluster's. Run as root with no embedded
// cluster up: scripts/bench-providers [--suite a,b]
import { execa } from 'execa';
import { KindProvider } from '../lib/cluster/kind/kind.js';
import { buildNodeImage } from '../lib/cluster/kind/node-image.js';
import { ensureDocker } from '../lib/cluster/kind/docker.js';
import { LocalClusterProvider } from '../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../lib/cluster/local/versions.js';
import type { ClusterProvider } from '../lib/cluster/provider.js';
import type { Progress } from '../lib/progress.js';
import { CLI, TSX } from '../test/support/cli.js';

const suiteArg = process.argv.indexOf('--suite') > 0 ? ['--suite', process.argv[process.argv.indexOf('--suite') + 1]!] : [];
const version = resolveKubeVersion(process.env.INITC_BENCH_VERSION);
const quiet: Progress = { info: () => undefined, step: (_t, w) => w({ update: () => undefined }) };
const sec = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

const local = new LocalClusterProvider({ version, mergeKubeconfig: false });
if ((await local.status()).state) {
  console.error('bench-providers: an embedded cluster is running; `initc cluster down` it first');
  process.exit(10);
}
// Warm every cache first: builds are not what this measures.
console.error('warming the caches (embedded binaries, Docker engine, kind node image)…');
await local.create({ progress: quiet }).then((c) => c.release());
await local.destroy({ progress: quiet });
await ensureDocker(quiet);
const imageStart = Date.now();
await buildNodeImage(version, quiet);
const imageCached = Date.now() - imageStart;

interface Figures {
  readyMs: number;
  suitesMs: number;
  wallMs: number;
  passed: string;
}

/** Brings the cluster up, runs the suites through `initc run` against it, takes it down. */
async function measure(name: string, provider: ClusterProvider, runArgs: (c: { context?: string }) => string[]): Promise<Figures> {
  console.error(`${name}: up…`);
  const start = Date.now();
  const cluster = await provider.create({ progress: quiet });
  const readyMs = Date.now() - start;
  await cluster.release();
  console.error(`${name}: ready in ${sec(readyMs)}; initc run…`);
  const runStart = Date.now();
  const run = await execa(TSX, [CLI, 'run', ...runArgs(cluster), ...suiteArg, '--out', `/tmp/initc-bench-providers-${name}`], { reject: false });
  const wallMs = Date.now() - runStart;
  const stderr = String(run.stderr);
  // "✔ suites order, never, … (run ID) (61.4s)": one line per phase (the parallel suites, then the node-wide ones).
  const suitesMs = [...stderr.matchAll(/^✔ suites .* \((\d+(?:\.\d+)?)s\)$/gm)].reduce((sum, m) => sum + Number(m[1]) * 1000, 0);
  const total = /^\s+total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(String(run.stdout));
  await provider.destroy({ progress: quiet });
  if (run.exitCode !== 0) console.error(`${name}: initc run exited ${run.exitCode}:\n${stderr.slice(-1500)}`);
  return { readyMs, suitesMs, wallMs, passed: total ? `${total[1]} passed, ${Number(total[2]) + Number(total[3])} failed, ${total[4]} skipped` : 'no summary' };
}

const embedded = await measure('embedded', local, () => ['--provider', 'local']);
const kindName = `initc-bench-${process.pid}`;
const kind = await measure('kind', new KindProvider({ version, name: kindName }), () => ['--kind-cluster', kindName, '--k8s-version', version.semver]);

console.log(`Kubernetes ${version.gitVersion}, caches warm; kind node image from its cache in ${sec(imageCached)}`);
console.log('provider     ready   ratio   suites   ratio   run wall   tests');
for (const [name, f] of [['embedded', embedded], ['kind', kind]] as const) {
  console.log(
    `${name.padEnd(10)} ${sec(f.readyMs).padStart(7)} ${(f.readyMs / embedded.readyMs).toFixed(2).padStart(7)} ${sec(f.suitesMs).padStart(8)} ${(f.suitesMs / embedded.suitesMs).toFixed(2).padStart(7)} ${sec(f.wallMs).padStart(10)}   ${f.passed}`,
  );
}
