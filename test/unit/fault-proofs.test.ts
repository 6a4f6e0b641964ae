/**
 * A fault that did nothing is never a pass: the pure judges of lib/chaos/proof.ts, each with the
 * fault that took effect and the one that did nothing (its negative control), over the recorded
 * kubelet restart where a container's run is needed.
 */
import { expect } from 'chai';
import { FaultNotProven, killProof, noProof, outageProof, overlapProof, proofFailed, rebootProof, restartProof, sandboxProof } from '../../lib/chaos/proof.js';
import { InfrastructureError } from '../../lib/observe/wait.js';
import { attemptsOf, killedExitMismatch } from '../../lib/checks/recording.js';
import { runtimeExitOfKill } from '../../lib/chaos/kill-container.js';
import type { Injection } from '../../lib/chaos/fault.js';
import { load } from '../support/controls.js';

describe('fault proofs (pure judges)', () => {
  describe('restartProof: a new pid, seen down, gone long enough', () => {
    const restarted = { component: 'kubelet', pidBefore: 4242, pidAfter: 5151, seenDown: true, gapMs: 3400 };

    it('proves a restart that happened, with its figures', () => {
      expect(restartProof(restarted, 3000)).to.deep.equal({
        claim: 'kubelet running before and after under a new pid, seen down in between, gone for at least 3000 ms',
        proven: true,
        seen: 'pid 4242 before, 5151 after; seen down; gap 3400 ms',
        evidence: { ...restarted, minGapMs: 3000 },
      });
    });

    it('a gap of exactly the minimum is enough; a millisecond less is not', () => {
      expect(restartProof({ ...restarted, gapMs: 3000 }, 3000).proven).to.equal(true);
      expect(restartProof({ ...restarted, gapMs: 2999 }, 3000).proven).to.equal(false);
    });

    it('negative control: a restart that did nothing (same pid, never seen down) is not proven', () => {
      const p = restartProof({ component: 'containerd', pidBefore: 77, pidAfter: 77, seenDown: false, gapMs: 3001 }, 3000);
      expect(p.proven).to.equal(false);
      expect(p.seen).to.equal('pid 77 before, 77 after; never seen down; gap 3001 ms');
    });

    it('each missing part alone leaves it unproven', () => {
      expect(restartProof({ ...restarted, pidAfter: 4242 }, 3000).proven, 'same pid').to.equal(false);
      expect(restartProof({ ...restarted, seenDown: false }, 3000).proven, 'never seen down').to.equal(false);
      expect(restartProof({ ...restarted, pidBefore: undefined }, 3000).proven, 'no pid before').to.equal(false);
      expect(restartProof({ ...restarted, pidAfter: undefined }, 3000).proven, 'not running after').to.equal(false);
      expect(restartProof({ ...restarted, pidBefore: undefined, pidAfter: undefined }, 3000).seen).to.equal('pid none before, none after; seen down; gap 3400 ms');
    });

    it('a detached restart (not observable while down) is proven by its pid and its length', () => {
      const p = restartProof({ ...restarted, seenDown: undefined }, 3000);
      expect(p.proven).to.equal(true);
      expect(p.seen).to.equal('pid 4242 before, 5151 after; down not observable (detached restart); gap 3400 ms');
      expect(restartProof({ ...restarted, seenDown: undefined, pidAfter: 4242 }, 3000).proven).to.equal(false);
    });
  });

  describe('overlapProof: the restart fell within init-b\'s run (recorded kubelet restart: init-b ran 22:58:55Z–22:59:07Z)', () => {
    // Read in each test, not at load (Stryker counts code run at load as static: a new process per mutant).
    const initB = () => attemptsOf(load('chaos-node-kubelet-restart').rows, 'init-b')[0];
    const window = (from: string, to: string) => ({ from: `2026-11-26T${from}Z`, to: `2026-11-26T${to}Z` });

    it('reads init-b\'s one run from the recording', () => {
      expect(initB()).to.include({ startedAt: '2026-11-26T22:58:55Z', finishedAt: '2026-11-26T22:59:07Z' });
    });

    it('proves a window inside the run', () => {
      const p = overlapProof(window('22:58:57.200', '22:59:03.900'), 'init-b', initB());
      expect(p.proven).to.equal(true);
      expect(p.claim).to.equal('init-b started before the component went down (2026-11-26T22:58:57.200Z) and finished after it was back (2026-11-26T22:59:03.900Z)');
      expect(p.seen).to.equal('init-b ran from 2026-11-26T22:58:55Z to 2026-11-26T22:59:07Z');
      expect(p.evidence).to.deep.equal({ window: window('22:58:57.200', '22:59:03.900'), container: 'init-b', startedAt: '2026-11-26T22:58:55Z', finishedAt: '2026-11-26T22:59:07Z' });
    });

    it('at the boundaries: a start a whole second before the window, a finish in the second it ended', () => {
      expect(overlapProof(window('22:58:56.000', '22:59:07.000'), 'init-b', initB()).proven).to.equal(true);
      expect(overlapProof(window('22:58:55.999', '22:59:03.000'), 'init-b', initB()).proven, 'the start may have been inside the window').to.equal(false);
      expect(overlapProof(window('22:58:57.000', '22:59:07.001'), 'init-b', initB()).proven, 'it may have finished before the component was back').to.equal(false);
    });

    it('negative control: a restart after init-b finished (or before it started) did not overlap it', () => {
      expect(overlapProof(window('22:59:08.000', '22:59:12.000'), 'init-b', initB()).proven).to.equal(false);
      expect(overlapProof(window('22:58:50.000', '22:58:54.000'), 'init-b', initB()).proven).to.equal(false);
    });

    it('a run never seen, or seen without its end, proves nothing', () => {
      const none = overlapProof(window('22:58:57', '22:59:03'), 'init-b', undefined);
      expect([none.proven, none.seen]).to.deep.equal([false, 'init-b never seen running']);
      const unended = overlapProof(window('22:58:57', '22:59:03'), 'init-b', { startedAt: initB()!.startedAt });
      expect([unended.proven, unended.seen]).to.deep.equal([false, 'init-b started at 2026-11-26T22:58:55Z, finished at no time']);
      expect(overlapProof(window('22:58:57', '22:59:03'), 'init-b', { finishedAt: initB()!.finishedAt }).seen).to.equal('init-b started at no time, finished at 2026-11-26T22:59:07Z');
    });
  });

  describe('killProof: the killed attempt ended with 128 + the signal', () => {
    const killed = { container: 'init-b', containerId: '0123456789abcdef0123', pid: 4242, signal: 'SIGKILL' as const };

    it('SIGKILL: exited 137; SIGTERM: exited 143', () => {
      const p = killProof({ ...killed, state: 'CONTAINER_EXITED', exitCode: 137 });
      expect(p).to.deep.equal({
        claim: 'container init-b (0123456789abc, pid 4242) exited with code 137 after SIGKILL',
        proven: true,
        seen: 'state CONTAINER_EXITED, exit code 137',
        evidence: { ...killed, state: 'CONTAINER_EXITED', exitCode: 137, expectedExitCode: 137 },
      });
      expect(killProof({ ...killed, signal: 'SIGTERM', state: 'CONTAINER_EXITED', exitCode: 143 }).proven).to.equal(true);
    });

    it('negative controls: it finished by itself (0), another code, still running, gone, no answer', () => {
      expect(killProof({ ...killed, state: 'CONTAINER_EXITED', exitCode: 0 }).proven).to.equal(false);
      expect(killProof({ ...killed, signal: 'SIGTERM', state: 'CONTAINER_EXITED', exitCode: 137 }).proven).to.equal(false);
      expect(killProof({ ...killed, state: 'CONTAINER_RUNNING', exitCode: 0 }).seen).to.equal('state CONTAINER_RUNNING, exit code 0');
      expect(killProof({ ...killed, state: 'CONTAINER_RUNNING', exitCode: 137 }).proven).to.equal(false);
      const gone = killProof({ ...killed, state: 'gone' });
      expect([gone.proven, gone.seen]).to.deep.equal([false, 'state gone, exit code none']);
      expect(killProof(killed).seen).to.equal('no state from the runtime');
    });
  });

  describe('sandboxProof: the old sandbox gone (or not ready), a new one ready', () => {
    const lost = { before: 'aaaaaaaaaaaaaaaa', stillListed: false, stillReady: false, after: 'bbbbbbbbbbbbbbbb' };

    it('a removed sandbox and a new one', () => {
      expect(sandboxProof(lost, true)).to.deep.equal({
        claim: 'sandbox aaaaaaaaaaaaa removed, and a new ready sandbox with another id',
        proven: true,
        seen: 'old sandbox aaaaaaaaaaaaa gone; new ready sandbox bbbbbbbbbbbbb',
        evidence: lost,
      });
    });

    it('a killed pause process: the old sandbox may stay listed, not ready', () => {
      const p = sandboxProof({ ...lost, stillListed: true }, false);
      expect([p.proven, p.claim, p.seen]).to.deep.equal([true, 'sandbox aaaaaaaaaaaaa no longer ready, and a new ready sandbox with another id', 'old sandbox aaaaaaaaaaaaa listed, not ready; new ready sandbox bbbbbbbbbbbbb']);
      expect(sandboxProof({ ...lost, stillListed: true }, true).proven, 'removal claimed, yet still listed').to.equal(false);
    });

    it('negative controls: the sandbox still ready, no new sandbox, the "new" one the old', () => {
      const still = sandboxProof({ ...lost, stillListed: true, stillReady: true, after: undefined }, false);
      expect([still.proven, still.seen]).to.deep.equal([false, 'old sandbox aaaaaaaaaaaaa still ready; new ready sandbox none']);
      expect(sandboxProof({ ...lost, stillListed: true, stillReady: true }, false).proven, 'still ready beside a new one').to.equal(false);
      expect(sandboxProof({ ...lost, after: undefined }, true).proven).to.equal(false);
      expect(sandboxProof({ ...lost, after: lost.before }, true).proven).to.equal(false);
    });
  });

  describe('rebootProof: every sandbox gone, the kubelet and containerd under new pids', () => {
    const rebooted = { sandboxesBefore: ['s1', 's2'], survivors: [], kubelet: { before: 10, after: 20 }, containerd: { before: 11, after: 21 } };

    it('proves a reboot, with its figures', () => {
      const p = rebootProof(rebooted);
      expect(p).to.deep.equal({
        claim: 'every sandbox of the node gone (at least one before), the kubelet and containerd running under new pids',
        proven: true,
        seen: '2 sandboxes before, 0 survived; kubelet pid 10 → 20; containerd pid 11 → 21',
        evidence: rebooted,
      });
    });

    it('negative controls: a survivor, no sandbox at all, a component not restarted or not running', () => {
      expect(rebootProof({ ...rebooted, survivors: ['s2'] }).proven).to.equal(false);
      expect(rebootProof({ ...rebooted, sandboxesBefore: [] }).proven).to.equal(false);
      expect(rebootProof({ ...rebooted, kubelet: { before: 10, after: 10 } }).proven).to.equal(false);
      expect(rebootProof({ ...rebooted, containerd: { before: 11, after: 11 } }).proven).to.equal(false);
      expect(rebootProof({ ...rebooted, containerd: { before: 11 } }).seen).to.equal('2 sandboxes before, 0 survived; kubelet pid 10 → 20; containerd pid 11 → none');
      expect(rebootProof({ ...rebooted, kubelet: { after: 20 } }).proven).to.equal(false);
      expect(rebootProof({ ...rebooted, kubelet: { before: 10 } }).proven, 'the kubelet not running after').to.equal(false);
      expect(rebootProof({ ...rebooted, containerd: { before: 11 } }).proven, 'containerd not running after').to.equal(false);
      expect(rebootProof({ ...rebooted, kubelet: { after: 20 } }).seen).to.equal('2 sandboxes before, 0 survived; kubelet pid none → 20; containerd pid 11 → 21');
    });
  });

  describe('outageProof: the Service not found while down, back as a new object', () => {
    const outage = { service: 'backend', uidBefore: 'u1', seenGone: true, uidAfter: 'u2' };

    it('proves an outage', () => {
      expect(outageProof(outage)).to.deep.equal({
        claim: 'Service backend not found during the outage, then back as a new object (another uid)',
        proven: true,
        seen: 'not found during the outage; uid u1 before, u2 after',
        evidence: outage,
      });
      expect(outageProof({ ...outage, uidBefore: undefined, uidAfter: undefined }).seen).to.equal('not found during the outage; uid none before, none after');
    });

    it('negative controls: still found while down, the same object after, none after', () => {
      expect(outageProof({ ...outage, seenGone: false }).seen).to.equal('still found during the outage; uid u1 before, u2 after');
      expect(outageProof({ ...outage, seenGone: false }).proven).to.equal(false);
      expect(outageProof({ ...outage, uidAfter: 'u1' }).proven).to.equal(false);
      expect(outageProof({ ...outage, uidAfter: undefined }).proven).to.equal(false);
      expect(outageProof({ ...outage, uidBefore: undefined }).proven).to.equal(false);
    });
  });

  it('a fault without a proof, or whose evidence could not be read, is not proven', () => {
    expect(noProof()).to.deep.equal({ claim: 'a proof that the fault took effect', proven: false, seen: 'the fault declares none', evidence: {} });
    expect(proofFailed('x restarted', new Error('crictl: connection refused\nmore'))).to.deep.equal({ claim: 'x restarted', proven: false, seen: 'collecting the evidence failed: crictl: connection refused', evidence: {} });
    expect(proofFailed('x', 'plain').seen).to.equal('collecting the evidence failed: plain');
  });

  it('FaultNotProven is an infrastructure error (the test is broken, not failed), saying the claim and what was seen', () => {
    const p = restartProof({ component: 'kubelet', pidBefore: 7, pidAfter: 7, seenDown: false, gapMs: 10 }, 3000);
    const err = new FaultNotProven('restart kubelet', p);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect(err.name).to.equal('FaultNotProven');
    expect(err.proof).to.equal(p);
    expect(err.fault).to.equal('restart kubelet');
    expect(err.message).to.equal(
      'the fault did not prove it took effect, so no verdict on the cluster is earned: restart kubelet: expected kubelet running before and after under a new pid, seen down in between, gone for at least 3000 ms; observed pid 7 before, 7 after; never seen down; gap 10 ms',
    );
  });
});

