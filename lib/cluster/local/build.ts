/**
 * Builds the embedded cluster's binaries from the Go module proxy and caches them outside the
 * work tree, keyed on everything that went into them (sources, go.mod, flags, Go version), so a
 * second run reuses them and a changed pin rebuilds.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Progress } from '../../progress.js';
import { projectRoot } from '../../util/paths.js';
import { PROVISIONER_LIB, PROVISIONER_PACKAGE, provisionerSources } from '../storage/build.js';
import { cachedBuild, go, goVersion, moduleInfo, scratchLog, tidyThenBuild, upstreamKube } from './go-build.js';
import { COREDNS_PLUGINS, corednsDirectivesGo, corednsGoMod, kubeGoMod, kubeLdflags, kubeletGo } from './gosrc.js';
import type { KubeVersion } from './versions.js';
import { crictlBuildsWithKube, crictlVersionFor } from './versions.js';

export const CONTAINERD_VERSION = 'v2.2.9';
export const COREDNS_VERSION = 'v1.14.7';
const CRI_TOOLS = 'sigs.k8s.io/cri-tools';
const CRICTL_PACKAGE = `${CRI_TOOLS}/cmd/crictl`;
const crictlLdflag = (version: string) => `-X ${CRI_TOOLS}/pkg/version.Version=${version}`;

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

const goSource = (...parts: string[]) => fs.readFile(path.join(projectRoot(), 'lib', 'cluster', 'local', 'go', ...parts), 'utf8');

/**
 * The generated module that requires k8s.io/kubernetes at `version` and the provisioner's library
 * (its go.mod, every module held to upstream's version), the provisioner's sources, and the version
 * linker flags.
 */
async function kubeWrapperModule(version: KubeVersion, { tests = false } = {}): Promise<{ goMod: string; provisioner: Record<string, string>; ldflags: string; upstreamDir: string }> {
  const upstream = await upstreamKube(version);
  const crictl = crictlBuildsWithKube(version) ? crictlVersionFor(version) : undefined;
  return {
    goMod: kubeGoMod(version, upstream.mod, [PROVISIONER_LIB, ...(crictl ? [{ path: CRI_TOOLS, version: crictl }] : [])], crictl ? [CRICTL_PACKAGE] : []),
    provisioner: await provisionerSources({ tests }),
    ldflags: crictl ? `${kubeLdflags(version)} ${crictlLdflag(crictl)}` : kubeLdflags(version),
    upstreamDir: upstream.dir,
  };
}

/** The files of the kube module of `version`: go.mod, kube's main package, the provisioner's (its Go tests too when asked). */
export async function kubeModuleFiles(version: KubeVersion, { tests = false } = {}): Promise<{ files: Record<string, string>; ldflags: string }> {
  const { goMod, provisioner, ldflags } = await kubeWrapperModule(version, { tests });
  return { files: { 'go.mod': goMod, 'main.go': await goSource('kube', 'main.go'), 'kubelet.go': kubeletGo(version), ...provisioner }, ldflags };
}

/**
 * The kube multi-call binary and the storage provisioner (and crictl, where crictlBuildsWithKube),
 * from one module in one `go build`: they share kube's compiled packages.
 */
export async function buildKube(version: KubeVersion, progress: Progress, goVer: string): Promise<{ kube: string; provisioner: string; crictl?: string }> {
  const { files, ldflags } = await kubeModuleFiles(version);
  const withCrictl = crictlBuildsWithKube(version);
  const out = await cachedBuild(
    {
      component: 'kube',
      version: version.gitVersion,
      files,
      keyExtras: [ldflags, goVer],
      build: tidyThenBuild({ kube: '.', [PROVISIONER_PACKAGE]: `./${PROVISIONER_PACKAGE}`, ...(withCrictl ? { crictl: CRICTL_PACKAGE } : {}) }, ldflags),
    },
    progress,
  );
  return { kube: path.join(out, 'kube'), provisioner: path.join(out, PROVISIONER_PACKAGE), crictl: withCrictl ? path.join(out, 'crictl') : undefined };
}

