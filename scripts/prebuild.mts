// Builds (or finds in the cache) every binary and image of the embedded cluster for the given
// Kubernetes versions, without starting anything: `npx tsx scripts/prebuild.mts 1.33 1.36`.
import { ensureBinaries } from '../lib/cluster/local/build.js';
import { buildFixtureImage, buildPauseImage } from '../lib/cluster/local/images.js';
import { resolveKubeVersion } from '../lib/cluster/local/versions.js';
import { InitcError } from '../lib/errors.js';
import { ConsoleProgress } from '../lib/progress.js';

const progress = new ConsoleProgress();
try {
  for (const v of process.argv.slice(2).length ? process.argv.slice(2) : [undefined]) {
    const version = resolveKubeVersion(v);
    const binaries = await progress.step(`binaries for ${version.gitVersion}`, () => ensureBinaries(version, progress));
    await buildPauseImage(binaries.pause);
  }
  await buildFixtureImage();
} catch (err) {
  if (!(err instanceof InitcError)) throw err;
  console.error(`prebuild: ${err.message}`);
  process.exit(err.exitCode);
}
