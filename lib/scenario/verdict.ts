/**
 * How a scenario test ends, decided from what happened (pure): passed only when its checks passed,
 * its STATUS agreed with the server's, every fault it injected proved it took effect, and its
 * evidence was collected, attached and its faults undone. A fault that did not prove itself makes
 * the test broken whatever its checks said (they judged a pod that may never have been disturbed);
 * incomplete evidence after passing checks makes it broken; a failed check stays failed, with the
 * disagreement and the evidence problems added to its message.
 */
import type { Injection } from '../chaos/fault.js';
import { FaultNotProven } from '../chaos/proof.js';
import { InfrastructureError } from '../observe/wait.js';

export interface ScenarioEnd {
  /** What the test's body threw; undefined when it ran to its end. */
  failure: unknown;
  /** The STATUS cross-check's failure, if it failed. */
  disagreement?: Error;
  /** What went wrong undoing the faults, collecting or attaching the evidence, deleting the namespace. */
  problems: string[];
  injections: Injection[];
  /** Where the evidence is, appended to a failure's message ('' when there is none). */
  evidenceHint: string;
}

/** Where a failed test's evidence is, for its message ('' when it watched no pod). */
export function evidenceHint(pods: string[]) {
  return pods.length ? `\nEvidence: in this test's Allure result open ${pods.map((p) => `"timeline ${p}"`).join(', ')}, "events <namespace>" and the "log …" attachments.` : '';
}

function firstLine(err: unknown) {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

/** The first unproven proof of each fault that was injected (a fault whose injection failed proves nothing and is judged by that error). */
export function unprovenFaults(injections: Injection[]): FaultNotProven[] {
  return injections
    .filter((i) => !i.error?.startsWith('inject failed'))
    .flatMap((i) => {
      const bad = i.proofs.length ? i.proofs.find((p) => !p.proven) : { claim: 'a proof that the fault took effect', proven: false, seen: 'none recorded', evidence: {} };
      return bad ? [new FaultNotProven(i.fault, bad)] : [];
    });
}

/** The error the test ends with; undefined when it passed. */
export function scenarioOutcome(end: ScenarioEnd): unknown {
  let failure = end.failure ?? end.disagreement;
  const unproven = unprovenFaults(end.injections);
  if (unproven.length && !(failure instanceof FaultNotProven)) {
    const outcome = failure === undefined ? 'passed' : `failed: ${firstLine(failure)}`;
    failure = unproven[0]!;
    (failure as Error).message += `${unproven.slice(1).map((u) => `\nAlso: ${u.message}`).join('')}\nThe checks ${outcome} (not a verdict: the fault did not take effect).`;
  }
  if (failure instanceof Error) {
    if (end.disagreement && end.disagreement !== failure) failure.message += `\nAlso: ${end.disagreement.message}`;
    if (end.problems.length) failure.message += `\nEvidence incomplete: ${end.problems.join('; ')}`;
    failure.message += end.evidenceHint;
    return failure;
  }
  if (failure !== undefined) return failure;
  if (end.problems.length) return new InfrastructureError(`the checks passed, but the evidence is incomplete, so the verdict is not earned: ${end.problems.join('; ')}`);
  return undefined;
}
