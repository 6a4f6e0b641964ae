/**
 * How a scenario test ends (lib/scenario/verdict.ts): passed only with passed checks, proven
 * faults and complete evidence. Allure reads an AssertionError as failed and any other error as
 * broken, so the class of what is thrown is the verdict.
 */
import { expect } from 'chai';
import { AssertionError } from 'chai';
import type { Injection } from '../../lib/chaos/fault.js';
import { FaultNotProven, restartProof } from '../../lib/chaos/proof.js';
import { checkNothingReran } from '../../lib/checks/chaos.js';
import { InfrastructureError } from '../../lib/observe/wait.js';
import { evidenceHint, scenarioOutcome, unprovenFaults } from '../../lib/scenario/verdict.js';
import { load } from '../support/controls.js';

const HINT = '\nEvidence: see the timeline.';
const restart = (pidAfter: number, seenDown = true): Injection => ({
  fault: 'restart kubelet (stopped with SIGTERM, down for 3s)',
  injectedAt: '2026-01-01T00:00:00Z',
  injectMs: 3500,
  proofs: [restartProof({ component: 'kubelet', pidBefore: 100, pidAfter, seenDown, gapMs: 3500 }, 3000)],
});
// Made in each test, not at load: Stryker counts code run at load as static (a new process per mutant).
const proven = () => restart(101);
const didNothing = () => restart(100, false);
const end = (o: Partial<Parameters<typeof scenarioOutcome>[0]>) => scenarioOutcome({ failure: undefined, problems: [], injections: [], evidenceHint: HINT, ...o });

