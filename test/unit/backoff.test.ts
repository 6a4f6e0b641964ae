import { expect } from 'chai';
import { checkBackoffSchedule, expectedBackoff, kubeletBackoff } from '../../lib/checks/behaviours.js';

describe('CrashLoopBackOff schedule', () => {
  it('restarts at once, then after 10 s doubling, capped at 300 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => expectedBackoff(i))).to.deep.equal([0, 10, 20, 40, 80, 160, 300]);
  });

  it('up to 1.34 a restart may come up to ~15 s late (the pod worker requeues every 10–15 s)', () => {
    const s = kubeletBackoff(34);
    checkBackoffSchedule([1, 13, 27, 55], 4, s);
    expect(() => checkBackoffSchedule([1, 13, 27, 57], 4, s)).to.throw(/restart 4 after 40s/);
    expect(() => checkBackoffSchedule([1, 5, 20, 40], 4, s)).to.throw(/restart 2 after 10s/);
  });

  it('from 1.35 a restart may come up to half its back-off late (requeued at expiry × jitter 0.5)', () => {
    const s = kubeletBackoff(36);
    checkBackoffSchedule([1, 10, 29, 60], 4, s);
    expect(() => checkBackoffSchedule([1, 10, 29, 63], 4, s)).to.throw(/accepted 39–62s/);
  });

  it('needs as many intervals as restarts asked for', () => {
    expect(() => checkBackoffSchedule([0, 10, 20], 4)).to.throw(/at least 4 restart intervals/);
  });
});
