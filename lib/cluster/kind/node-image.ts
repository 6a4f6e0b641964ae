/**
 * A kind node image made on this machine, since `kind build node-image` pulls its base image and
 * every non-Kubernetes image. It follows kind v0.32.0's own recipe (images/base/Dockerfile and
 * pkg/build/nodeimage/), with local parts:
 *
 * - root filesystem: Debian bookworm from apt's mirror (mmdebstrap), whose systemd 252 still runs
 *   on cgroup v1 hosts, with Debian's runc and CNI plugins; `docker import`.
 * - kind's base files (entrypoint, systemd units, containerd config) from kind's module source.
 * - containerd + shim + ctr, crictl, the multi-call kube binary as kubelet and kubectl, kubeadm:
 *   our Go builds (lib/cluster/local/build.ts).
 * - /kind/version; /kind/manifests/default-cni.yaml: our own ptp DaemonSet (kindnetd cannot be
 *   had, see cni.ts); /kind/manifests/default-storage.yaml: initc's default StorageClass and its
 *   provisioner's DaemonSet (lib/cluster/storage), in place of kind's local-path-provisioner,
 *   whose image and helper pods would be pulled (without the file, kind installs a legacy
 *   kubernetes.io/host-path class that no controller serves: claims stay Pending).
 * - images preloaded into the node's containerd (pinned), all single-layer, under the names kubeadm
 *   asks for: kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy and etcd share one
 *   layer (the kube binary with a symlink per component, and Debian's iptables/nft for kube-proxy);
 *   CoreDNS with the plugins kubeadm's Corefile uses; our pause binary as kubeadm's pause and as
 *   containerd's sandbox image; the fixture image; the storage provisioner.
 *
 * The tag is keyed on every input; an image of that tag is reused without a build.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import type { Progress, StepHandle } from '../../progress.js';
import { cacheRoot } from '../../util/paths.js';
import { takeDirLock } from '../../util/dir-lock.js';
import { buildContainerd, buildCoredns, buildKube, buildKubeadm, buildPause, crictlFor } from '../local/build.js';
import { goVersion } from '../local/go-build.js';
import { BUSYBOX, buildFixtureImage, buildPauseImage } from '../local/images.js';
import { holdWrapperScript } from '../local/runc-hold.js';
import type { KubeVersion } from '../local/versions.js';
import {
  INITC_LABEL,
  KIND_HOLDS_DIR,
  KIND_HOLD_BUSYBOX,
  KIND_RUNC_WRAPPER,
  KIND_SANDBOX_IMAGE,
  KUBEADM_COREDNS_PLUGINS,
  corednsMainGo,
  criBaseSpec,
  inputsKey,
  nodeImageTag,
  parseKubeadmImages,
} from './config.js';
import { defaultCniManifest } from './cni.js';
import { SUITE, debianTar } from './debian-rootfs.js';
import { layerTar, ociImage, ociImageName } from './oci-tar.js';
import { dockerEnv } from './docker.js';
import { kindSource } from './kind-binary.js';
import { kindStorageManifest } from '../storage/objects.js';

/** Bump when the recipe below changes in a way the inputs do not show. */
const RECIPE = 6;

/** The runc wrapper of the node (runc-hold.ts), with the node's own paths. */
function kindRuncWrapper(): string {
  return holdWrapperScript({ runc: '/usr/sbin/runc', holdsDir: KIND_HOLDS_DIR, busybox: KIND_HOLD_BUSYBOX, jq: '/usr/bin/jq' });
}
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The node's packages: kind's base image list (images/base/Dockerfile) less what has no use here, plus Debian's runc and CNI plugins. */
export const NODE_PACKAGES = [
  'systemd', 'systemd-sysv', 'dbus', 'conntrack', 'iptables', 'nftables', 'iproute2', 'ethtool', 'util-linux', 'mount', 'kmod',
  'libseccomp2', 'socat', 'ebtables', 'bash', 'ca-certificates', 'jq', 'procps', 'runc', 'containernetworking-plugins',
];
/** What kube-proxy's image needs besides the kube binary (extracted, with their libraries, not installed). */
export const PROXY_PACKAGES = ['iptables', 'nftables'];
const CNI_PLUGINS = ['host-local', 'loopback', 'ptp', 'portmap', 'bridge'];
/** The kube binary's components that run as images; each is a symlink to it in the shared layer. */
const IMAGE_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'etcd'] as const;

