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
});
