import { ensureBinaries } from '../lib/cluster/local/build.js';
import { buildPauseImage, buildFixtureImage } from '../lib/cluster/local/images.js';
import { ConsoleProgress } from '../lib/progress.js';
import { resolveKubeVersion } from '../lib/cluster/local/versions.js';
const b = await ensureBinaries(resolveKubeVersion(process.argv[2]), new ConsoleProgress());
console.log(b);
console.log(await buildPauseImage(b.pause), await buildFixtureImage());
