/** `initc image load ARCHIVE|REF`: puts an image on the nodes of a cluster initc runs (the ImageLoader capability). */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { CommandModule } from 'yargs';
import { canLoadImages } from '../cluster/provider.js';
import { InitcError } from '../errors.js';
import { exists } from '../util/fsx.js';
import { commandContext } from './context.js';
import type { ProviderArgs } from './providers.js';
import { attachRunning, chosenProvider, withProviderOptions } from './providers.js';
import { nonEmpty } from './validate.js';

interface LoadArgs extends ProviderArgs {
  source: string;
}

/** A docker image reference saved by the local Docker engine into an archive in `dir`. */
async function saveFromDocker(ref: string, dir: string): Promise<string> {
  const inspect = await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { reject: false }).catch((err: Error) => ({ exitCode: 127, stderr: err.message }));
  if (inspect.exitCode !== 0) {
    const why = String(inspect.stderr).trim().split('\n')[0] ?? '';
    if (/No such image/i.test(why)) throw new InitcError('usage', `${ref} is neither a file nor an image of the local Docker engine`);
    throw new InitcError('missingHostFeature', `${ref} is not a file, and the local Docker engine cannot say whether it has such an image: ${why}`);
  }
  const file = path.join(dir, 'image.tar');
  const save = await execa('docker', ['save', '-o', file, ref], { reject: false });
  if (save.exitCode !== 0) throw new InitcError('missingHostFeature', `docker save ${ref} failed: ${String(save.stderr).trim().split('\n')[0]}`);
  return file;
}

const load: CommandModule<object, LoadArgs> = {
  command: 'load <source>',
  describe: 'load an image archive (OCI or docker save) or an image of the local Docker engine into the cluster\'s nodes',
  builder: (y) => withProviderOptions(y).positional('source', { type: 'string', coerce: nonEmpty('<source>'), describe: 'an image archive file, or an image reference the local Docker engine has' }) as never,
  handler: async (a) => {
    const ctx = commandContext();
    const cluster = await attachRunning(a, ctx.progress);
    try {
      if (!canLoadImages(cluster)) {
        throw new InitcError('usage', `the ${chosenProvider(a)} provider cannot load images onto its nodes: push the image to a registry the nodes pull from instead`);
      }
      const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-image-'));
      try {
        const archive = (await exists(a.source)) ? path.resolve(a.source) : await ctx.progress.step(`docker save ${a.source}`, () => saveFromDocker(a.source, scratch));
        await ctx.progress.step(`load ${path.basename(archive)} into the ${cluster.provider} cluster's nodes`, () => cluster.loadImageArchive(archive));
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
    } finally {
      await cluster.release();
    }
  },
};

export const imageCommand: CommandModule = {
  command: 'image <command>',
  describe: 'images on the nodes of a cluster initc runs: load',
  builder: (y) => y.command(load).demandCommand(1, 'name an image command: load'),
  handler: () => undefined,
};
