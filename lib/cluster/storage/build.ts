/**
 * The storage provisioner (go/), built from the Go module proxy on
 * sigs.k8s.io/sig-storage-lib-external-provisioner and cached like the cluster's other binaries
 * (keyed on its sources, go.mod, flags and the Go version).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Progress } from '../../progress.js';
import { projectRoot } from '../../util/paths.js';
import { cachedBuild, tidyThenBuild } from '../local/build.js';

export const PROVISIONER_LIB = 'sigs.k8s.io/sig-storage-lib-external-provisioner/v13';
export const PROVISIONER_LIB_VERSION = 'v13.0.0';
/** client-go and its API modules, pinned to a patch the kube 1.34 build already downloads. */
export const PROVISIONER_CLIENT_VERSION = 'v0.34.12';
/** Bump when the Go sources change in a way their text does not show (never, so far). */
export const PROVISIONER_VERSION = 'v1';
const LDFLAGS = '-s -w';

/** The provisioner module's go.mod before `go mod tidy` completes it. Pure. */
export function provisionerGoMod(): string {
  const k8s = ['k8s.io/api', 'k8s.io/apimachinery', 'k8s.io/client-go'].map((m) => `\t${m} ${PROVISIONER_CLIENT_VERSION}`);
  return ['module initc.local/storage-provisioner', '', 'go 1.24.0', '', 'require (', `\t${PROVISIONER_LIB} ${PROVISIONER_LIB_VERSION}`, ...k8s, ')', ''].join('\n');
}

/** The module's files: go.mod and the Go sources under lib/cluster/storage/go (tests too: `go test -trimpath` runs them on the same cache). */
export async function provisionerModuleFiles(): Promise<Record<string, string>> {
  const dir = path.join(projectRoot(), 'lib', 'cluster', 'storage', 'go');
  const files: Record<string, string> = { 'go.mod': provisionerGoMod() };
  for (const f of (await fs.readdir(dir)).filter((n) => n.endsWith('.go')).sort()) files[f] = await fs.readFile(path.join(dir, f), 'utf8');
  return files;
}

export async function buildProvisioner(progress: Progress, goVer: string): Promise<string> {
  const out = await cachedBuild(
    {
      component: 'storage-provisioner',
      version: PROVISIONER_VERSION,
      files: await provisionerModuleFiles(),
      keyExtras: [LDFLAGS, goVer],
      build: tidyThenBuild('storage-provisioner', LDFLAGS),
    },
    progress,
  );
  return path.join(out, 'storage-provisioner');
}
