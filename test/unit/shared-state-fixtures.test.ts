/**
 * The fixtures of the replace, concurrent-init and drain suites: what the manifests hold (the claim
 * under /data, the StatefulSet's claim template in place of the emptyDir) and what the scripts do
 * (checked by their text: they run only in the fixture image, on a cluster).
 */
import { expect } from 'chai';
import { pod, sleeps } from '../../fixtures/pod.js';
import { budget, claim, migrates, seedsVolume } from '../../fixtures/shared-state.js';
import { MIGRATION_PREFIX } from '../../lib/checks/concurrent-init.js';
import { SEED_PREFIX } from '../../lib/checks/replace.js';

describe('shared-state fixtures', () => {
  it('dataClaim puts a PersistentVolumeClaim under /data in place of the emptyDir; the ledger stays an emptyDir', () => {
    const spec = pod('p').dataClaim('shared').app(sleeps()).build('ns').spec!;
    expect(spec.volumes).to.deep.equal([
      { name: 'ledger', emptyDir: {} },
      { name: 'data', persistentVolumeClaim: { claimName: 'shared' } },
    ]);
    expect(pod('q').app(sleeps()).build('ns').spec!.volumes).to.deep.equal([
      { name: 'ledger', emptyDir: {} },
      { name: 'data', emptyDir: {} },
    ]);
  });

  it('a claim is ReadWriteOnce of the default class (none named)', () => {
    expect(claim('c')).to.deep.equal({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } });
  });

  it('the seeder names its pod by UID; the idempotent one writes only when no seed is there, the other appends', () => {
    const once = seedsVolume('init-seed', true);
    const append = seedsVolume('init-seed', false);
    expect(once.env).to.deep.equal([{ name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } }]);
    const [onceScript, appendScript] = [once.command![2]!, append.command![2]!];
    expect(onceScript).to.include(`if [ -f /data/seed ]; then`).and.include(`echo "${SEED_PREFIX}$POD_UID" > /data/seed.tmp && mv /data/seed.tmp /data/seed`);
    expect(appendScript).to.include(`echo "${SEED_PREFIX}$POD_UID" >> /data/seed`).and.not.include('if [ -f');
  });

  it('the migration looks, takes its time, then appends its pod\'s name; the locked one holds a mkdir lock around it', () => {
    const free = migrates('init-migrate', 6, false).command![2]!;
    const locked = migrates('init-migrate', 6, true).command![2]!;
    expect(free).to.include('if [ -f /data/migrations ]; then').and.include(`sleep 6; echo "${MIGRATION_PREFIX}$POD_NAME" >> /data/migrations`).and.not.include('mkdir');
    const lines = locked.split('\n');
    expect(lines[0]).to.equal('until mkdir /data/migration.lock 2>/dev/null; do sleep 0.2; done');
    expect(lines.at(-1)).to.equal('rmdir /data/migration.lock');
    expect(lines.slice(1, -1).join('\n')).to.equal(free);
  });

  it('a budget selects the pods by name and keeps minAvailable of them', () => {
    expect(budget(pod('web'), 2)).to.deep.equal({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } } });
  });
});
