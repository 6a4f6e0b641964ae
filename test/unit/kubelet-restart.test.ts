import { expect } from 'chai';
import { checkStatusAcrossKubeletRestart, expectedOnKubeletRestart, flipsAfter } from '../../lib/checks/kubelet-restart.js';
import type { DownWindow } from '../../lib/chaos/proof.js';
import type { Recording } from '../../lib/checks/recording.js';
import { containerIn } from '../../lib/checks/recording.js';
import { clone, expectFailure, load } from '../support/controls.js';

// Recorded by suites/features/kubelet-restart-status.spec.ts on the embedded cluster (the v1.36 window is the
// run's injection record: injectedAt and injectMs).
const v134 = load('kubelet-restart-status-v1.34');
const v136 = load('kubelet-restart-status-v1.36');
const w134 = load<DownWindow>('kubelet-restart-status-v1.34-window');
const w136 = load<DownWindow>('kubelet-restart-status-v1.36-window');
const NAMES = ['side', 'app'];
const check = (w: DownWindow, expected: 'kept' | 'reset') => (r: Recording) => void checkStatusAcrossKubeletRestart(r, NAMES, w, expected);

describe('started/ready across a kubelet restart (lib/checks/kubelet-restart.ts)', () => {
  it('expects what the kubelet\'s own gate says: absent (≤ 1.34) or on → reset, off → kept', () => {
    expect(expectedOnKubeletRestart(undefined)).to.equal('reset');
    expect(expectedOnKubeletRestart({ enabled: true, stage: 'DEPRECATED' })).to.equal('reset');
    expect(expectedOnKubeletRestart({ enabled: false, stage: 'DEPRECATED' })).to.equal('kept');
  });

  it('v1.34.12 resets: the sidecar reported not started (STATUS Init:1/2 on a Running pod) and both not ready, then back', () => {
    const flips = checkStatusAcrossKubeletRestart(v134, NAMES, w134, 'reset');
    expect(flips.map((f) => `#${f.seq} ${f.container} ${f.change}`)).to.deep.equal([
      '#11 side started false', '#11 side ready false', '#11 app ready false',
      '#12 side started false', '#12 app ready false',
      '#13 side started false', '#13 side ready false', '#13 app ready false',
      '#14 side started false', '#14 side ready false',
      '#15 side ready false',
    ]);
    expect(v134.rows.find((r) => r.seq === 11)!.status).to.equal('Init:1/2');
    expectFailure(check(w134, 'kept'), v134, /^expected started and ready kept through the kubelet restart \(ChangeContainerStatusOnKubeletRestart off\); observed side started false at #11, side ready false at #11, app ready false at #11, /);
  });

  it('v1.36.5 keeps them (gate off): no row after the restart', () => {
    expect(checkStatusAcrossKubeletRestart(v136, NAMES, w136, 'kept')).to.deep.equal([]);
    expectFailure(check(w136, 'reset'), v136, /^expected started or ready reported false after the kubelet restart, until the probes pass again \(ChangeContainerStatusOnKubeletRestart on, or a release before it\); observed no such row among 0 after 2026-12-07T03:22:16\.661Z/);
  });

  it('needs the containers running, started, ready and older than 11 s before the restart', () => {
    const notReady = clone(v136);
    containerIn(notReady.rows.at(-1)!, 'app')!.ready = false;
    expectFailure(check(w136, 'kept'), notReady, /^expected app running, started and ready before the kubelet stopped; observed running, started true, ready false at row #11/);
    const young: DownWindow = { from: '2026-12-07T03:22:11.000Z', to: '2026-12-07T03:22:14.000Z' };
    expectFailure(check(young, 'kept'), v136, /^expected app started at least 11 s before the kubelet stopped \(younger containers are probed as new whatever the gate\); observed 10 s \(started 2026-12-07T03:22:01Z, stopped 2026-12-07T03:22:11.000Z\)/);
    const early: DownWindow = { from: '2026-12-07T03:21:00.000Z', to: '2026-12-07T03:21:03.000Z' };
    expectFailure(check(early, 'kept'), v136, /^expected a row of the pod before the kubelet stopped at 2026-12-07T03:21:00.000Z; observed none/);
  });

  it('a container that began a new attempt is not a kept or reset status', () => {
    const restarted = clone(v134);
    containerIn(restarted.rows.at(-1)!, 'app')!.containerID = 'containerd://new';
    expectFailure(check(w134, 'reset'), restarted, /^expected app to stay in the attempt they ran before the restart; observed a new attempt/);
  });

  it('reset must come back: started and ready again by the last row', () => {
    const stuck = clone(v134);
    stuck.rows = stuck.rows.filter((r) => r.seq <= 14);
    expectFailure(check(w134, 'reset'), stuck, /^expected side started and ready again once the probes passed; observed not at the last row #14/);
  });

  it('counts only rows from the stop on, of the same attempt', () => {
    const ids = new Map([['side', containerIn(v134.rows.find((r) => r.seq === 10)!, 'side')!.containerID!]]);
    expect(flipsAfter(v134.rows, ids, w134).map((f) => f.seq)).to.deep.equal([11, 11, 12, 13, 13, 14, 14, 15]);
    expect(flipsAfter(v134.rows, new Map([['side', 'containerd://other']]), w134)).to.deep.equal([]);
    expect(flipsAfter(v134.rows, ids, { from: '2030-01-01T00:00:00Z', to: '2030-01-01T00:00:03Z' })).to.deep.equal([]);
  });

  describe('boundaries and each precondition (altered copies)', () => {
    const at = (r: Recording, seq: number) => r.rows.find((x) => x.seq === seq)!;
    const before = 10; // v1.34: the last row before the stop

    it('a row received exactly at the stop is after it; the one before it is the baseline', () => {
      const exact: DownWindow = { from: at(v134, 11).receivedAt, to: w134.to };
      expect(checkStatusAcrossKubeletRestart(v134, NAMES, exact, 'reset')[0]).to.deep.equal({ seq: 11, container: 'side', change: 'started false' });
      const newAtStop = clone(v134);
      containerIn(at(newAtStop, 11), 'app')!.containerID = 'containerd://new';
      expectFailure(check(exact, 'reset'), newAtStop, /^expected app to stay in the attempt they ran before the restart; observed a new attempt\nTimeline rows:\n#11 /);
    });

    it('quotes the first rows when none comes before the stop', () => {
      expectFailure(check({ from: '2026-12-07T03:00:00Z', to: '2026-12-07T03:00:03Z' }, 'reset'), v134, /^expected a row of the pod before the kubelet stopped/, [1, 2, 3]);
    });

    for (const [alter, observed] of [
      [(c: { state: string }) => (c.state = 'waiting'), 'waiting, started true, ready true'],
      [(c: { started?: boolean }) => (c.started = false), 'running, started false, ready true'],
      [(c: { started?: boolean }) => delete c.started, 'running, started undefined, ready true'],
    ] as Array<[(c: never) => void, string]>) {
      it(`needs the app running and started before the stop: ${observed}`, () => {
        const r = clone(v134);
        alter(containerIn(at(r, before), 'app') as never);
        expectFailure(check(w134, 'reset'), r, new RegExp(`^expected app running, started and ready before the kubelet stopped; observed ${observed} at row #10`), [10]);
      });
    }

    it('needs a containerID, and the container itself', () => {
      const noId = clone(v134);
      delete containerIn(at(noId, before), 'side')!.containerID;
      expectFailure(check(w134, 'reset'), noId, /^expected side running, started and ready before the kubelet stopped; observed running, started true, ready true at row #10/, [10]);
      const absent = clone(v134);
      at(absent, before).containers = at(absent, before).containers.filter((c) => c.name !== 'side');
      expectFailure(check(w134, 'reset'), absent, /^expected side running, started and ready before the kubelet stopped; observed no such container at row #10/, [10]);
    });

    it('11 s of age is enough, less is not', () => {
      const startedAt = containerIn(at(v136, 11), 'app')!.startedAt!;
      const eleven = new Date(Date.parse(startedAt) + 11_000).toISOString();
      expect(checkStatusAcrossKubeletRestart(v136, NAMES, { from: eleven, to: eleven }, 'kept')).to.deep.equal([]);
      const tenAndAHalf = new Date(Date.parse(startedAt) + 10_500).toISOString();
      expectFailure(check({ from: tenAndAHalf, to: tenAndAHalf }, 'kept'), v136, /^expected app started at least 11 s before the kubelet stopped .*observed 10\.5 s/, [11]);
    });

    it('a container gone from a later row, or both in new attempts, are named', () => {
      const gone = clone(v134);
      at(gone, 12).containers = at(gone, 12).containers.filter((c) => c.name !== 'app');
      expectFailure(check(w134, 'reset'), gone, /^expected app to stay in the attempt they ran before the restart; observed a new attempt/);
      const both = clone(v134);
      for (const n of NAMES) containerIn(both.rows.at(-1)!, n)!.containerID = 'containerd://new';
      expectFailure(check(w134, 'reset'), both, /^expected side, app to stay in the attempt/);
    });

    it('a reset must end with each started and ready, in its attempt, at the last row', () => {
      const notStarted = clone(v134);
      containerIn(notStarted.rows.at(-1)!, 'side')!.started = false;
      expectFailure(check(w134, 'reset'), notStarted, /^expected side started and ready again once the probes passed; observed not at the last row #16/, [16]);
      const waiting = clone(v134);
      containerIn(waiting.rows.at(-1)!, 'app')!.state = 'waiting';
      expectFailure(check(w134, 'reset'), waiting, /^expected app started and ready again/, [16]);
      const neither = clone(v134);
      for (const n of NAMES) containerIn(neither.rows.at(-1)!, n)!.ready = false;
      expectFailure(check(w134, 'reset'), neither, /^expected side, app started and ready again/, [16]);
    });

    it('a later row without the container, or not running, flips nothing', () => {
      const r = clone(v134);
      containerIn(at(r, 11), 'side')!.state = 'terminated';
      at(r, 12).containers = at(r, 12).containers.filter((c) => c.name !== 'side');
      const ids = new Map([['side', containerIn(at(r, before), 'side')!.containerID!]]);
      expect(flipsAfter(r.rows, ids, w134).map((f) => f.seq)).to.deep.equal([13, 13, 14, 14, 15]);
    });
  });
});
