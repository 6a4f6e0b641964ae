/** `initc kind build-node-image`: the kind node image of a Kubernetes version, made on this machine with no registry. */
import type { CommandModule } from 'yargs';
import { ensureDocker } from '../cluster/kind/docker.js';
import { buildNodeImage } from '../cluster/kind/node-image.js';
import { DEFAULT_MINOR, PINNED_PATCHES, resolveKubeVersion } from './providers.js';
import { seconds } from '../progress.js';
import { commandContext } from './context.js';
import { nonEmpty } from './validate.js';

const buildNodeImageCommand: CommandModule<object, { 'k8s-version': string }> = {
  command: 'build-node-image',
  describe: 'build (or find cached) the kind node image of a Kubernetes version from the Go module proxy and Debian, pulling nothing; prints its tag',
  builder: (y) =>
    y.option('k8s-version', {
      type: 'string',
      default: DEFAULT_MINOR,
      requiresArg: true,
      coerce: nonEmpty('--k8s-version'),
      describe: `Kubernetes version (${Object.entries(PINNED_PATCHES).map(([m, p]) => `${m} → ${p}`).join(', ')})`,
    }) as never,
  handler: async (a) => {
    const ctx = commandContext();
    const version = resolveKubeVersion(a['k8s-version']);
    const started = Date.now();
    await ensureDocker(ctx.progress, ctx.signal);
    const image = await buildNodeImage(version, ctx.progress, ctx.signal);
    ctx.progress.info(`node image for ${version.gitVersion} ready in ${seconds(Date.now() - started)}: kind create cluster --image ${image}`);
    process.stdout.write(`${image}\n`);
  },
};

export const kindCommand: CommandModule = {
  command: 'kind <command>',
  describe: 'kind node images made here: build-node-image',
  builder: (y) => y.command(buildNodeImageCommand).demandCommand(1, 'name a kind command: build-node-image'),
  handler: () => undefined,
};
