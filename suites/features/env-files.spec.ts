import { fromEnvFile, printsEnv, writesEnvFile } from '../../fixtures/features.js';
import { pod } from '../../fixtures/pod.js';
import { UNSET, checkEnvSeen, checkNotCreated, envFileSyntax, envLine, otherSyntax } from '../../lib/checks/env-files.js';
import type { EnvFileSyntax } from '../../lib/checks/env-files.js';
import { checkAdmission, expectedAdmission } from '../../lib/checks/features.js';
import { allContainerStatuses } from '../../lib/observe/status.js';
import { phase, podMatches } from '../../lib/observe/wait.js';
import { describeDiscovery, discoverEnvFiles, discoveryRecord, requireFeature } from '../../lib/scenario/features.js';
import type { PodRun } from '../../lib/scenario/pod-run.js';
import type { ScenarioKit } from '../../lib/scenario/kit.js';
import { scenarioTest } from '../../lib/scenario/kit.js';

/** Discovers EnvFiles (skipped when off) and the env-file syntax the kubelets' stage of it reads. */
async function requireEnvFiles(kit: ScenarioKit): Promise<EnvFileSyntax> {
  const d = await requireFeature(kit, discoverEnvFiles(kit.kc, await kit.namespace()));
  const stages = [...new Set(d.kubelets.map((k) => k.gates?.get('EnvFiles')?.stage ?? '?'))];
  if (stages.length !== 1) kit.skip(`the kubelets run EnvFiles at different stages (${stages.join(', ')}), which read env files differently`);
  const syntax = envFileSyntax(stages[0]!);
  kit.attach('env file syntax', `EnvFiles ${stages[0]} on the kubelet: ${syntax === 'quoted' ? "KEY='value'" : 'KEY=value'}`);
  return syntax;
}

/** The app's waiting message once the kubelet gave up creating it. */
async function notCreated(run: PodRun, app: string): Promise<string | undefined> {
  const waiting = (p: Parameters<typeof allContainerStatuses>[0]) => allContainerStatuses(p).find((c) => c.name === app)?.state?.waiting;
  const row = await run.until(podMatches(`${app} waiting with CreateContainerConfigError`, (p) => waiting(p)?.reason === 'CreateContainerConfigError', 60_000));
  return waiting(row.pod)?.message;
}

/** The app was not created, for `why`; the message is saved beside the recording for the unit tests. */
async function checkAppNotCreated(kit: ScenarioKit, run: PodRun, why: RegExp): Promise<void> {
  const message = await notCreated(run, 'app');
  await kit.saveRecord(`${run.name}-message`, { message });
  checkNotCreated(await kit.recording(run), 'app', message, why);
}

const FILE = 'app.env';

describe('env-files: an init container writes an env file, the app reads it with fileKeyRef (EnvFiles, KEP-3721)', function () {
  this.timeout(120_000);

  scenarioTest('the API server keeps fileKeyRef, or refuses the emptied variable, as its EnvFiles gate says', async (kit) => {
    const d = await discoverEnvFiles(kit.kc, await kit.namespace());
    kit.attach('feature discovery', describeDiscovery(d));
    await kit.saveRecord('discovery', discoveryRecord(d));
    const gates = d.apiserver.gates ?? kit.skip(`cannot read the API server's feature gates to know what it must do: ${d.apiserver.unreadable}`);
    checkAdmission(expectedAdmission('EnvFiles', gates), d.admission);
  });

  scenarioTest('the value an init container wrote is the app\'s variable; a key the file lacks is left unset when optional', async (kit) => {
    const syntax = await requireEnvFiles(kit);
    const env = [fromEnvFile('GREETING', FILE, 'GREETING'), fromEnvFile('ABSENT', FILE, 'ABSENT', true)];
    const run = await kit.start(pod('env-files').init(writesEnvFile('init-env', FILE, ['# written by init-env', envLine(syntax, 'GREETING', 'hello from init-env')])).app(printsEnv('app', env)));
    await run.until(phase('Running', 60_000));
    await run.untilLog('app', / app started$/);
    const rec = await kit.recording(run);
    const log = await run.log('app');
    await kit.saveRecord('app-log', { log });
    checkEnvSeen(rec, 'app', log, 'GREETING', 'hello from init-env');
    checkEnvSeen(rec, 'app', log, 'ABSENT', UNSET);
  });

  scenarioTest('a key the file lacks, not optional: the kubelet does not create the app (CreateContainerConfigError naming the key)', async (kit) => {
    const syntax = await requireEnvFiles(kit);
    const run = await kit.start(pod('env-files-no-key').init(writesEnvFile('init-env', FILE, [envLine(syntax, 'OTHER', '1')])).app(printsEnv('app', [fromEnvFile('GREETING', FILE, 'GREETING')])));
    await checkAppNotCreated(kit, run, /environment variable key "GREETING" not found in file/);
  });

  scenarioTest('the other syntax: where the kubelet runs EnvFiles beta (1.35+), KEY=value makes it refuse the whole file and not create the app; alpha (1.34) reads KEY=\'value\' with its quotes', async (kit) => {
    const syntax = await requireEnvFiles(kit);
    const other = otherSyntax(syntax, 'GREETING', 'hello');
    const run = await kit.start(pod('env-files-other-syntax').init(writesEnvFile('init-env', FILE, [other.line])).app(printsEnv('app', [fromEnvFile('GREETING', FILE, 'GREETING')])));
    if (other.refused) return checkAppNotCreated(kit, run, /couldn't parse env file/);
    await run.until(phase('Running', 60_000));
    await run.untilLog('app', / app started$/);
    const log = await run.log('app');
    await kit.saveRecord('other-syntax-log', { log });
    checkEnvSeen(await kit.recording(run), 'app', log, 'GREETING', other.read!);
  });

  scenarioTest('no file at all: the kubelet does not create the app, even for an optional key (the file must open)', async (kit) => {
    const syntax = await requireEnvFiles(kit);
    const run = await kit.start(pod('env-files-no-file').init(writesEnvFile('init-env', 'other.env', [envLine(syntax, 'GREETING', '1')])).app(printsEnv('app', [fromEnvFile('GREETING', FILE, 'GREETING', true)])));
    await checkAppNotCreated(kit, run, /couldn't parse env file/);
  });
});
