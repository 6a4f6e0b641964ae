/**
 * The concurrent-init suite's checks on the embedded cluster's recordings (v1.34.12): three
 * replicas of a Deployment migrating one shared claim, without a lock (their init containers ran
 * at one moment, each applied the migration) and with one (one at a time, applied once). Each
 * recording is the other check's negative control.
 */
import { expect } from 'chai';
import type { ConcurrentRecording } from '../../lib/checks/concurrent-init.js';
import { MIGRATION_PREFIX, checkRanTogether, checkSerialised, initIntervals, migrationsApplied } from '../../lib/checks/concurrent-init.js';
import { clone, control, expectFailure, load } from '../support/controls.js';

const free = load<ConcurrentRecording>('concurrent-init-free');
const locked = load<ConcurrentRecording>('concurrent-init-locked');
const entry = (container: string, event: string, uptime: number) => ({ time: '2026-12-07T09:13:00Z', uptime, container, event });
const only = (pod: string, start: number, end: number) => ({ pod, node: 'n', ledger: [entry('init-migrate', 'started', start), entry('init-migrate', 'ran', end)] });
const rec = (...replicas: ReturnType<typeof only>[]): ConcurrentRecording => ({ init: 'init-migrate', replicas, migrationLines: [`${MIGRATION_PREFIX}a`] });

describe('concurrent-init: the replicas\' init runs from their ledgers', () => {
  it('one interval per replica from "started" and "ran" of the init container, sorted by start', () => {
    expect(initIntervals(free, 3)).to.deep.equal([
      { pod: 'migrate-free-847ff76bbc-j84xw', start: 34231.83, end: 34237.83 },
      { pod: 'migrate-free-847ff76bbc-48zhl', start: 34232.71, end: 34238.72 },
      { pod: 'migrate-free-847ff76bbc-ntvlj', start: 34232.81, end: 34238.82 },
    ]);
    expect(initIntervals(rec(only('b', 5, 6), only('a', 1, 2)), 2).map((i) => i.pod)).to.deep.equal(['a', 'b']);
  });

  it('counts the migration lines only', () => {
    expect(migrationsApplied(free.migrationLines)).to.equal(3);
    expect(migrationsApplied(locked.migrationLines)).to.equal(1);
    expect(migrationsApplied(['== /data/migrations', `${MIGRATION_PREFIX}x`, ` ${MIGRATION_PREFIX}y`])).to.equal(1);
  });
});

