import type { V1Pod } from '@kubernetes/client-node';
import { expect } from 'chai';
import { PRINTOUT_END, pod, printsLedger } from '../fixtures/pod.js';
import { seedsVolume, selectorOf, statefulSetWithClaim } from '../fixtures/shared-state.js';
import { replacePod } from '../lib/chaos/replace-pod.js';
import type { ReplaceRecording } from '../lib/checks/replace.js';
import { SEED_PREFIX, checkSeenOnce, replaceVerdict } from '../lib/checks/replace.js';
import type { PodWait } from '../lib/observe/wait.js';
import type { ScenarioKit } from '../lib/scenario/kit.js';
import { scenarioTest } from '../lib/scenario/kit.js';
import type { PodRun } from '../lib/scenario/pod-run.js';

const INIT = 'init-seed';

const identity = (p: V1Pod) => ({ uid: p.metadata!.uid!, node: p.spec!.nodeName! });

/** Running again as another pod (another UID) than `uid`. */
const runningAs = (notUid: string): PodWait => ({
  description: `phase Running as a new pod (not uid ${notUid})`,
  timeoutMs: 120_000,
  met: (p) => p.metadata?.uid !== notUid && p.status?.phase === 'Running',
  hopeless: () => undefined,
});

async function printedSeeds(run: PodRun): Promise<string[]> {
  await run.untilLog('app', new RegExp(`^${PRINTOUT_END}$`), 60_000);
  return (await run.log('app')).split('\n').filter((l) => l.startsWith(SEED_PREFIX));
}

/** A one-pod StatefulSet seeding its claim, its pod replaced once the app printed the first seed; what the new pod saw. */
async function seedThenReplace(kit: ScenarioKit, name: string, idempotent: boolean): Promise<ReplaceRecording> {
  const ns = await kit.namespace();
  const web = pod(name).init(seedsVolume(INIT, idempotent)).app(printsLedger('app'));
  const sets = await kit.watchObjects('apps/v1/statefulsets', selectorOf(web));
  const { run } = await kit.followPods(selectorOf(web));
  await kit.create(statefulSetWithClaim(kit, web, 1));
  await sets.until(`${name}: 1 ready replica`, (r) => r.name === name && r.status.readyReplicas === 1, 120_000);
  const first = await run(`${name}-0`);
  const before = identity(await first.pod());
  kit.attach(`${name}: seed lines before the replacement`, (await printedSeeds(first)).join('\n'));
  await kit.injectThroughApi(first, replacePod({ namespace: ns, kind: 'StatefulSet', name, selector: selectorOf(web) }, { pod: `${name}-0` }));
  await first.until(runningAs(before.uid));
  const seedLines = await printedSeeds(first);
  kit.observed();
  return { before, after: identity(await first.pod()), init: INIT, ledger: await first.ledgerFromLogs(), seedLines };
}

// StatefulSet controller (pkg/controller/statefulset/stateful_set_utils.go updateStorage): the pod's
// volumes named as a volumeClaimTemplate are the claim `<template>-<set>-<ordinal>`, the same for
// every pod of that ordinal, and a deleted pod is made again with it (the claim is kept unless
// persistentVolumeClaimRetentionPolicy says otherwise; Retain by default).
describe('replace: a pod replaced with its PersistentVolumeClaim kept runs its init containers again against the data', function () {
  this.timeout(300_000);

  scenarioTest('a StatefulSet pod deleted through the API comes back as a new pod (new UID) on the same claim: its init container ran again, and the idempotent seed is seen once; the appending seed is caught', async (kit) => {
    const [once, append] = await Promise.all([seedThenReplace(kit, 'seed-once', true), seedThenReplace(kit, 'seed-append', false)]);
    await kit.saveRecord('seed-once', once);
    await kit.saveRecord('seed-append', append);
    checkSeenOnce(once);
    expect(replaceVerdict(append.seedLines, append.before.uid), `negative control: the appending seed after the replacement (${append.seedLines.join(' | ') || 'none'})`).to.equal('applied again');
    expect(append.seedLines, 'one seed per pod: the first pod\'s, then the new pod\'s').to.deep.equal([`${SEED_PREFIX}${append.before.uid}`, `${SEED_PREFIX}${append.after.uid}`]);
  });
});
