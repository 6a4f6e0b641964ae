import { expect } from 'chai';
import { PRINTOUT_END, pod, printsLedger, sleeps, succeeds } from '../fixtures/pod.js';
import { claim, deploymentOf, migrates, selectorOf } from '../fixtures/shared-state.js';
import type { ConcurrentRecording } from '../lib/checks/concurrent-init.js';
import { MIGRATION_PREFIX, checkRanTogether, checkSerialised, migrationsApplied } from '../lib/checks/concurrent-init.js';
import { phase } from '../lib/observe/wait.js';
import type { ScenarioKit } from '../lib/scenario/kit.js';
import { scenarioTest } from '../lib/scenario/kit.js';

const REPLICAS = 3;
const INIT = 'init-migrate';
/** How long applying the migration takes: the window in which replicas that start together overlap. */
const MIGRATION_S = 6;

/**
 * A Deployment of REPLICAS pods made at once, whose init container migrates a claim they share.
 * The claim (ReadWriteOnce, a `local` volume: every pod of it goes to its node, so all share the
 * directory and one uptime clock) is bound first by a short pod, so the replicas are scheduled at
 * once rather than one after the claim's binding; a pod mounting it afterwards prints the
 * migrations file.
 */
async function migrateTogether(kit: ScenarioKit, name: string, locked: boolean): Promise<ConcurrentRecording> {
  const shared = `${name}-shared`;
  await kit.create(claim(shared));
  const binder = await kit.start(pod(`${name}-bind`).dataClaim(shared).restartPolicy('Never').app(succeeds('app')));
  await binder.until(phase('Succeeded', 120_000));
  const web = pod(name).dataClaim(shared).init(migrates(INIT, MIGRATION_S, locked)).app(sleeps('app'));
  const deployments = await kit.watchObjects('apps/v1/deployments', selectorOf(web));
  const { pods, run } = await kit.followPods(selectorOf(web));
  await kit.create(deploymentOf(kit, web, REPLICAS));
  await deployments.until(`${name}: ${REPLICAS} ready replicas`, (r) => r.name === name && r.status.readyReplicas === REPLICAS, 150_000);
  const names = [...new Set(pods.rows.filter((r) => r.event !== 'DELETED').map((r) => r.name))];
  const replicas = await Promise.all(
    names.map(async (p) => {
      const r = await run(p);
      return { pod: p, node: (await r.pod()).spec!.nodeName!, ledger: await r.ledgerFromLogs() };
    }),
  );
  const reader = await kit.start(pod(`${name}-read`).dataClaim(shared).app(printsLedger('app')));
  await reader.untilLog('app', new RegExp(`^${PRINTOUT_END}$`), 120_000);
  kit.observed();
  const migrationLines = (await reader.log('app')).split('\n').filter((l) => l.startsWith(MIGRATION_PREFIX));
  return { init: INIT, replicas, migrationLines };
}

// ReplicaSet controller (pkg/controller/replicaset/replica_set.go manageReplicas, slowStartBatch):
// the missing pods are created together (batches of 1, 2, 4, ... within milliseconds), and the
// kubelet starts each pod's init containers as soon as its sandbox is ready: nothing orders the
// replicas' init containers, on every release (1.33–1.36). Only the init code can (a lock).
describe('concurrent-init: the replicas of a Deployment run their init containers at the same time, against shared state', function () {
  this.timeout(300_000);

  scenarioTest(`${REPLICAS} replicas made at once run their init containers at one moment (their ledgers overlap) and each applies the unlocked migration; with a lock on the shared claim they run one at a time and apply it once`, async (kit) => {
    const [free, locked] = await Promise.all([migrateTogether(kit, 'migrate-free', false), migrateTogether(kit, 'migrate-locked', true)]);
    await kit.saveRecord('free', free);
    await kit.saveRecord('locked', locked);
    checkRanTogether(free, REPLICAS);
    checkSerialised(locked, REPLICAS);
    // The controls, on this run's own recordings: each check fails on the other behaviour.
    expect(() => checkSerialised(free, REPLICAS), 'negative control: the unlocked replicas are not serialised').to.throw(/expected init-migrate of one replica at a time/);
    expect(() => checkRanTogether(locked, REPLICAS), 'negative control: the locked replicas did not run together').to.throw(/running at one moment/);
    expect(migrationsApplied(free.migrationLines), `the unlocked migration applied by every replica (${free.migrationLines.join(' | ')})`).to.equal(REPLICAS);
  }, { floorMs: (REPLICAS + 1) * MIGRATION_S * 1000 });
});
