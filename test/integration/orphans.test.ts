/**
 * Clusters that dead runs left behind (integration; root): `initc gc` stops an embedded cluster
 * whose starting run died (a named one of its own, `orph`) and deletes a kind cluster whose run was
 * killed. Every `initc run`, `check` and `gc` on this machine cleans such clusters up first, so this
 * file runs alone, after every other test file (test/support/lanes.ts: `alone`): anywhere else
 * another test's command would remove the orphan before this test's gc could be seen doing it.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { dockerEnv, dockerStartedByInitc, ensureDocker, stopDockerIfWeStartedIt } from '../../lib/cluster/kind/docker.js';
import { kindNetworkName } from '../../lib/cluster/kind/kind.js';
import { LocalClusterProvider } from '../../lib/cluster/local/local.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { ExitCode } from '../../lib/errors.js';
import { ConsoleProgress } from '../../lib/progress.js';
import { cacheRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';
import { until } from '../support/storage.js';

const NAME = 'orph';
const docker = async (...args: string[]) => String((await execa('docker', args, { env: dockerEnv() })).stdout).split('\n').filter(Boolean);

describe('clusters dead runs left: initc gc (integration; root; alone)', function () {
  this.timeout(15 * 60_000);
  const progress = new ConsoleProgress();

  it('an embedded cluster whose starting run died before stopping it: `initc gc --dry-run` says so, `initc gc` stops it', async () => {
    if (process.getuid?.() !== 0) throw new Error('this integration test must run as root (the embedded cluster)');
    const provider = new LocalClusterProvider({ version: resolveKubeVersion(undefined), name: NAME });
    try {
      const up = await initc(['cluster', 'up', '--name', NAME, '--no-merge-kubeconfig']);
      expect(up.exitCode, String(up.stderr)).to.equal(0);
      const state = JSON.parse(await fs.readFile(provider.layout.stateFile, 'utf8'));
      const dead = spawn('true');
      await new Promise((r) => dead.once('exit', r));
      state.owner = { pid: dead.pid, startTime: '1', command: 'initc run (a test\'s dead run)', temporary: true };
      await fs.writeFile(provider.layout.stateFile, JSON.stringify(state));
      const dry = await initc(['gc', '--local-cluster', NAME, '--dry-run']);
      expect(dry.exitCode, String(dry.stderr)).to.equal(0);
      expect(String(dry.stderr)).to.include(`started by \`initc run (a test's dead run)\`, pid ${dead.pid}, which died before stopping it: would stop it`);
      expect((await provider.status()).running, 'still running after --dry-run').to.equal(true);
      const gc = await initc(['gc', '--local-cluster', NAME]);
      expect(gc.exitCode, String(gc.stderr)).to.equal(0);
      expect((await initc(['cluster', 'status', '--name', NAME])).exitCode, 'stopped by gc').to.equal(ExitCode.notRunning);
      expect(await provider.leftovers()).to.deep.equal([]);
    } finally {
      if ((await provider.status()).state) await initc(['cluster', 'down', '--name', NAME]);
    }
  });

  it('a kind cluster whose run was killed (kill -9): `initc gc --dry-run` names it, `initc gc` deletes it with its network', async () => {
    const version = resolveKubeVersion(process.env.INITC_KIND_VERSION ?? '1.34');
    const dockerWasRunning = (await execa('docker', ['version'], { env: dockerEnv(), reject: false })).exitCode === 0;
    await ensureDocker(progress);
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-kind-killed-'));
    try {
      const clusters = path.join(cacheRoot(), 'kind', 'clusters');
      const before = new Set(await fs.readdir(clusters).catch(() => [] as string[]));
      const child = initc(['run', '--provider', 'kind', '--k8s-version', version.semver, '--suite', 'order', '--out', out], { detached: true });
      // The killed run's cluster is the one its owner file says it made.
      const madeByTheRun = async (n: string) => (await fs.readFile(path.join(clusters, n, 'owner.json'), 'utf8').catch(() => '')).includes(out);
      const name = await until('the killed run\'s cluster', async () => {
        for (const n of await fs.readdir(clusters).catch(() => [] as string[])) {
          if (before.has(n) || !(await madeByTheRun(n))) continue;
          if ((await docker('ps', '-q', '--filter', `label=io.x-k8s.kind.cluster=${n}`)).length) return n;
        }
        return undefined;
      }, 180_000);
      process.kill(-child.pid!, 'SIGKILL');
      await child.catch(() => undefined);
      const dry = await initc(['gc', '--dry-run']);
      expect(String(dry.stderr), String(dry.stderr)).to.match(new RegExp(`the kind cluster ${name} was created by \`initc run --provider kind [^\`]*\`, pid \\d+, which died before deleting it: would delete it`));
      expect(await docker('ps', '-aq', '--filter', `label=io.x-k8s.kind.cluster=${name}`), 'still there after --dry-run').to.not.deep.equal([]);
      const gc = await initc(['gc']);
      expect(String(gc.stderr)).to.include(`the kind cluster ${name} was created by`);
      expect(String(gc.stderr)).to.include('which died before deleting it: deleting it');
      expect(await docker('ps', '-aq', '--filter', `label=io.x-k8s.kind.cluster=${name}`), 'containers of the orphan').to.deep.equal([]);
      expect((await docker('network', 'ls', '--format', '{{.Name}}')).filter((n) => n === kindNetworkName(name)), 'its network').to.deep.equal([]);
      expect(await fs.readdir(clusters).catch(() => [] as string[])).not.to.include(name);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
      if (!dockerWasRunning && (await dockerStartedByInitc())) await stopDockerIfWeStartedIt(progress);
    }
  });
});