const docker = (args: string[], o: { input?: string; inputFile?: string; signal?: AbortSignal; reject?: boolean } = {}) =>
  execa('docker', args, { env: dockerEnv(), reject: o.reject ?? true, input: o.input, inputFile: o.inputFile, cancelSignal: o.signal });

async function mustDocker(what: string, args: string[], o: Parameters<typeof docker>[1] = {}): Promise<string> {
  const r = await docker(args, { ...o, reject: false });
  if (r.isCanceled) throw new InitcError('interrupted', `interrupted while building the kind node image (${what})`);
  if (r.exitCode !== 0) throw new InitcError('buildFailed', `kind node image: ${what} failed: ${String(r.stderr).trim().split('\n').slice(-2).join(' | ') || `exit ${r.exitCode}`}`);
  return String(r.stdout);
}

export const imageExists = async (ref: string) => (await docker(['image', 'inspect', '--format', '{{.Id}}', ref], { reject: false })).exitCode === 0;

const cacheEntry = (p: string) => path.basename(path.dirname(p)); // e.g. "v1.34.12-001f4cd325b1": the build's own key

export interface NodeImageInputs {
  kube: string;
  kubeadm: string;
  containerdDir: string;
  crictl: string;
  coredns: string;
  provisioner: string;
  pauseTar: string;
  fixtureTar: string;
  nodeRootfs: string;
  proxyRootfs: string;
  kindDir: string;
}

/** Builds (or finds) the kind node image for `version`; returns its tag. */
export async function buildNodeImage(version: KubeVersion, progress: Progress, signal?: AbortSignal): Promise<string> {
  const goVer = await goVersion();
  const kind = await kindSource();
  // Independent builds at once: the small ones and the Debian root filesystems while kube compiles.
  // kubeadm waits for kube (and the provisioner built with it): it shares most of kube's packages, which it then finds in Go's build cache.
  const kubeBuild = buildKube(version, progress, goVer);
  const kubeThenKubeadm = kubeBuild.then(async (built) => ({ ...built, kubeadm: await buildKubeadm(version, progress, goVer) }));
  const [{ kube, kubeadm, provisioner }, containerdDir, crictl, coredns, pauseTar, fixtureTar, nodeRootfs, proxyRootfs] = await Promise.all([
    kubeThenKubeadm,
    buildContainerd(progress, goVer),
    crictlFor(version, () => kubeBuild, progress, goVer),
    buildCoredns(progress, goVer, { component: 'coredns-kubeadm', plugins: KUBEADM_COREDNS_PLUGINS, mainGo: corednsMainGo(KUBEADM_COREDNS_PLUGINS) }),
    buildPause(progress, goVer).then(buildPauseImage),
    buildFixtureImage(),
    debianTar('kind-node', 'minbase', NODE_PACKAGES, progress, signal),
    debianTar('kube-proxy-tools', 'extract', PROXY_PACKAGES, progress, signal),
  ]);
  const i: NodeImageInputs = { kube, kubeadm, containerdDir, crictl, coredns, provisioner, pauseTar, fixtureTar, nodeRootfs, proxyRootfs, kindDir: kind.dir };
  const fixtureImage = await ociImageName(i.fixtureTar);
  const cniManifest = defaultCniManifest(fixtureImage);
  const storageImage = `localhost/initc/storage-provisioner:${cacheEntry(i.provisioner)}`;
  const manifests = { cni: cniManifest, storage: kindStorageManifest(storageImage) };
  const key = inputsKey({
    recipe: RECIPE,
    version: version.gitVersion,
    builds: [i.kube, i.kubeadm, path.join(i.containerdDir, 'x'), i.crictl, i.coredns, i.provisioner].map(cacheEntry),
    tars: [i.pauseTar, i.fixtureTar, i.nodeRootfs, i.proxyRootfs].map((f) => path.basename(f)),
    kind: kind.version,
    manifests,
    runcWrapper: kindRuncWrapper(),
  });
  const tag = nodeImageTag(version, key);
  if (await imageExists(tag)) {
    progress.info(`✔ kind node image ${tag} exists`);
    return tag;
  }
  // Two initc processes needing the same image: one assembles it, the other waits and finds it.
  await fs.mkdir(path.join(cacheRoot(), 'kind'), { recursive: true });
  const release = await takeDirLock(path.join(cacheRoot(), 'kind', `${tag.replace(/[/:]/g, '_')}.lock`), (owner) => progress.info(`waiting for another initc (pid ${owner}) building the kind node image ${tag}`));
  try {
    if (await imageExists(tag)) return tag;
    await progress.step(`build kind node image ${tag}`, (step) => assemble(version, i, tag, manifests, storageImage, progress, step, signal));
  } finally {
    await release();
  }
  return tag;
}

