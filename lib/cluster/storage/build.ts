/**
 * The storage provisioner (go/) is a second main package of each release's kube module
 * (local/build.ts buildKube), built with kube in one `go build`: on kube's dependency graph, the
 * ~750 packages it shares with kube (client-go, grpc, prometheus ...) compile once, and only its
 * own dozen are added. Alone, on its library's own requirements, it compiled all ~760.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../util/paths.js';
import type { ModuleVersion } from '../local/gosrc.js';

export const PROVISIONER_LIB: ModuleVersion = { path: 'sigs.k8s.io/sig-storage-lib-external-provisioner/v13', version: 'v13.0.0' };
/** Its folder in the kube module, and so the binary's name. */
export const PROVISIONER_PACKAGE = 'storage-provisioner';

/** The Go sources under lib/cluster/storage/go, keyed by their path in the kube module; its Go tests only when asked. */
export async function provisionerSources({ tests }: { tests: boolean }): Promise<Record<string, string>> {
  const dir = path.join(projectRoot(), 'lib', 'cluster', 'storage', 'go');
  const files: Record<string, string> = {};
  for (const f of (await fs.readdir(dir)).filter((n) => n.endsWith('.go') && (tests || !n.endsWith('_test.go'))).sort()) {
    files[`${PROVISIONER_PACKAGE}/${f}`] = await fs.readFile(path.join(dir, f), 'utf8');
  }
  return files;
}
