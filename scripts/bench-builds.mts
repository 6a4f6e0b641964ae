// Cold-build benchmark of the embedded cluster's components: builds every binary a cluster of one
// version runs (kube, containerd, CoreDNS, crictl, pause, the storage provisioner), all at once as
// `initc cluster up` does, into an empty cache of its own with an empty Go build cache (the Go
// module cache stays: downloads are the network's time, not the build's). Prints each build's
// duration and the whole wall time beside its floor, the critical path: the longest single build.
// Usage: scripts/bench-builds [version] (default the default version). Takes minutes: it compiles.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBinaries } from '../lib/cluster/local/build.js';
import { resolveKubeVersion } from '../lib/cluster/local/versions.js';
import type { Progress } from '../lib/progress.js';

const version = resolveKubeVersion(process.argv[2]);
const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-bench-builds-'));
process.env.INITC_CACHE_DIR = path.join(scratch, 'cache');
process.env.GOCACHE = path.join(scratch, 'gocache');
const durations = new Map<string, number>();
const sizes: string[] = [];

/** Records each build's duration by its step title; lines of sizes as the builds print them. */
const progress: Progress = {
  info: (m) => {
    if (m.startsWith('built ')) sizes.push(m);
  },
  step: async (title, work) => {
    const started = Date.now();
    const r = await work({ update: () => undefined });
    if (title.startsWith('build ')) durations.set(title.replace(/ \(log: .*\)$/, '').replace(/^build /, ''), Date.now() - started);
    return r;
  },
};

const sec = (ms: number) => `${(ms / 1000).toFixed(1)}s`.padStart(8);
try {
  console.log(`cold builds of Kubernetes ${version.gitVersion}'s cluster, all at once (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(2)}); cache ${scratch}`);
  const started = Date.now();
  await ensureBinaries(version, progress);
  const wall = Date.now() - started;
  for (const [name, ms] of [...durations].sort((a, b) => b[1] - a[1])) console.log(`${sec(ms)}  ${name}`);
  for (const s of sizes) console.log(`          ${s}`);
  const floor = Math.max(...durations.values());
  const sum = [...durations.values()].reduce((a, b) => a + b, 0);
  console.log(`\nall builds: ${sec(wall).trim()} beside the critical path (the longest build) ${sec(floor).trim()}: ratio ${(wall / floor).toFixed(2)}; one after another they would take about ${sec(sum).trim()} (the sum of the builds as measured here)`);
} finally {
  await fs.rm(scratch, { recursive: true, force: true });
}