describe('concurrent-init: checkRanTogether (controls on the unlocked recording)', () => {
  control<ConcurrentRecording>(free, (r) => checkRanTogether(r, 3), {
    'a replica is missing': [(r) => r.replicas.pop(), /^expected 3 replicas; observed 2: migrate-free-847ff76bbc-ntvlj, migrate-free-847ff76bbc-48zhl$/],
    'no replica was recorded': [(r) => (r.replicas = []), /^expected 3 replicas; observed 0: none$/],
    'a replica ran on another node': [(r) => (r.replicas[1]!.node = 'other'), /^expected every replica on one node \(the ledger's uptimes are one node's clock\); observed nodes initc-sui-node, other$/],
    'a replica\'s init container never ran': [(r) => (r.replicas[0]!.ledger = r.replicas[0]!.ledger.filter((e) => e.container !== 'init-migrate')), /^expected one "started" and one "ran" line of init-migrate in migrate-free-847ff76bbc-ntvlj's ledger; observed none$/],
    'a replica\'s init container ran twice': [(r) => r.replicas[0]!.ledger.push(entry('init-migrate', 'started', 34240), entry('init-migrate', 'ran', 34241)), /observed started@34232.81, applied-migration@34238.82, ran@34238.82, started@34240, ran@34241$/],
    'a replica\'s init container started twice, finished once': [(r) => r.replicas[1]!.ledger.unshift(entry('init-migrate', 'started', 34230)), /in migrate-free-847ff76bbc-48zhl's ledger; observed started@34230, started@34232.71, applied-migration@34238.72, ran@34238.72$/],
    'a replica\'s init container never finished': [(r) => (r.replicas[2]!.ledger = r.replicas[2]!.ledger.filter((e) => e.event !== 'ran')), /in migrate-free-847ff76bbc-j84xw's ledger; observed started@34231.83, applied-migration@34237.83$/],
    'a replica\'s "ran" came before its "started"': [(r) => (r.replicas[0]!.ledger.find((e) => e.event === 'ran')!.uptime = 34232.8), /^expected migrate-free-847ff76bbc-ntvlj's init-migrate to finish after it started; observed started at uptime 34232.81, ran at 34232.8$/],
    'the first finished before the last started': [(r) => (r.replicas[2]!.ledger.find((e) => e.event === 'ran')!.uptime = 34232.5), /^expected the 3 replicas' init-migrate running at one moment \(the last started before the first finished\); observed last start at uptime 34232.81, first end at 34232.5: migrate-free-847ff76bbc-j84xw 34231.83–34232.5, migrate-free-847ff76bbc-48zhl 34232.71–34238.72, migrate-free-847ff76bbc-ntvlj 34232.81–34238.82$/],
    'the first finished the moment the last started': [(r) => (r.replicas[2]!.ledger.find((e) => e.event === 'ran')!.uptime = 34232.81), /observed last start at uptime 34232.81, first end at 34232.81/],
  });

  it('passes when the last started a hundredth of a second before the first finished', () => {
    checkRanTogether(rec(only('a', 1, 3), only('b', 2.99, 5)), 2);
  });

  it('fails on the locked recording (the negative control): they ran one at a time', () => {
    expectFailure((r: ConcurrentRecording) => checkRanTogether(r, 3), clone(locked), /^expected the 3 replicas' init-migrate running at one moment \(the last started before the first finished\); observed last start at uptime 34238.99, first end at 34238.8: migrate-locked-7ddc59b776-v58ds 34232.8–34238.8, migrate-locked-7ddc59b776-q6hnc 34238.86–34238.86, migrate-locked-7ddc59b776-tgbhl 34238.99–34239$/);
  });
});

describe('concurrent-init: checkSerialised (controls on the locked recording)', () => {
  control<ConcurrentRecording>(locked, (r) => checkSerialised(r, 3), {
    'a replica is missing': [(r) => r.replicas.pop(), /^expected 3 replicas; observed 2/],
    'two replicas overlapped': [(r) => (r.replicas[2]!.ledger.find((e) => e.event === 'started')!.uptime = 34238.7), /^expected init-migrate of one replica at a time \(each starting after the one before finished\); observed migrate-locked-7ddc59b776-q6hnc started at uptime 34238.7, before migrate-locked-7ddc59b776-v58ds finished at 34238.8: migrate-locked-7ddc59b776-v58ds 34232.8–34238.8, migrate-locked-7ddc59b776-q6hnc 34238.7–34238.86, migrate-locked-7ddc59b776-tgbhl 34238.99–34239$/],
    'the last two overlapped': [(r) => (r.replicas[2]!.ledger.find((e) => e.event === 'ran')!.uptime = 34239.5), /observed migrate-locked-7ddc59b776-tgbhl started at uptime 34238.99, before migrate-locked-7ddc59b776-q6hnc finished at 34239.5/],
    'the migration was applied twice': [(r) => r.migrationLines.push(`${MIGRATION_PREFIX}migrate-locked-7ddc59b776-q6hnc`), /^expected the migration applied once; observed 2 times: migration applied by migrate-locked-7ddc59b776-v58ds \| migration applied by migrate-locked-7ddc59b776-q6hnc$/],
    'the migration was never applied': [(r) => (r.migrationLines = []), /^expected the migration applied once; observed 0 times: no line$/],
  });

  it('passes when one starts the moment the one before finished', () => {
    checkSerialised(rec(only('a', 1, 2), only('b', 2, 3), only('c', 3, 3)), 3);
  });

  it('fails on the unlocked recording (the negative control): they overlapped', () => {
    expectFailure((r: ConcurrentRecording) => checkSerialised(r, 3), clone(free), /^expected init-migrate of one replica at a time \(each starting after the one before finished\); observed migrate-free-847ff76bbc-48zhl started at uptime 34232.71, before migrate-free-847ff76bbc-j84xw finished at 34237.83: /);
  });

  it('fails on the unlocked recording when its ledgers are made serial: the migration was applied 3 times', () => {
    const serial = clone(free);
    serial.replicas.forEach((r, i) => r.ledger.forEach((e) => (e.uptime = e.container === 'init-migrate' ? (e.event === 'started' ? i * 10 : i * 10 + 5) : e.uptime)));
    expectFailure((r: ConcurrentRecording) => checkSerialised(r, 3), serial, /^expected the migration applied once; observed 3 times: /);
  });
});
