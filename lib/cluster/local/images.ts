/**
 * Container images made on this machine, since no registry can be reached: the pause image (our
 * static pause binary) and the fixture image (Debian's busybox-static: sh, sleep, nslookup, wget,
 * date, ...). Each is an OCI image-layout tar, cached by content, imported into containerd with
 * `ctr images import` and pinned so the kubelet's image GC never removes it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import { exists, sha256 } from '../../util/fsx.js';
import { cacheRoot } from '../../util/paths.js';
import { LOCAL_FIXTURE_IMAGE } from '../../fixture-image.js';
import { PAUSE_IMAGE } from './configs.js';

export const BUSYBOX = '/bin/busybox';

export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env: string[];
  workingDir?: string;
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  data: Buffer;
}

const blob = (mediaType: string, data: Buffer): Blob => ({ mediaType, digest: `sha256:${sha256(data)}`, size: data.length, data });

/** The OCI layout's files (besides the layer itself) for one single-layer linux/amd64 image. Pure. */
export function ociLayout(name: string, layer: Buffer, config: ImageConfig): Map<string, Buffer> {
  const layerBlob = blob('application/vnd.oci.image.layer.v1.tar', layer);
  const configBlob = blob(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Env: config.env, Entrypoint: config.entrypoint, Cmd: config.cmd, WorkingDir: config.workingDir ?? '/' },
        rootfs: { type: 'layers', diff_ids: [layerBlob.digest] },
        history: [{ created_by: 'initc' }],
      }),
    ),
  );
  const strip = ({ mediaType, digest, size }: Blob) => ({ mediaType, digest, size });
  const manifestBlob = blob(
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: strip(configBlob), layers: [strip(layerBlob)] })),
  );
  const tag = name.slice(name.lastIndexOf(':') + 1);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        ...strip(manifestBlob),
        platform: { architecture: 'amd64', os: 'linux' },
        annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  const files = new Map<string, Buffer>();
  files.set('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  files.set('index.json', Buffer.from(JSON.stringify(index)));
  for (const b of [layerBlob, configBlob, manifestBlob]) files.set(`blobs/sha256/${b.digest.slice(7)}`, b.data);
  return files;
}

/** A reproducible tar of `dir` (sorted, owned by root, epoch times). */
async function tarDir(dir: string, out: string): Promise<void> {
  await execa('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '-C', dir, '-cf', out, '.']);
}

async function buildImage(name: string, populate: (rootfs: string) => Promise<void>, config: ImageConfig, keyParts: string[]): Promise<string> {
  const key = sha256(JSON.stringify([name, config, ...keyParts])).slice(0, 12);
  const dir = path.join(cacheRoot(), 'images');
  const file = path.join(dir, `${name.replace(/[/:]/g, '_')}-${key}.oci.tar`);
  if (await exists(file)) return file;
  await fs.mkdir(dir, { recursive: true });
  const work = await fs.mkdtemp(path.join(dir, '.build-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    await fs.mkdir(rootfs, { recursive: true });
    await populate(rootfs);
    const layerTar = path.join(work, 'layer.tar');
    await tarDir(rootfs, layerTar);
    const layout = path.join(work, 'layout');
    for (const [rel, data] of ociLayout(name, await fs.readFile(layerTar), config)) {
      await fs.mkdir(path.dirname(path.join(layout, rel)), { recursive: true });
      await fs.writeFile(path.join(layout, rel), data);
    }
    // Side-by-side clusters may build the same image at once: each writes its own file, the last rename wins.
    await tarDir(layout, `${file}.${process.pid}.tmp`);
    await fs.rename(`${file}.${process.pid}.tmp`, file);
    return file;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

export async function buildPauseImage(pauseBinary: string): Promise<string> {
  const binary = await fs.readFile(pauseBinary);
  return buildImage(
    PAUSE_IMAGE,
    async (rootfs) => {
      await fs.writeFile(path.join(rootfs, 'pause'), binary, { mode: 0o755 });
    },
    { entrypoint: ['/pause'], env: [PATH_ENV] },
    [sha256(binary)],
  );
}

export async function buildFixtureImage(): Promise<string> {
  let busybox: Buffer;
  try {
    busybox = await fs.readFile(BUSYBOX);
  } catch {
    throw new InitcError('missingHostFeature', `${BUSYBOX} is missing: install Debian's busybox-static (scripts/setup does)`);
  }
  const { stdout } = await execa(BUSYBOX, ['--list-full']);
  const applets = stdout.split('\n').filter(Boolean);
  return buildImage(
    LOCAL_FIXTURE_IMAGE,
    async (rootfs) => {
      for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'tmp', 'var/tmp', 'root', 'proc', 'sys', 'dev', 'work']) {
        await fs.mkdir(path.join(rootfs, d), { recursive: true });
      }
      await fs.chmod(path.join(rootfs, 'tmp'), 0o1777);
      await fs.writeFile(path.join(rootfs, 'bin/busybox'), busybox, { mode: 0o755 });
      for (const applet of applets) {
        if (applet === 'bin/busybox') continue;
        const target = path.relative(path.dirname(path.join('/', applet)), '/bin/busybox');
        await fs.symlink(target, path.join(rootfs, applet)).catch(() => undefined);
      }
      await fs.writeFile(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
      await fs.writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    },
    { cmd: ['sh'], env: [PATH_ENV] },
    [sha256(busybox), applets.join(',')],
  );
}

/** Imports an OCI tar into containerd's k8s.io namespace, pinned against garbage collection. */
export async function importImage(ctr: string, socket: string, tarFile: string): Promise<void> {
  const r = await execa(ctr, ['--address', socket, '-n', 'k8s.io', 'images', 'import', '--label', 'io.cri-containerd.pinned=pinned', '--digests', tarFile], {
    reject: false,
  });
  if (r.exitCode !== 0) throw new InitcError('componentFailed', `importing ${path.basename(tarFile)} into containerd failed: ${String(r.stderr).trim()}`);
}