describe('scenario verdict', () => {
  it('passes: checks passed, every fault proven, evidence complete', () => {
    expect(end({})).to.equal(undefined);
    expect(end({ injections: [proven()] })).to.equal(undefined);
  });

  it('finding 4: the undisturbed `order` recording passes checkNothingReran, so only the proof can tell the kubelet restart did nothing: broken', () => {
    const order = load('order-order');
    expect(() => checkNothingReran(order, ['init-a', 'init-b', 'init-c'], 'app')).not.to.throw();
    const outcome = end({ injections: [didNothing()] }) as Error;
    expect(outcome).to.be.instanceOf(FaultNotProven);
    expect(outcome).not.to.be.instanceOf(AssertionError);
    expect(outcome.message).to.equal(
      'the fault did not prove it took effect, so no verdict on the cluster is earned: restart kubelet (stopped with SIGTERM, down for 3s): expected kubelet running before and after under a new pid, seen down in between, gone for at least 3000 ms; observed pid 100 before, 100 after; never seen down; gap 3500 ms' +
        '\nThe checks passed (not a verdict: the fault did not take effect).' +
        HINT,
    );
  });

  it('an unproven fault outranks a failed check (the check judged an undisturbed pod), and says what the check said', () => {
    const outcome = end({ failure: new AssertionError('expected init-a to start exactly twice\nrows'), injections: [proven(), didNothing()] }) as Error;
    expect(outcome).to.be.instanceOf(FaultNotProven);
    expect(outcome.message).to.match(/\nThe checks failed: expected init-a to start exactly twice \(not a verdict: the fault did not take effect\)\.\nEvidence: see the timeline\.$/);
  });

  it('every unproven fault is named, one line each', () => {
    const outcome = end({ injections: [didNothing(), { ...didNothing(), fault: 'restart containerd' }, { ...didNothing(), fault: 'reboot' }] }) as Error;
    const lines = outcome.message.split('\n');
    expect(lines).to.have.length(5);
    expect(lines[1]).to.equal(`Also: ${new FaultNotProven('restart containerd', didNothing().proofs[0]!).message}`);
    expect(lines[2]).to.equal(`Also: ${new FaultNotProven('reboot', didNothing().proofs[0]!).message}`);
    expect(lines[3]).to.equal('The checks passed (not a verdict: the fault did not take effect).');
  });

  it('the FaultNotProven the injection threw is the verdict itself, not wrapped again', () => {
    const thrown = new FaultNotProven(didNothing().fault, didNothing().proofs[0]!);
    const outcome = end({ failure: thrown, injections: [didNothing()] }) as Error;
    expect(outcome).to.equal(thrown);
    expect(outcome.message).not.to.contain('The checks');
    expect(outcome.message.endsWith(HINT)).to.equal(true);
  });

  it('an injection that recorded no proof is unproven; one whose injection failed is judged by that error instead', () => {
    const bare: Injection = { fault: 'mystery', injectedAt: '', injectMs: 0, proofs: [] };
    expect(unprovenFaults([bare]).map((e) => e.message)).to.deep.equal(['the fault did not prove it took effect, so no verdict on the cluster is earned: mystery: expected a proof that the fault took effect; observed none recorded']);
    expect(unprovenFaults([bare])[0]!.proof).to.deep.equal({ claim: 'a proof that the fault took effect', proven: false, seen: 'none recorded', evidence: {} });
    expect(unprovenFaults([{ ...bare, error: 'inject failed: no such pod' }])).to.deep.equal([]);
    expect(unprovenFaults([{ ...proven(), error: 'undo failed: busy' }])).to.deep.equal([]);
    expect(unprovenFaults([{ ...didNothing(), error: 'undo failed: busy' }])).to.have.length(1);
  });

  it('a proven fault followed by an unproven later proof (the overlap) is unproven', () => {
    const late = { ...proven(), proofs: [...proven().proofs, { claim: 'overlap', proven: false, seen: 'after init-b', evidence: {} }] };
    expect(unprovenFaults([late])[0]!.message).to.match(/: expected overlap; observed after init-b$/);
  });

  it('a failed check stays failed, with the disagreement, the evidence problems and the hint', () => {
    const failure = new AssertionError('expected phase Running');
    const disagreement = new AssertionError('STATUS differs at row #3');
    const outcome = end({ failure, disagreement, problems: ['undoing an injected fault: kubelet did not start'], injections: [proven()] }) as Error;
    expect(outcome).to.equal(failure);
    expect(outcome.message).to.equal(`expected phase Running\nAlso: STATUS differs at row #3\nEvidence incomplete: undoing an injected fault: kubelet did not start${HINT}`);
  });

  it('every evidence problem is listed, separated', () => {
    const outcome = end({ failure: new AssertionError('expected x'), problems: ['a', 'b'] }) as Error;
    expect(outcome.message).to.equal(`expected x\nEvidence incomplete: a; b${HINT}`);
  });

  it('a disagreement alone fails the test, said once', () => {
    const disagreement = new AssertionError('STATUS differs at row #3');
    const outcome = end({ disagreement }) as Error;
    expect(outcome).to.equal(disagreement);
    expect(outcome.message).to.equal(`STATUS differs at row #3${HINT}`);
  });

  it('passed checks with a failed undo or missing evidence: broken, saying why', () => {
    const outcome = end({ problems: ['undoing an injected fault: boom', 'collecting evidence: gone'], injections: [proven()] }) as Error;
    expect(outcome).to.be.instanceOf(InfrastructureError);
    expect(outcome.message).to.equal('the checks passed, but the evidence is incomplete, so the verdict is not earned: undoing an injected fault: boom; collecting evidence: gone');
  });

  it('something thrown that is not an Error is passed on as it is', () => {
    expect(end({ failure: 'a string', problems: ['x'] })).to.equal('a string');
  });

  it('the evidence hint names each watched pod\'s timeline, and is empty without one', () => {
    expect(evidenceHint(['a', 'b'])).to.equal('\nEvidence: in this test\'s Allure result open "timeline a", "timeline b", "events <namespace>" and the "log …" attachments.');
    expect(evidenceHint([])).to.equal('');
  });
});
