/**
 * Go builds cached outside the work tree: a generated module built once per key (its files, flags
 * and the Go version) into initc's cache, under a lock per entry, with a progress line per step.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import type { Progress, StepHandle } from '../../progress.js';
import { takeDirLock } from '../../util/dir-lock.js';
import { exists, sha256, tail, writeFileMode } from '../../util/fsx.js';
import { cacheRoot } from '../../util/paths.js';
import { parseUpstreamKubeMod, type UpstreamModInfo } from './gosrc.js';
import type { KubeVersion } from './versions.js';

const goEnv = () => ({ ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' });

export async function goVersion(): Promise<string> {
  try {
    const { stdout } = await execa('go', ['env', 'GOVERSION'], { env: goEnv() });
    return stdout.trim();
  } catch {
    throw new InitcError('missingHostFeature', 'the Go toolchain (`go`) is not on PATH; the embedded cluster is built from the Go module proxy and needs Go 1.24 or newer');
  }
}

export interface CachedBuild {
  /** Cache folder name, e.g. "kube". */
  component: string;
  /** What is built, e.g. "v1.34.12"; the first part of the cache entry's name. */
  version: string;
  /** Files written into the Go module folder; part of the cache key. */
  files: Record<string, string>;
  /** Anything else the result depends on (flags, Go version). */
  keyExtras: string[];
  /** Runs the build in `workDir`, putting binaries into `outDir`. */
  build(ctx: { workDir: string; outDir: string; log: NodeJS.WritableStream; step: StepHandle }): Promise<void>;
}

/** Returns the folder holding the built binaries, building them only when no complete entry exists. */
export async function cachedBuild(spec: CachedBuild, progress: Progress): Promise<string> {
  const key = sha256(JSON.stringify([spec.files, spec.keyExtras])).slice(0, 12);
  const base = path.join(cacheRoot(), spec.component);
  const outDir = path.join(base, `${spec.version}-${key}`);
  if (await exists(path.join(outDir, '.complete'))) {
    progress.info(`✔ ${spec.component} ${spec.version} from cache (${outDir})`);
    return outDir;
  }
  await fs.mkdir(base, { recursive: true });
  const release = await takeDirLock(`${outDir}.lock`, (owner) => progress.info(`waiting for another initc (pid ${owner}) building into ${base}`));
  try {
    if (await exists(path.join(outDir, '.complete'))) return outDir; // another initc built it while we waited
    const logFile = `${outDir}.build.log`;
    const workDir = `${outDir}.src`;
    const tmpOut = `${outDir}.tmp`;
    await fs.rm(workDir, { recursive: true, force: true });
    await fs.rm(tmpOut, { recursive: true, force: true });
    await fs.mkdir(tmpOut, { recursive: true });
    for (const [name, content] of Object.entries(spec.files)) await writeFileMode(path.join(workDir, name), content);
    const log = createWriteStream(logFile);
    try {
      await progress.step(`build ${spec.component} ${spec.version} (log: ${logFile})`, (step) =>
        spec.build({ workDir, outDir: tmpOut, log, step }),
      );
    } catch (err) {
      if (err instanceof InitcError) throw err;
      const detail = (await tail(logFile, 3)).replace(/\n/g, ' | ');
      throw new InitcError('buildFailed', `building ${spec.component} ${spec.version} failed: ${detail || (err as Error).message} (log: ${logFile})`);
    } finally {
      await new Promise((resolve) => log.end(resolve));
    }
    progress.info(`built ${spec.component} ${spec.version}: ${await describeSize(tmpOut)}`);
    await fs.writeFile(path.join(tmpOut, '.complete'), JSON.stringify({ key, files: Object.keys(spec.files), keyExtras: spec.keyExtras, builtAt: new Date().toISOString() }, null, 2));
    await fs.rm(outDir, { recursive: true, force: true });
    await fs.rename(tmpOut, outDir);
    await fs.rm(workDir, { recursive: true, force: true });
    return outDir;
  } finally {
    await release();
  }
}

/** The files a build put out and their sizes, e.g. "kube 151.2 MB" or "containerd 41.0 MB, ctr 22.3 MB". */
async function describeSize(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const f of (await fs.readdir(dir)).sort()) {
    const st = await fs.stat(path.join(dir, f));
    if (st.isFile()) parts.push(`${f} ${(st.size / 1e6).toFixed(1)} MB`);
  }
  return parts.join(', ') || 'no files';
}

