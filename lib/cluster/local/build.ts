/**
 * Builds the embedded cluster's binaries from the Go module proxy and caches them outside the
 * work tree, keyed on everything that went into them (sources, go.mod, flags, Go version), so a
 * second run reuses them and a changed pin rebuilds.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import type { Progress, StepHandle } from '../../progress.js';
import { takeDirLock } from '../../util/dir-lock.js';
import { exists, sha256, tail, writeFileMode } from '../../util/fsx.js';
import { cacheRoot, projectRoot } from '../../util/paths.js';
import {
  COREDNS_PLUGINS,
  corednsDirectivesGo,
  corednsGoMod,
  kubeGoMod,
  kubeLdflags,
  kubeletGo,
  parseUpstreamKubeMod,
} from './gosrc.js';
import type { KubeVersion } from './versions.js';
import { crictlVersionFor } from './versions.js';

export const CONTAINERD_VERSION = 'v2.2.9';
export const COREDNS_VERSION = 'v1.14.7';

/** Paths of everything the embedded cluster runs, all inside the build cache. */
export interface ClusterBinaries {
  /** Multi-call binary: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy, kubectl. */
  kube: string;
  containerd: string;
  containerdShim: string;
  ctr: string;
  coredns: string;
  pause: string;
  /** CRI client, for the chaos injectors (crictlVersionFor). Missing in the state of a cluster started before it was built. */
  crictl?: string;
  /** The default StorageClass's provisioner (lib/cluster/storage). Missing in the state of a cluster started before it was built. */
  provisioner?: string;
  goVersion: string;
}

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

/** The build of a generated module: resolve its requirements, then build its one binary into the output folder. */
export const tidyThenBuild =
  (binary: string, ldflags: string): CachedBuild['build'] =>
  async ({ workDir, outDir, log, step }) => {
    step.update('go mod tidy');
    await go(['mod', 'tidy'], workDir, log);
    await goBuildWithProgress(['.'], ['-ldflags', ldflags, '-o', path.join(outDir, binary)], workDir, log, step);
  };

export async function moduleInfo(mod: string, cwd: string, log: NodeJS.WritableStream): Promise<{ Dir: string; GoMod: string }> {
  const out = await go(['mod', 'download', '-json', mod], cwd, log);
  const info = JSON.parse(out) as { Dir?: string; GoMod?: string; Error?: string };
  if (info.Error || !info.Dir || !info.GoMod) throw new InitcError('buildFailed', `the Go module proxy did not serve ${mod}: ${info.Error ?? 'no module folder'}`);
  return { Dir: info.Dir, GoMod: info.GoMod };
}

const goSource = (...parts: string[]) => fs.readFile(path.join(projectRoot(), 'lib', 'cluster', 'local', 'go', ...parts), 'utf8');

export async function scratchLog(): Promise<{ log: NodeJS.WritableStream; dir: string }> {
  const dir = path.join(cacheRoot(), 'tmp');
  await fs.mkdir(dir, { recursive: true });
  return { log: createWriteStream(path.join(dir, 'module-download.log'), { flags: 'a' }), dir };
}

/** The generated module that requires k8s.io/kubernetes at `version` (its go.mod) and the version linker flags. */
async function kubeWrapperModule(version: KubeVersion): Promise<{ goMod: string; ldflags: string; upstreamDir: string }> {
  const { log, dir } = await scratchLog();
  const upstream = await moduleInfo(`k8s.io/kubernetes@${version.gitVersion}`, dir, log).catch((err) => {
    if (err instanceof InitcError) throw err;
    throw new InitcError('buildFailed', `cannot download k8s.io/kubernetes@${version.gitVersion} from the Go module proxy (log: ${dir}/module-download.log)`);
  });
  log.end();
  const info = parseUpstreamKubeMod(await fs.readFile(upstream.GoMod, 'utf8'));
  return { goMod: kubeGoMod(version, info), ldflags: kubeLdflags(version), upstreamDir: upstream.Dir };
}

export async function buildKube(version: KubeVersion, progress: Progress, goVer: string): Promise<string> {
  const { goMod, ldflags } = await kubeWrapperModule(version);
  const files = {
    'go.mod': goMod,
    'main.go': await goSource('kube', 'main.go'),
    'kubelet.go': kubeletGo(version),
  };
  const out = await cachedBuild(
    {
      component: 'kube',
      version: version.gitVersion,
      files,
      keyExtras: [ldflags, goVer],
      build: tidyThenBuild('kube', ldflags),
    },
    progress,
  );
  return path.join(out, 'kube');
}

/**
 * kubeadm (for kind's node images), built from the same generated wrapper module as the kube
 * binary (kubeGoMod) and with the same version ldflags, so `kubeadm version` reports the release.
 */
export async function buildKubeadm(version: KubeVersion, progress: Progress, goVer: string): Promise<string> {
  const { goMod, ldflags, upstreamDir } = await kubeWrapperModule(version);
  const files = {
    'go.mod': goMod,
    // upstream's own cmd/kubeadm/kubeadm.go of this release (package main, which a module consumer
    // cannot build in place); its imports changed in 1.34 (util.CheckErr → util/errors.HandleError).
    'main.go': await fs.readFile(path.join(upstreamDir, 'cmd', 'kubeadm', 'kubeadm.go'), 'utf8'),
  };
  const out = await cachedBuild(
    { component: 'kubeadm', version: version.gitVersion, files, keyExtras: [ldflags, goVer], build: tidyThenBuild('kubeadm', ldflags) },
    progress,
  );
  return path.join(out, 'kubeadm');
}

