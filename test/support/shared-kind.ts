/**
 * One single-node kind cluster for the kind test files of a Mocha process that need no cluster of
 * their own (kind, kind-node-access, check): the first file that asks makes it, the next reuse it,
 * and a root `after` hook deletes it after the last file, then stops the dockerd it started (when no
 * engine answered before). A test that deletes the cluster itself (kind.test's destroy check) calls
 * `forgetSharedKind`, and a later asker makes a new one. Making a kind cluster takes about 25 s
 * here: the three files used to make three. Each file leaves the cluster as it found it: the kubelet
 * and containerd running, the node Ready, its runs' namespaces deleted.
 */
import { execa } from 'execa';
import { KindProvider } from '../../lib/cluster/kind/kind.js';
import type { KindCluster } from '../../lib/cluster/kind/kind.js';
import { dockerEnv, dockerStartedByInitc, ensureDocker, stopDockerIfWeStartedIt } from '../../lib/cluster/kind/docker.js';
import { resolveKubeVersion } from '../../lib/cluster/local/versions.js';
import { ConsoleProgress } from '../../lib/progress.js';

export interface SharedKind {
  provider: KindProvider;
  cluster: KindCluster;
}

const progress = new ConsoleProgress();
let shared: Promise<SharedKind> | undefined;
/** Whether a Docker engine answered before the first cluster was made: if not, the one started for it is stopped at the end. */
let dockerWasRunning: boolean | undefined;

export const sharedKindVersion = () => resolveKubeVersion(process.env.INITC_KIND_VERSION ?? '1.34');

/** The shared cluster, made on the first call (or the first after `forgetSharedKind`). */
export function sharedKindCluster(): Promise<SharedKind> {
  shared ??= (async () => {
    if (process.getuid?.() !== 0) throw new Error('the kind integration tests must run as root (they may start dockerd)');
    dockerWasRunning ??= (await execa('docker', ['version'], { env: dockerEnv(), reject: false })).exitCode === 0;
    await ensureDocker(progress);
    // Docker is stopped here at the end, not by destroy, so that a test can still ask it about what destroy left.
    const provider = new KindProvider({ version: sharedKindVersion(), stopDockerWhenIdle: false });
    const started = Date.now();
    const cluster = await provider.create({ progress });
    console.log(`    (kind cluster ${cluster.clusterName} made in ${((Date.now() - started) / 1000).toFixed(1)}s, shared by this process's kind test files)`);
    return { provider, cluster };
  })();
  return shared;
}

/** The caller deleted the shared cluster: the next `sharedKindCluster()` makes a new one. */
export function forgetSharedKind(): void {
  shared = undefined;
}

// A root hook (this module is imported at a test file's top level): runs once, after every file.
after(async function () {
  this.timeout(5 * 60_000);
  const made = await shared?.catch(() => undefined);
  shared = undefined;
  if (made) await made.provider.destroy({ progress }).catch((err) => console.log(`    destroy of the shared kind cluster: ${(err as Error).message}`));
  if (dockerWasRunning === false && (await dockerStartedByInitc())) await stopDockerIfWeStartedIt(progress);
});
