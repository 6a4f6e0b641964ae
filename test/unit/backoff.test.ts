import { expect } from 'chai';
import { backoffFloorMs, backoffIntervals, checkBackoffSchedule, expectedBackoff, kubeletBackoff, restartIntervalsOf } from '../../lib/checks/behaviours.js';
import type { Recording } from '../../lib/checks/recording.js';
import { containerIn } from '../../lib/checks/recording.js';
import { clone, load } from '../support/controls.js';

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
    checkBackoffSchedule([2, 26, 36, 56], 4, s);
    expect(() => checkBackoffSchedule([0, 8, 19, 39], 4, s)).to.throw(/restart 2 after 10s of back-off \(accepted 9–26s\); observed 8s/);
  });

  it('from 1.35 a restart may come up to half its back-off late (requeued at expiry × jitter 0.5)', () => {
    const s = kubeletBackoff(36);
    checkBackoffSchedule([1, 10, 29, 60], 4, s);
    expect(() => checkBackoffSchedule([1, 10, 29, 63], 4, s)).to.throw(/accepted 39–62s/);
    checkBackoffSchedule([1, 10, 29, 60], 4, kubeletBackoff(35));
    expect(() => checkBackoffSchedule([1, 10, 29, 60], 4, kubeletBackoff(34))).to.throw(/accepted 39–56s/);
  });

  for (const minor of [33, 34, 35, 36]) {
    it(`1.${minor}: the first restart comes at once (0–2 s), not after a back-off or the pod worker's requeue`, () => {
      const s = kubeletBackoff(minor);
      expect(s.firstLateSec).to.equal(2);
      checkBackoffSchedule([0, 10, 20, 40], 4, s);
      checkBackoffSchedule([2, 10, 20, 40], 4, s);
      expect(() => checkBackoffSchedule([3, 10, 20, 40], 4, s)).to.throw(/^expected restart 1 at once, without back-off \(accepted 0–2s\); observed 3s; all intervals: 3s, 10s, 20s, 40s$/);
      expect(() => checkBackoffSchedule([10, 10, 20, 40], 4, s)).to.throw(/^expected restart 1 at once, without back-off \(accepted 0–2s\); observed 10s/);
      expect(() => checkBackoffSchedule([16, 26, 36, 56], 4, s)).to.throw(/^expected restart 1 at once, without back-off \(accepted 0–2s\); observed 16s/);
    });
  }

  it('every recorded first restart came within 0–2 s (crash loops, kills, a flaky init container)', () => {
    for (const [name, container] of [['onfailure-crashloop-onfailure', 'init-b'], ['always-crashloop-always', 'init-b'], ['chaos-kill-killed-always-sigkill', 'init-b'], ['chaos-kill-flaky-under-kills', 'init-flaky'], ['flaky-flaky', 'init-flaky']] as const) {
      const first = restartIntervalsOf(load(name).rows, container).seconds[0]!;
      expect(first, name).to.be.within(0, kubeletBackoff(34).firstLateSec);
    }
  });

  it('needs as many intervals as restarts asked for', () => {
    expect(() => checkBackoffSchedule([0, 10, 20], 4)).to.throw(/^expected at least 4 restart intervals; observed 3: 0, 10, 20$/);
  });

  it('the floor of a run is the back-off sat through before its restarts, in total', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffFloorMs(n))).to.deep.equal([0, 0, 10_000, 30_000, 70_000]);
    expect(backoffFloorMs(3, { ...kubeletBackoff(36), initialSec: 1 })).to.equal(3_000);
  });

  describe('restart intervals over timeline rows (what backoffIntervals and the results model read)', () => {
    const onfailure = load('onfailure-crashloop-onfailure');
    /** The recording with the end of `name`'s attempt whose container ID ends in `containerSuffix` taken out of every row. */
    const withoutEndOf = (rec: Recording, name: string, containerSuffix: string) => {
      const copy = clone(rec);
      for (const row of copy.rows) {
        const c = containerIn(row, name);
        if (c?.containerID?.endsWith(containerSuffix)) c.finishedAt = undefined;
        if (c?.last?.containerID?.endsWith(containerSuffix)) c.last.finishedAt = undefined;
      }
      return copy;
    };

    it('reads the recorded crash loop: 1, 17, 30, 49 s, every end seen', () => {
      expect(restartIntervalsOf(onfailure.rows, 'init-b')).to.deep.equal({ seconds: [1, 17, 30, 49], unended: null });
      expect(backoffIntervals(onfailure, 'init-b')).to.deep.equal([1, 17, 30, 49]);
    });

    it('gives nothing for a container that ran once, or never', () => {
      expect(restartIntervalsOf(onfailure.rows, 'init-a')).to.deep.equal({ seconds: [], unended: null });
      expect(restartIntervalsOf(onfailure.rows, 'app')).to.deep.equal({ seconds: [], unended: null });
    });

    it('stops before an attempt never seen ending, and names it (a lost sandbox took init-b along)', () => {
      const lost = load('chaos-sandbox-lost-during-init');
      const first = lost.rows.flatMap((r) => containerIn(r, 'init-b')?.containerID ?? [])[0]!;
      expect(restartIntervalsOf(lost.rows, 'init-b')).to.deep.equal({ seconds: [], unended: { attempt: 1, containerID: first, startedAt: '2026-11-26T22:54:31Z' } });
      // The third attempt (4944df) without its end: the two intervals before it stay, none after.
      const third = withoutEndOf(onfailure, 'init-b', '4944df');
      const { seconds, unended } = restartIntervalsOf(third.rows, 'init-b');
      expect(seconds).to.deep.equal([1, 17]);
      expect(unended).to.include({ attempt: 3, startedAt: '2026-11-26T22:25:23Z' });
      expect(unended!.containerID).to.match(/4944df$/);
      expect(() => backoffIntervals(third, 'init-b')).to.throw(/^expected the end of attempt 3 of init-b in the timeline \(it was followed by attempt 4\); observed attempt 3 \(containerd:\/\/\w*4944df\) started at 2026-11-26T22:25:23Z with no finishedAt\n/);
    });

    it('the last attempt needs no end: a running container is not unended', () => {
      const lastRunning = withoutEndOf(onfailure, 'init-b', 'f25e47');
      expect(restartIntervalsOf(lastRunning.rows, 'init-b')).to.deep.equal({ seconds: [1, 17, 30, 49], unended: null });
    });
  });
});