export async function buildContainerd(progress: Progress, goVer: string): Promise<string> {
  const mod = `github.com/containerd/containerd/v2@${CONTAINERD_VERSION}`;
  const ldflags = `-s -w -X github.com/containerd/containerd/v2/version.Version=${CONTAINERD_VERSION} -X github.com/containerd/containerd/v2/version.Revision=initc`;
  const cmds = ['containerd', 'containerd-shim-runc-v2', 'ctr'];
  return cachedBuild(
    {
      component: 'containerd',
      version: CONTAINERD_VERSION,
      files: { 'go.mod': 'module initc.local/containerd\n' },
      keyExtras: [mod, ldflags, goVer, 'no_btrfs no_zfs no_devmapper', ...cmds],
      build: async ({ workDir, outDir, log, step }) => {
        // `go install pkg@version` builds with containerd's own go.mod, exactly as upstream pins it.
        const pkgs = cmds.map((c) => `github.com/containerd/containerd/v2/cmd/${c}@${CONTAINERD_VERSION}`);
        step.update('downloading modules');
        let compiled = 0;
        const countPackage = (line: string) => {
          if (!line.startsWith('go: ')) compiled++;
          step.update(`compiled ${compiled} packages`);
        };
        const tags = ['-tags', 'no_btrfs no_zfs no_devmapper'];
        await go(['install', '-v', '-trimpath', ...tags, '-ldflags', ldflags, ...pkgs], workDir, log, countPackage, { GOBIN: outDir });
      },
    },
    progress,
  );
}

export async function buildCoredns(progress: Progress, goVer: string): Promise<string> {
  const { log, dir } = await scratchLog();
  const upstream = await moduleInfo(`github.com/coredns/coredns@${COREDNS_VERSION}`, dir, log);
  log.end();
  const pluginCfg = await fs.readFile(path.join(upstream.Dir, 'plugin.cfg'), 'utf8');
  const goDirective = /^go\s+(\S+)/m.exec(await fs.readFile(upstream.GoMod, 'utf8'))?.[1] ?? '1.24.0';
  const files = {
    'go.mod': corednsGoMod(COREDNS_VERSION, goDirective),
    'main.go': await goSource('coredns', 'main.go'),
    'directives.go': corednsDirectivesGo(pluginCfg, COREDNS_PLUGINS),
  };
  const ldflags = `-s -w -X github.com/coredns/coredns/coremain.GitCommit=${COREDNS_VERSION}`;
  const out = await cachedBuild(
    {
      component: 'coredns',
      version: COREDNS_VERSION,
      files,
      keyExtras: [ldflags, goVer],
      build: tidyThenBuild('coredns', ldflags),
    },
    progress,
  );
  return path.join(out, 'coredns');
}

export async function buildPause(progress: Progress, goVer: string): Promise<string> {
  const files = { 'go.mod': 'module initc.local/pause\n\ngo 1.22\n', 'main.go': await goSource('pause', 'main.go') };
  const out = await cachedBuild(
    {
      component: 'pause',
      version: 'v1',
      files,
      keyExtras: [goVer],
      build: async ({ workDir, outDir, log }) => {
        await go(['build', '-trimpath', '-ldflags', '-s -w', '-o', path.join(outDir, 'pause'), '.'], workDir, log);
      },
    },
    progress,
  );
  return path.join(out, 'pause');
}

export async function buildCrictl(version: string, progress: Progress, goVer: string): Promise<string> {
  const pkg = `sigs.k8s.io/cri-tools/cmd/crictl@${version}`;
  const ldflags = `-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=${version}`;
  const out = await cachedBuild(
    {
      component: 'crictl',
      version,
      files: { 'go.mod': 'module initc.local/crictl\n' },
      keyExtras: [pkg, ldflags, goVer],
      build: async ({ workDir, outDir, log }) => {
        // `go install pkg@version` builds with cri-tools' own go.mod, as upstream pins it.
        await go(['install', '-trimpath', '-ldflags', ldflags, pkg], workDir, log, undefined, { GOBIN: outDir });
      },
    },
    progress,
  );
  return path.join(out, 'crictl');
}

/**
 * Builds (or finds in the cache) every binary the embedded cluster runs, all at once: kube's
 * packages take most of a cold start, and the others (containerd, CoreDNS, crictl, pause) build
 * while it compiles and links, instead of after it.
 */
export async function ensureBinaries(version: KubeVersion, progress: Progress): Promise<ClusterBinaries> {
  const goVer = await goVersion();
  const [kube, containerdDir, coredns, crictl, pause] = await Promise.all([
    buildKube(version, progress, goVer),
    buildContainerd(progress, goVer),
    buildCoredns(progress, goVer),
    buildCrictl(crictlVersionFor(version), progress, goVer),
    buildPause(progress, goVer),
  ]);
  return {
    kube,
    crictl,
    containerd: path.join(containerdDir, 'containerd'),
    containerdShim: path.join(containerdDir, 'containerd-shim-runc-v2'),
    ctr: path.join(containerdDir, 'ctr'),
    coredns,
    pause,
    goVersion: goVer,
  };
}