/** crictl for `version`: from kube's build when it is built there (`kube` gives that build), else from its own module. */
export async function crictlFor(version: KubeVersion, kube: () => Promise<{ crictl?: string }>, progress: Progress, goVer: string): Promise<string> {
  if (!crictlBuildsWithKube(version)) return buildCrictl(crictlVersionFor(version), progress, goVer);
  const { crictl } = await kube();
  if (!crictl) throw new Error(`kube ${version.gitVersion}'s build put out no crictl`);
  return crictl;
}

/**
 * kubeadm (for kind's node images), built from the same generated wrapper module as the kube
 * binary (kubeGoMod) and with the same version ldflags, so `kubeadm version` reports the release.
 * The provisioner's sources are there, unbuilt, so that `go mod tidy` keeps the same dependency
 * graph as kube's: kubeadm then finds kube's compiled packages in Go's build cache.
 */
export async function buildKubeadm(version: KubeVersion, progress: Progress, goVer: string): Promise<string> {
  const { goMod, provisioner, ldflags, upstreamDir } = await kubeWrapperModule(version);
  const files = {
    'go.mod': goMod,
    // upstream's own cmd/kubeadm/kubeadm.go of this release (package main, which a module consumer
    // cannot build in place); its imports changed in 1.34 (util.CheckErr → util/errors.HandleError).
    'main.go': await fs.readFile(path.join(upstreamDir, 'cmd', 'kubeadm', 'kubeadm.go'), 'utf8'),
    ...provisioner,
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

/**
 * CoreDNS with only the plugins a cluster's Corefile names: the embedded cluster's by default; the
 * kind node image's (kubeadm's Corefile, more plugins) with its own main.go, in its own cache entry.
 */
export async function buildCoredns(progress: Progress, goVer: string, o?: { component: string; plugins: readonly string[]; mainGo: string }): Promise<string> {
  const { log, dir } = await scratchLog();
  const upstream = await moduleInfo(`github.com/coredns/coredns@${COREDNS_VERSION}`, dir, log);
  log.end();
  const pluginCfg = await fs.readFile(path.join(upstream.Dir, 'plugin.cfg'), 'utf8');
  const goDirective = /^go\s+(\S+)/m.exec(await fs.readFile(upstream.GoMod, 'utf8'))?.[1] ?? '1.24.0';
  const files = {
    'go.mod': corednsGoMod(COREDNS_VERSION, goDirective),
    'main.go': o?.mainGo ?? (await goSource('coredns', 'main.go')),
    'directives.go': corednsDirectivesGo(pluginCfg, o?.plugins ?? COREDNS_PLUGINS),
  };
  const ldflags = `-s -w -X github.com/coredns/coredns/coremain.GitCommit=${COREDNS_VERSION}`;
  const out = await cachedBuild(
    {
      component: o?.component ?? 'coredns',
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

/** crictl from cri-tools' own module (a release other than kube's minor: crictlBuildsWithKube). */
export async function buildCrictl(version: string, progress: Progress, goVer: string): Promise<string> {
  const pkg = `${CRICTL_PACKAGE}@${version}`;
  const ldflags = `-s -w ${crictlLdflag(version)}`;
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
 * while it compiles and links, instead of after it. The storage provisioner is built with kube, and
 * crictl too where its release is kube's minor.
 */
export async function ensureBinaries(version: KubeVersion, progress: Progress): Promise<ClusterBinaries & { provisioner: string }> {
  const goVer = await goVersion();
  const kubeBuild = buildKube(version, progress, goVer);
  const [{ kube, provisioner }, containerdDir, coredns, crictl, pause] = await Promise.all([
    kubeBuild,
    buildContainerd(progress, goVer),
    buildCoredns(progress, goVer),
    crictlFor(version, () => kubeBuild, progress, goVer),
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
    provisioner,
    goVersion: goVer,
  };
}