type Manifests = { cni: string; storage: string };

async function assemble(version: KubeVersion, i: NodeImageInputs, tag: string, manifests: Manifests, storageImage: string, progress: Progress, step: StepHandle, signal?: AbortSignal): Promise<void> {
  const kubeadmImages = parseKubeadmImages((await execa(i.kubeadm, ['config', 'images', 'list', '--kubernetes-version', version.gitVersion])).stdout);

  // Preloaded images.
  step.update('control-plane images');
  const shared = async (rootfs: string) => {
    await execa('tar', ['-xf', i.proxyRootfs, '-C', rootfs, '--exclude=./dev/*']);
    for (const bin of ['iptables', 'iptables-save', 'iptables-restore']) {
      await fs.rm(path.join(rootfs, 'usr/sbin', bin), { force: true });
      await fs.symlink('xtables-nft-multi', path.join(rootfs, 'usr/sbin', bin));
      await fs.rm(path.join(rootfs, 'usr/sbin', bin.replace('iptables', 'ip6tables')), { force: true });
      await fs.symlink('xtables-nft-multi', path.join(rootfs, 'usr/sbin', bin.replace('iptables', 'ip6tables')));
    }
    await fs.mkdir(path.join(rootfs, 'usr/local/bin'), { recursive: true });
    await fs.copyFile(i.kube, path.join(rootfs, 'usr/local/bin/kube'));
    await fs.chmod(path.join(rootfs, 'usr/local/bin/kube'), 0o755);
    for (const c of IMAGE_COMPONENTS) await fs.symlink('kube', path.join(rootfs, 'usr/local/bin', c));
    for (const d of ['tmp', 'var/run', 'var/lib', 'etc/kubernetes']) await fs.mkdir(path.join(rootfs, d), { recursive: true });
    await fs.chmod(path.join(rootfs, 'tmp'), 0o1777);
    await fs.writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
    await fs.writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  };
  const sharedLayer = await layerTar(`kube-${inputsKey([cacheEntry(i.kube), path.basename(i.proxyRootfs), IMAGE_COMPONENTS, RECIPE])}`, shared);
  const images: string[] = [];
  const names: Record<string, keyof typeof kubeadmImages> = {
    'kube-apiserver': 'apiserver', 'kube-controller-manager': 'controllerManager', 'kube-scheduler': 'scheduler', 'kube-proxy': 'proxy', etcd: 'etcd',
  };
  for (const c of IMAGE_COMPONENTS) {
    const entrypoint = [`/usr/local/bin/${c}`];
    images.push(await ociImage(kubeadmImages[names[c]!], sharedLayer, { entrypoint, env: [PATH_ENV] }));
  }
  const corednsLayer = await layerTar(`coredns-${inputsKey([cacheEntry(i.coredns), RECIPE])}`, async (rootfs) => {
    await fs.copyFile(i.coredns, path.join(rootfs, 'coredns'));
    await fs.chmod(path.join(rootfs, 'coredns'), 0o755);
    await fs.mkdir(path.join(rootfs, 'etc'));
    await fs.writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
  });
  images.push(await ociImage(kubeadmImages.coredns, corednsLayer, { entrypoint: ['/coredns'], env: [PATH_ENV] }));
  const provisionerLayer = await layerTar(`storage-provisioner-${inputsKey([cacheEntry(i.provisioner), RECIPE])}`, async (rootfs) => {
    await fs.copyFile(i.provisioner, path.join(rootfs, 'storage-provisioner'));
    await fs.chmod(path.join(rootfs, 'storage-provisioner'), 0o755);
  });
  images.push(await ociImage(storageImage, provisionerLayer, { entrypoint: ['/storage-provisioner'], env: [PATH_ENV] }));
  images.push(i.pauseTar, i.fixtureTar);
  const pauseName = await ociImageName(i.pauseTar);

  // The node's own files.
  const stage = await fs.mkdtemp(path.join(cacheRoot(), 'kind', '.stage-'));
  await fs.chmod(stage, 0o755);
  const container = `initc-kind-build-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  try {
    step.update('staging files');
    await stageFiles(stage, i, version, manifests);
    const baseTag = `initc/kind-base:${SUITE}-${inputsKey([path.basename(i.nodeRootfs), RECIPE])}`;
    if (!(await imageExists(baseTag))) {
      step.update('docker import of the root filesystem');
      await mustDocker('docker import', ['import', '--change', `ENV ${PATH_ENV}`, i.nodeRootfs, `${baseTag}-rootfs`], { signal });
      // STOPSIGNAL is no `docker import`/`commit --change`: a one-line build adds it (systemd stops on SIGRTMIN+3).
      const dockerfile = `FROM ${baseTag}-rootfs\nENV container=docker\nSTOPSIGNAL SIGRTMIN+3\nLABEL ${INITC_LABEL}=base\n`;
      const built = await execa('docker', ['build', '-q', '-t', baseTag, '-'], { env: { ...dockerEnv(), DOCKER_BUILDKIT: '0' }, input: dockerfile, reject: false, cancelSignal: signal });
      if (built.exitCode !== 0) throw new InitcError('buildFailed', `kind node image: docker build of the base failed: ${String(built.stderr).trim().split('\n').pop()}`);
      await docker(['rmi', `${baseTag}-rootfs`], { reject: false });
    }
    step.update('build container');
    await mustDocker('docker run (build container)', [
      'run', '-d', '--name', container, '--label', `${INITC_LABEL}=build`, '--entrypoint=sleep', '--security-opt', 'seccomp=unconfined', baseTag, 'infinity',
    ], { signal });
    const sh = (what: string, script: string) => mustDocker(what, ['exec', container, 'bash', '-euc', script], { signal });
    await mustDocker('docker cp', ['cp', `${stage}/.`, `${container}:/`], { signal });
    step.update('node setup (systemd units, CNI plugins)');
    await sh('node setup', SETUP_SCRIPT);
    step.update('preloading images into containerd');
    await sh('start containerd', 'nohup containerd > /tmp/containerd.log 2>&1 &\nfor i in $(seq 1 100); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 0.1; done; cat /tmp/containerd.log >&2; exit 1');
    for (const tar of images) {
      step.update(`importing ${path.basename(tar)}`);
      await mustDocker(`importing ${path.basename(tar)}`, [
        'exec', '-i', container, 'ctr', '--namespace=k8s.io', 'images', 'import', '--label=io.cri-containerd.pinned=pinned', '--all-platforms', '--no-unpack', '--digests', '-',
      ], { inputFile: tar, signal });
    }
    for (const alias of new Set([kubeadmImages.pause, KIND_SANDBOX_IMAGE])) {
      await sh(`tagging ${alias}`, `ctr --namespace=k8s.io images tag --force ${pauseName} ${alias} >/dev/null && ctr --namespace=k8s.io images label ${alias} io.cri-containerd.pinned=pinned >/dev/null`);
    }
    const listed = (await sh('listing images', 'ctr --namespace=k8s.io images list -q')).split('\n').filter(Boolean);
    const wanted = [...Object.values(kubeadmImages), KIND_SANDBOX_IMAGE, await ociImageName(i.fixtureTar), storageImage];
    const missing = wanted.filter((w) => !listed.includes(w));
    if (missing.length) throw new InitcError('buildFailed', `kind node image: containerd lacks ${missing.join(', ')} after the import`);
    await sh('stop containerd', 'pkill -x containerd; for i in $(seq 1 100); do pgrep -x containerd >/dev/null || break; sleep 0.1; done; rm -rf /tmp/containerd.log /run/containerd /var/lib/containerd/tmpmounts/*');
    step.update('docker commit');
    await mustDocker('docker commit', [
      'commit',
      '--change', 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]',
      '--change', 'CMD []',
      '--change', `LABEL ${INITC_LABEL}=node-image`,
      container, tag,
    ], { signal });
    progress.info(`preloaded: ${wanted.join(', ')}`);
  } finally {
    await docker(['rm', '-f', '-v', container], { reject: false });
    await fs.rm(stage, { recursive: true, force: true });
  }
}

/** Run in the build container after the files are copied in: images/base/Dockerfile's RUN steps. */
const SETUP_SCRIPT = `
chmod 755 /kind /kind/bin /kind/bin/* /usr/local/bin/*
find /lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete
rm -f /lib/systemd/system/multi-user.target.wants/*
rm -f /etc/systemd/system/*.wants/*
rm -f /lib/systemd/system/local-fs.target.wants/*
rm -f /lib/systemd/system/sockets.target.wants/*udev*
rm -f /lib/systemd/system/sockets.target.wants/*initctl*
rm -f /lib/systemd/system/basic.target.wants/*
echo "ReadKMsg=no" >> /etc/systemd/journald.conf
[ -e /sbin/init ] || ln -s /usr/lib/systemd/systemd /sbin/init
systemctl enable kubelet.service containerd.service undo-mount-hacks.service
systemctl mask systemd-binfmt.service getty.target console-getty.service
mkdir -p /etc/kubernetes/manifests /opt/cni/bin /etc/cni/net.d
for p in ${CNI_PLUGINS.join(' ')}; do ln -sf /usr/lib/cni/$p /opt/cni/bin/$p; done
ln -sf kubelet /usr/bin/kubectl
containerd --version; runc --version | head -1; crictl --version; kubeadm version -o short; kubelet --version
`;

async function stageFiles(stage: string, i: NodeImageInputs, version: KubeVersion, manifests: Manifests): Promise<void> {
  const put = async (rel: string, data: string | Buffer, mode: number) => {
    const file = path.join(stage, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, data);
    await fs.chmod(file, mode);
  };
  const copy = async (from: string, rel: string, mode: number) => put(rel, await fs.readFile(from), mode);
  const base = path.join(i.kindDir, 'images', 'base', 'files');
  // kind's base files, with the modes its Dockerfile gives them.
  const walk = async (dir: string): Promise<string[]> =>
    (await Promise.all((await fs.readdir(dir, { withFileTypes: true })).map((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)])))).flat();
  for (const f of await walk(base)) {
    const rel = path.relative(base, f);
    if (rel.startsWith('LICENSES/') || rel.includes('fuse-overlayfs')) continue;
    const executable = rel.startsWith('usr/local/bin/') || rel.startsWith('kind/bin/');
    await copy(f, rel, executable ? 0o755 : 0o644);
  }
  for (const b of ['containerd', 'containerd-shim-runc-v2', 'ctr']) await copy(path.join(i.containerdDir, b), `usr/local/bin/${b}`, 0o755);
  await copy(i.crictl, 'usr/local/bin/crictl', 0o755);
  await copy(i.kube, 'usr/bin/kubelet', 0o755);
  await copy(i.kubeadm, 'usr/bin/kubeadm', 0o755);
  const ctrSpec = (await execa(path.join(i.containerdDir, 'ctr'), ['oci', 'spec'])).stdout;
  await put('etc/containerd/cri-base.json', criBaseSpec(ctrSpec), 0o644);
  await put(KIND_RUNC_WRAPPER.slice(1), kindRuncWrapper(), 0o755);
  await copy(BUSYBOX, KIND_HOLD_BUSYBOX.slice(1), 0o755);
  await put('kind/version', version.gitVersion, 0o644);
  await put('kind/manifests/default-cni.yaml', manifests.cni, 0o644);
  await put('kind/manifests/default-storage.yaml', manifests.storage, 0o644);
}
