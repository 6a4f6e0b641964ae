import { expect } from 'chai';
import { backoffFloorMs, backoffIntervals, checkBackoffSchedule, checkCapHeld, configuredBackoff, describeBackoff, expectedBackoff, firstRestartLateSec, kubeletBackoff, latestRestartSec, latestRestartsMs, parseBackoff, restartIntervalsOf, restartsAtCap, restartsWithin } from '../../lib/checks/backoff.js';
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
    it(`1.${minor}: the first restart comes at once (within half the first back-off: 0–5 s), not after a back-off or the pod worker's requeue`, () => {
      const s = kubeletBackoff(minor);
      expect(firstRestartLateSec(s.initialSec)).to.equal(5);
      checkBackoffSchedule([0, 10, 20, 40], 4, s);
      checkBackoffSchedule([3, 10, 20, 40], 4, s);
      checkBackoffSchedule([5, 10, 20, 40], 4, s);
      expect(() => checkBackoffSchedule([5.5, 10, 20, 40], 4, s)).to.throw(/^expected restart 1 at once, without back-off \(accepted 0–5s\); observed 5\.5s; all intervals: 5\.5s, 10s, 20s, 40s$/);
      expect(() => checkBackoffSchedule([9, 10, 20, 40], 4, s)).to.throw(/^expected restart 1 at once, without back-off \(accepted 0–5s\); observed 9s/);
      expect(() => checkBackoffSchedule([16, 26, 36, 56], 4, s)).to.throw(/^expected restart 1 at once, without back-off \(accepted 0–5s\); observed 16s/);
    });
  }

  it('the first restart may be late by half the first back-off, never less than 2 s', () => {
    expect([10, 5, 4, 1, 0.5].map(firstRestartLateSec)).to.deep.equal([5, 2.5, 2, 2, 2]);
    expect(firstRestartLateSec(configuredBackoff(36, { reducedDecay: true, maxGate: false }).initialSec)).to.equal(2);
    expect(firstRestartLateSec(configuredBackoff(34, { reducedDecay: false, maxGate: true, configuredMaxSec: 5 }).initialSec)).to.equal(2.5);
    expect(firstRestartLateSec(configuredBackoff(34, { reducedDecay: false, maxGate: true, configuredMaxSec: 30 }).initialSec)).to.equal(5);
  });

  it('every recorded first restart came within 0–2 s on an idle node (crash loops, kills, a flaky init container)', () => {
    for (const [name, container] of [['onfailure-crashloop-onfailure', 'init-b'], ['always-crashloop-always', 'init-b'], ['chaos-kill-killed-always-sigkill', 'init-b'], ['chaos-kill-flaky-under-kills', 'init-flaky'], ['flaky-flaky', 'init-flaky']] as const) {
      const first = restartIntervalsOf(load(name).rows, container).seconds[0]!;
      expect(first, name).to.be.within(0, 2);
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

  describe('as the kubelet is configured (pkg/kubelet/kubelet.go newCrashLoopBackOff)', () => {
    const plain = { reducedDecay: false, maxGate: false };
    it('10 s doubling to 300 s by default; 1 s to 60 s with reduced decay; the configured max replaces either, lowering the initial back-off under it', () => {
      expect(configuredBackoff(34, plain)).to.deep.equal(kubeletBackoff(34));
      expect(configuredBackoff(36, plain)).to.deep.equal(kubeletBackoff(36));
      expect(configuredBackoff(34, { reducedDecay: true, maxGate: false })).to.include({ initialSec: 1, capSec: 60 });
      expect(configuredBackoff(34, { reducedDecay: false, maxGate: true, configuredMaxSec: 5 })).to.include({ initialSec: 5, capSec: 5 });
      expect(configuredBackoff(34, { reducedDecay: false, maxGate: true, configuredMaxSec: 30 })).to.include({ initialSec: 10, capSec: 30 });
      expect(configuredBackoff(36, { reducedDecay: true, maxGate: true, configuredMaxSec: 5 })).to.include({ initialSec: 1, capSec: 5, lateFactor: 0.5, lateSec: 2 });
      // Both gates, nothing configured: the kubelet defaults the max to 300 s, which replaces reduced decay's 60 s.
      expect(configuredBackoff(36, { reducedDecay: true, maxGate: true })).to.include({ initialSec: 1, capSec: 300 });
      expect(configuredBackoff(36, { reducedDecay: false, maxGate: true })).to.include({ initialSec: 10, capSec: 300 });
      expect(configuredBackoff(34, { reducedDecay: false, maxGate: true, configuredMaxSec: 0.5 })).to.include({ initialSec: 0.5, capSec: 0.5 });
    });

    it('names the schedule and why', () => {
      expect(describeBackoff(configuredBackoff(34, plain), plain)).to.equal('10 s doubling to 300 s (release defaults)');
      const both = { reducedDecay: true, maxGate: true, configuredMaxSec: 5 };
      expect(describeBackoff(configuredBackoff(36, both), both)).to.equal('1 s doubling to 5 s (ReduceDefaultCrashLoopBackOffDecay on; KubeletCrashLoopBackOffMax on, max 5 s configured)');
      const maxOnly = { reducedDecay: false, maxGate: true };
      expect(describeBackoff(configuredBackoff(36, maxOnly), maxOnly)).to.equal('10 s doubling to 300 s (KubeletCrashLoopBackOffMax on, max 300 s configured)');
    });

    it('chooses as many restarts as fit a budget at their latest (the release\'s lateness), at least four', () => {
      const k34 = kubeletBackoff(34);
      expect([0, 1, 2, 3, 4].map((i) => latestRestartSec(i, k34))).to.deep.equal([5, 26, 36, 56, 96]);
      expect(latestRestartsMs(4, k34)).to.equal(123_000);
      expect(restartsWithin(120, k34)).to.equal(4);
      expect(restartsWithin(218, k34)).to.equal(4);
      expect(restartsWithin(219, k34)).to.equal(5);
      expect(restartsWithin(10, k34)).to.equal(4);
      expect(restartsWithin(10, k34, 1)).to.equal(1);
      expect(restartsWithin(30, k34, 1)).to.equal(1);
      expect(restartsWithin(31, k34, 1)).to.equal(2);
      const reduced = configuredBackoff(36, { reducedDecay: true, maxGate: false });
      expect([0, 1, 2, 3].map((i) => latestRestartSec(i, reduced))).to.deep.equal([2, 3.5, 5, 8]);
      expect(restartsWithin(75, reduced)).to.equal(6); // 2 + 3.5 + 5 + 8 + 14 + 26 = 58.5; the 7th (50) would end at 108.5
      expect(restartsWithin(75, configuredBackoff(34, { reducedDecay: false, maxGate: true, configuredMaxSec: 5 }))).to.equal(4); // 2.5 + 3 × 21
      expect(restartsWithin(90, configuredBackoff(36, { reducedDecay: false, maxGate: true, configuredMaxSec: 5 }))).to.equal(10); // 2.5 + 9 × 9.5
    });

    it('counts the restarts the schedule backs off by its cap', () => {
      const five = configuredBackoff(34, { reducedDecay: false, maxGate: true, configuredMaxSec: 5 });
      expect(restartsAtCap(4, five)).to.equal(3);
      expect(restartsAtCap(4, kubeletBackoff(34))).to.equal(0);
      expect(restartsAtCap(1, five)).to.equal(0);
      const thirty = configuredBackoff(36, { reducedDecay: false, maxGate: true, configuredMaxSec: 30 });
      expect(restartsAtCap(5, thirty)).to.equal(2); // 0, 10, 20, 30, 30
    });

    it('holds the cap: two intervals at it, each within the lateness; a kubelet that kept doubling fails', () => {
      const five = configuredBackoff(36, { reducedDecay: false, maxGate: true, configuredMaxSec: 5 });
      checkCapHeld([0, 5, 6, 7.5], five);
      checkCapHeld([1, 4, 4, 9.5], five);
      expect(() => checkCapHeld([0, 5], five)).to.throw(/^expected at least two restart intervals at the 5 s cap; observed 1 \(intervals: 0s, 5s\)/);
      expect(() => checkCapHeld([0, 5, 10, 20], five)).to.throw(/^expected every interval at the cap within 4–9\.5s; observed restart 3 after 10s, restart 4 after 20s/);
      expect(() => checkCapHeld([0, 5, 3.9], five)).to.throw(/observed restart 3 after 3\.9s/);
      const old = configuredBackoff(34, { reducedDecay: false, maxGate: true, configuredMaxSec: 5 });
      checkCapHeld([0, 12, 15, 21], old); // up to 1.34 the pod worker requeues a backed-off pod only every 10–15 s
      expect(() => checkCapHeld([0, 12, 15, 21.5], old)).to.throw(/within 4–21s/);
    });
  });

  describe('controls on a real recording (v1.36.5, ReduceDefaultCrashLoopBackOffDecay on, max 5 s configured)', () => {
    // Computed in each test, not at load (Stryker counts code run at load as static: a new process per mutant).
    const configured = () => configuredBackoff(36, { reducedDecay: true, maxGate: true, configuredMaxSec: 5 });
    const intervals = () => backoffIntervals(load('backoff-config-v1.36-reduced-max5'), 'init-fail');

    it('passes: 1, 2, 4 s, then held at the 5 s cap, each within the lateness', () => {
      expect(intervals()).to.deep.equal([0, 2, 3, 5, 8, 8, 6, 6, 6, 8, 7]);
      checkBackoffSchedule(intervals(), restartsWithin(90, configured()), configured());
      checkCapHeld(intervals(), configured());
    });

    it('fails when judged by the release default (a kubelet that ignored its configuration would have been)', () => {
      expect(() => checkBackoffSchedule(intervals(), 4, kubeletBackoff(36))).to.throw(/^expected restart 2 after 10s of back-off \(accepted 9–17s\); observed 2s/);
    });

    it('fails a default crash loop (10, 20, 40 s) held to the configured 5 s max', () => {
      const defaults = backoffIntervals(load('onfailure-crashloop-onfailure'), 'init-b');
      expect(() => checkBackoffSchedule(defaults, 4, configured())).to.throw(/^expected restart 2 after 1s of back-off \(accepted 0–3\.5s\); observed 1[0-9]s/);
      expect(() => checkCapHeld([0, 1, 2, 4, 10, 20, 40], configured())).to.throw(/observed restart 5 after 10s, restart 6 after 20s, restart 7 after 40s/);
    });
  });

  it('reads a recorded schedule back from its words: initial and cap, decimals too; anything else is none', () => {
    const described = describeBackoff(configuredBackoff(36, { reducedDecay: true, maxGate: true, configuredMaxSec: 5 }), { reducedDecay: true, maxGate: true, configuredMaxSec: 5 });
    expect(parseBackoff(described)).to.deep.equal({ initialSec: 1, capSec: 5 });
    expect(parseBackoff('10 s doubling to 300 s (release defaults)')).to.deep.equal({ initialSec: 10, capSec: 300 });
    expect(parseBackoff('0.25 s doubling to 12.25 s')).to.deep.equal({ initialSec: 0.25, capSec: 12.25 });
    expect(parseBackoff('12 s doubling to 300 seconds')).to.equal(undefined);
    expect(parseBackoff('about 10 s doubling to 300 s')).to.equal(undefined);
    expect(parseBackoff('1. s doubling to 5 s')).to.equal(undefined);
    expect(parseBackoff('1 s doubling to 5. s')).to.equal(undefined);
    expect(parseBackoff('1 s  doubling to 5 s')).to.equal(undefined);
    expect(parseBackoff('a1 s doubling to 5 s')).to.equal(undefined);
    expect(parseBackoff('not recorded')).to.equal(undefined);
  });
});
