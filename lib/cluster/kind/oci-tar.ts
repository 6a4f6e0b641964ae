/**
 * Reproducible tars for the kind node image: single-layer OCI images (ctr import) from layers made
 * from folders, each cached by its inputs so images that share a layer share its digest.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import { exists } from '../../util/fsx.js';
import { cacheRoot } from '../../util/paths.js';
import { ociLayout } from '../local/images.js';
import type { ImageConfig } from '../local/images.js';
import { inputsKey } from './config.js';

/** A reproducible tar of `dir` (sorted, owned by root, epoch times). */
async function tarDir(dir: string, out: string): Promise<void> {
  await execa('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '-C', dir, '-cf', out, '.']);
}

/** A layer tar made from a folder by `populate`; cached by `key`, so images that share it share its digest. */
export async function layerTar(key: string, populate: (rootfs: string) => Promise<void>): Promise<string> {
  const dir = path.join(cacheRoot(), 'kind', 'layers');
  const file = path.join(dir, `${key}.tar`);
  if (await exists(file)) return file;
  await fs.mkdir(dir, { recursive: true });
  const work = await fs.mkdtemp(path.join(dir, '.build-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    await fs.mkdir(rootfs, { mode: 0o755 });
    await fs.chmod(rootfs, 0o755);
    await populate(rootfs);
    await tarDir(rootfs, `${file}.tmp`);
    await fs.rename(`${file}.tmp`, file);
    return file;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** A single-layer OCI image tar (ctr import) of one layer; cached by name, layer and config. */
export async function ociImage(name: string, layer: string, config: ImageConfig): Promise<string> {
  const dir = path.join(cacheRoot(), 'kind', 'images');
  const file = path.join(dir, `${name.replace(/[/:]/g, '_')}-${inputsKey([name, path.basename(layer), config])}.oci.tar`);
  if (await exists(file)) return file;
  await fs.mkdir(dir, { recursive: true });
  const work = await fs.mkdtemp(path.join(dir, '.build-'));
  try {
    for (const [rel, data] of ociLayout(name, await fs.readFile(layer), config)) {
      await fs.mkdir(path.dirname(path.join(work, rel)), { recursive: true });
      await fs.writeFile(path.join(work, rel), data);
    }
    await fs.chmod(work, 0o755);
    await tarDir(work, `${file}.tmp`);
    await fs.rename(`${file}.tmp`, file);
    return file;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** The OCI tar's image name (index.json's io.containerd.image.name). */
export async function ociImageName(tarFile: string): Promise<string> {
  const { stdout } = await execa('tar', ['-xOf', tarFile, './index.json']);
  const name = (JSON.parse(stdout) as { manifests: { annotations?: Record<string, string> }[] }).manifests[0]?.annotations?.['io.containerd.image.name'];
  if (!name) throw new InitcError('buildFailed', `${tarFile} names no image`);
  return name;
}
