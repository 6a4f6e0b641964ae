// `initc compare --versions` against its goal: the whole comparison within 1.5 × the single
// longest version's run, which needs the versions' clusters side by side (embedded clusters of
// their own names, or kind). Runs each version alone first (timed, on a cluster of its own that
// the run starts and stops), then the comparison (timed), sampling the memory of the clusters
// every 2 s (kind: the node containers' usage as `docker stats` reports it; embedded: the resident
// memory of the benchmark's clusters' processes, found by their folders).
// Usage: scripts/bench-compare [--versions 1.33,1.34,1.35,1.36] [--provider local|kind] [--suite a,b]
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, TSX } from '../test/support/cli.js';

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback);
const versions = arg('--versions', '1.33,1.34,1.35,1.36').split(',');
const provider = arg('--provider', 'local');
const suite = arg('--suite', 'order,never,validation,chaos-kill');
const sec = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-bench-compare-'));

/** kind node containers that were there before the benchmark (another user's clusters): never counted. */
const before = new Set(provider === 'kind' ? String((await execa('docker', ['ps', '--format', '{{.Names}}'], { reject: false })).stdout).split('\n') : []);

/** Memory of the benchmark's clusters now, in MiB. */
async function clustersMiB(): Promise<number> {
  if (provider === 'kind') {
    const r = await execa('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}'], { reject: false });
    const units: Record<string, number> = { KiB: 1 / 1024, MiB: 1, GiB: 1024 };
    return String(r.stdout)
      .split('\n')
      .filter((l) => l.startsWith('initc-') && l.includes('-control-plane') && !before.has(l.split(' ')[0]!))
      .reduce((sum, l) => {
        const m = /\s([\d.]+)(KiB|MiB|GiB)\s*\//.exec(l);
        return sum + (m ? Number(m[1]) * units[m[2]!]! : 0);
      }, 0);
  }
  // Every process of an embedded cluster names its folders (configs, sockets, data) on its command line.
  const r = await execa('ps', ['-eo', 'rss=,args='], { reject: false });
  return String(r.stdout)
    .split('\n')
    .filter((l) => /\/initc\/(bench-|cmp-)/.test(l))
    .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0] || 0), 0) / 1024;
}

async function timed(args: string[], sampleMemory: boolean): Promise<{ ms: number; exitCode: number; peakMiB: number }> {
  let peakMiB = 0;
  let sampling = sampleMemory;
  const sampler = (async () => {
    while (sampling) {
      peakMiB = Math.max(peakMiB, await clustersMiB());
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  const t0 = Date.now();
  const r = await execa(TSX, [CLI, ...args], { reject: false, stdout: 'ignore', stderr: 'ignore' });
  const ms = Date.now() - t0;
  sampling = false;
  await sampler;
  return { ms, exitCode: r.exitCode ?? 70, peakMiB };
}

const provArgs = (v: string) => (provider === 'kind' ? ['--provider', 'kind'] : ['--provider', 'local', '--local-cluster', `bench-${v.replace(/\D/g, '')}`]);
const singles: Array<{ version: string; ms: number; exitCode: number; peakMiB: number }> = [];
for (const v of versions) {
  console.error(`alone: ${v}…`);
  singles.push({ version: v, ...(await timed(['run', ...provArgs(v), '--k8s-version', v, '--suite', suite, '--out', path.join(work, `alone-${v}`)], true)) });
}
console.error(`compare --versions ${versions.join(',')} (${provider})…`);
const cmp = await timed(['compare', '--versions', versions.join(','), ...(provider === 'kind' ? ['--provider', 'kind'] : []), '--suite', suite, '--out', path.join(work, 'compare')], true);
const longest = Math.max(...singles.map((x) => x.ms));
console.log(`suites ${suite}; provider ${provider}; each version alone, then the comparison`);
for (const x of singles) console.log(`  ${x.version.padEnd(6)} alone   ${sec(x.ms).padStart(8)}   exit ${x.exitCode}   peak ${x.peakMiB.toFixed(0)} MiB`);
console.log(`  compare         ${sec(cmp.ms).padStart(8)}   exit ${cmp.exitCode}   peak ${cmp.peakMiB.toFixed(0)} MiB (all clusters together)`);
console.log(`  ratio to the longest single run: ${(cmp.ms / longest).toFixed(2)} (goal ≤ 1.5)`);
if ([...singles, cmp].some((x) => x.exitCode !== 0)) console.log(`  a run did not pass: its folder is kept for its report (${work})`);
else await fs.rm(work, { recursive: true, force: true });