/** Runs one go command in `cwd`, its output into the build log; `onLine` sees stderr lines (go build -v names packages there). */
export async function go(
  args: string[],
  cwd: string,
  log: NodeJS.WritableStream,
  onLine?: (line: string) => void,
  env: Record<string, string> = {},
): Promise<string> {
  log.write(`$ go ${args.join(' ')}\n`);
  const child = execa('go', args, { cwd, env: { ...goEnv(), ...env }, reject: false, buffer: { stdout: true, stderr: false } });
  child.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    if (onLine) for (const line of chunk.toString().split('\n')) if (line.trim()) onLine(line.trim());
  });
  const result = await child;
  if (result.stdout) log.write(`${result.stdout}\n`);
  if (result.exitCode !== 0) throw new Error(`go ${args[0]} exited with ${result.exitCode}`);
  return result.stdout;
}

/** `go build -v` with a running count of compiled packages out of the total `go list -deps` gives. */
async function goBuildWithProgress(pkgs: string[], args: string[], cwd: string, log: NodeJS.WritableStream, step: StepHandle): Promise<void> {
  step.update('resolving modules');
  const total = (await go(['list', '-deps', ...pkgs], cwd, log)).split('\n').filter(Boolean).length;
  let compiled = 0;
  await go(['build', '-v', '-trimpath', ...args, ...pkgs], cwd, log, (line) => {
    if (!line.startsWith('go: ') && !line.startsWith('#')) compiled++;
    step.update(`compiled ${compiled} of ~${total} packages`);
  });
}

/**
 * The build of a generated module: resolve its requirements, then build its binary into the output
 * folder; or several at once, each binary's name mapped to its package (".", "./folder", or a main
 * package of a required module), named as `go build` names them: after the package path's last
 * part, the root package after the module path's.
 */
export const tidyThenBuild =
  (binaries: string | Record<string, string>, ldflags: string): CachedBuild['build'] =>
  async ({ workDir, outDir, log, step }) => {
    step.update('go mod tidy');
    await go(['mod', 'tidy'], workDir, log);
    if (typeof binaries === 'string') {
      await goBuildWithProgress(['.'], ['-ldflags', ldflags, '-o', path.join(outDir, binaries)], workDir, log, step);
      return;
    }
    await goBuildWithProgress(Object.values(binaries), ['-ldflags', ldflags, '-o', `${outDir}${path.sep}`], workDir, log, step);
    for (const b of Object.keys(binaries)) if (!(await exists(path.join(outDir, b)))) throw new Error(`go build put out no ${b}`);
  };

export async function moduleInfo(mod: string, cwd: string, log: NodeJS.WritableStream): Promise<{ Dir: string; GoMod: string }> {
  const out = await go(['mod', 'download', '-json', mod], cwd, log);
  const info = JSON.parse(out) as { Dir?: string; GoMod?: string; Error?: string };
  if (info.Error || !info.Dir || !info.GoMod) throw new InitcError('buildFailed', `the Go module proxy did not serve ${mod}: ${info.Error ?? 'no module folder'}`);
  return { Dir: info.Dir, GoMod: info.GoMod };
}

export async function scratchLog(): Promise<{ log: NodeJS.WritableStream; dir: string }> {
  const dir = path.join(cacheRoot(), 'tmp');
  await fs.mkdir(dir, { recursive: true });
  return { log: createWriteStream(path.join(dir, 'module-download.log'), { flags: 'a' }), dir };
}

/** k8s.io/kubernetes at `version` from the Go module proxy: its folder and what its go.mod says. */
export async function upstreamKube(version: KubeVersion): Promise<{ dir: string; mod: UpstreamModInfo }> {
  const { log, dir } = await scratchLog();
  const upstream = await moduleInfo(`k8s.io/kubernetes@${version.gitVersion}`, dir, log).catch((err) => {
    if (err instanceof InitcError) throw err;
    throw new InitcError('buildFailed', `cannot download k8s.io/kubernetes@${version.gitVersion} from the Go module proxy (log: ${dir}/module-download.log)`);
  });
  log.end();
  return { dir: upstream.Dir, mod: parseUpstreamKubeMod(await fs.readFile(upstream.GoMod, 'utf8')) };
}