describe('the killed attempt\'s exit code: the API\'s, else the runtime\'s at the kill', () => {
  it('killedExitMismatch: the API\'s code decides when there is one; without it the runtime\'s stands in', () => {
    expect(killedExitMismatch(137, undefined, 137)).to.equal(undefined);
    expect(killedExitMismatch(137, 1, 137)).to.equal(undefined);
    expect(killedExitMismatch(0, 137, 137)).to.equal('exit code 0');
    expect(killedExitMismatch(1, 137, 137)).to.equal('exit code 1');
    expect(killedExitMismatch(undefined, 137, 137)).to.equal(undefined);
    expect(killedExitMismatch(undefined, 143, 137)).to.equal('no exit code in any status, and exit code 143 from the runtime at the kill');
    expect(killedExitMismatch(undefined, 0, 137)).to.equal('no exit code in any status, and exit code 0 from the runtime at the kill');
    expect(killedExitMismatch(undefined, undefined, 137)).to.equal('no exit code in any status, and none from the runtime at the kill');
  });

  it('runtimeExitOfKill: the last proven kill\'s exit code; unproven kills and other faults\' proofs give none', () => {
    const kill = (exitCode: number, proven = true): Injection => ({
      fault: 'kill',
      injectedAt: '2026-12-07T00:00:00Z',
      injectMs: 1,
      proofs: [{ claim: 'killed', proven, seen: '', evidence: { exitCode, expectedExitCode: 137 } }],
    });
    const sandbox: Injection = { fault: 'sandbox', injectedAt: '2026-12-07T00:00:01Z', injectMs: 1, proofs: [{ claim: 'sandbox', proven: true, seen: '', evidence: { exitCode: 5 } }] };
    expect(runtimeExitOfKill([])).to.equal(undefined);
    expect(runtimeExitOfKill([sandbox])).to.equal(undefined);
    expect(runtimeExitOfKill([kill(137, false)])).to.equal(undefined);
    expect(runtimeExitOfKill([kill(143), sandbox])).to.equal(143);
    expect(runtimeExitOfKill([kill(143), kill(137), sandbox])).to.equal(137);
    expect(runtimeExitOfKill([kill(137), kill(1, false)])).to.equal(137);
    const noCode: Injection = { ...kill(137), proofs: [{ claim: 'killed', proven: true, seen: '', evidence: { expectedExitCode: 137 } }] };
    expect(runtimeExitOfKill([noCode])).to.equal(undefined);
    expect(runtimeExitOfKill([kill(143), noCode]), 'a kill proof without a code is passed over').to.equal(143);
  });
});
