/**
 * The kind CLI, built from the Go module proxy (`go install sigs.k8s.io/kind@VERSION`, kind's own
 * go.mod as upstream pins it) and cached like the embedded cluster's binaries.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import type { Progress } from '../../progress.js';
import { cachedBuild, go, goVersion, scratchLog } from '../local/go-build.js';
import { dockerEnv } from './docker.js';

/** kind v0.32.0 supports Kubernetes 1.33–1.36; its node image layout is what node-image.ts builds. */
export const KIND_VERSION = 'v0.32.0';

export interface KindSource {
  /** The module's folder in the Go module cache (read-only): images/base/files, pkg/build/nodeimage. */
  dir: string;
  version: string;
}

/** Downloads kind's module (for its node image files) and returns its folder in the module cache. */
export async function kindSource(version = KIND_VERSION): Promise<KindSource> {
  const { log, dir } = await scratchLog();
  try {
    const out = await go(['mod', 'download', '-json', `sigs.k8s.io/kind@${version}`], dir, log);
    const info = JSON.parse(out) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(info.Error ?? 'no module folder');
    return { dir: info.Dir, version };
  } catch (err) {
    throw new InitcError('buildFailed', `the Go module proxy did not serve sigs.k8s.io/kind@${version}: ${(err as Error).message} (log: ${dir}/module-download.log)`);
  } finally {
    log.end();
  }
}

/** Builds (or finds in the cache) the kind binary; returns its path. */
export async function buildKind(progress: Progress, version = KIND_VERSION): Promise<string> {
  const goVer = await goVersion();
  const pkg = `sigs.k8s.io/kind@${version}`;
  const out = await cachedBuild(
    {
      component: 'kind',
      version,
      files: { 'go.mod': 'module initc.local/kind\n' },
      keyExtras: [pkg, goVer, '-trimpath'],
      build: async ({ workDir, outDir, log, step }) => {
        step.update('go install');
        await go(['install', '-trimpath', pkg], workDir, log, undefined, { GOBIN: outDir });
      },
    },
    progress,
  );
  const binary = path.join(out, 'kind');
  await fs.access(binary).catch(() => {
    throw new InitcError('buildFailed', `the kind build in ${out} holds no kind binary`);
  });
  return binary;
}

/** Runs the kind CLI against this machine's Docker engine (on `network` when given); never rejects. */
export async function kindCli(kind: string, args: string[], o: { signal?: AbortSignal; network?: string } = {}) {
  return execa(kind, args, {
    env: { ...dockerEnv(), ...(o.network ? { KIND_EXPERIMENTAL_DOCKER_NETWORK: o.network } : {}) },
    reject: false,
    cancelSignal: o.signal,
    all: true,
  });
}
