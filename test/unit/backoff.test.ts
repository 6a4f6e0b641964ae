import { expect } from 'chai';
import { backoffFloorMs, checkBackoffSchedule, expectedBackoff, kubeletBackoff } from '../../lib/checks/behaviours.js';

describe('CrashLoopBackOff schedule', () => {
  it('restarts at once, then after 10 s doubling, capped at 300 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => expectedBackoff(i))).to.deep.equal([0, 10, 20, 40, 80, 160, 300]);
  });

  it('up to 1.34 a restart may come up to ~15 s late (the pod worker requeues every 10–15 s)', () => {
    const s = kubeletBackoff(34);
    checkBackoffSchedule([1, 13, 27, 55], 4, s);
    expect(() => checkBackoffSchedule([1, 13, 27, 57], 4, s)).to.throw(/^expected restart 4 after 40s of back-off \(accepted 39–56s\); observed 57s; all intervals: 1s, 13s, 27s, 57s$/);
    expect(() => checkBackoffSchedule([1, 5, 20, 40], 4, s)).to.throw(/restart 2 after 10s/);
  });

  it('accepts a restart exactly at either end of its window', () => {
    const s = kubeletBackoff(34);
    checkBackoffSchedule([0, 9, 19, 39], 4, s);
    checkBackoffSchedule([1, 26, 36, 56], 4, s);
    expect(() => checkBackoffSchedule([0, 8, 19, 39], 4, s)).to.throw(/restart 2 after 10s of back-off \(accepted 9–26s\); observed 8s/);
  });

  it('from 1.35 a restart may come up to half its back-off late (requeued at expiry × jitter 0.5)', () => {
    const s = kubeletBackoff(36);
    checkBackoffSchedule([1, 10, 29, 60], 4, s);
    expect(() => checkBackoffSchedule([1, 10, 29, 63], 4, s)).to.throw(/accepted 39–62s/);
    checkBackoffSchedule([1, 10, 29, 60], 4, kubeletBackoff(35));
    expect(() => checkBackoffSchedule([1, 10, 29, 60], 4, kubeletBackoff(34))).to.throw(/accepted 39–56s/);
  });

  it('needs as many intervals as restarts asked for', () => {
    expect(() => checkBackoffSchedule([0, 10, 20], 4)).to.throw(/^expected at least 4 restart intervals; observed 3: 0, 10, 20$/);
  });

  it('the floor of a run is the back-off sat through before its restarts, in total', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffFloorMs(n))).to.deep.equal([0, 0, 10_000, 30_000, 70_000]);
    expect(backoffFloorMs(3, { ...kubeletBackoff(36), initialSec: 1 })).to.equal(3_000);
  });
});
