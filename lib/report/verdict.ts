/**
 * The conformance verdict of one run, earned: "conforms" only when every planned check ended and
 * passed with its evidence complete. A skip, missing evidence, a problem reading the run, or no
 * record of what was planned each keep the verdict from "conforms", and are named.
 */
import type { ConformanceVerdict, ResultsModel, TestRecord } from './model.js';

function named(t: TestRecord) {
  return `${t.suite} — ${t.title}`;
}

/** Why a test that did not fail still shows nothing: skipped, or evidence missing; null when it shows conformance. */
export function whyNotShown(t: TestRecord): string | null {
  if (t.status === 'skipped') return 'skipped';
  const gaps = t.missingEvidence.length + t.evidenceProblems.length;
  return gaps ? `${gaps} piece${gaps > 1 ? 's' : ''} of evidence missing` : null;
}

export function conformanceVerdict(model: Pick<ResultsModel, 'tests' | 'problems' | 'plan'>): ConformanceVerdict {
  const failed = model.tests.filter((t) => t.status === 'failed' || t.status === 'broken').map(named);
  const notShownFor = model.tests
    .filter((t) => t.status === 'passed' || t.status === 'skipped')
    .flatMap((t) => {
      const why = whyNotShown(t);
      return why ? [`${named(t)} (${why})`] : [];
    });
  const reasons = [...model.problems];
  if (model.plan === null || model.plan === undefined) reasons.push('the run recorded no plan, so whether every planned check ended is unknown');
  const passed = model.tests.filter((t) => t.status === 'passed').length;
  if (failed.length) return { outcome: 'does not conform', headline: 'does NOT conform', failed, notShownFor, reasons };
  if (!passed) return { outcome: 'not shown', headline: 'was not shown to conform (no check passed)', failed, notShownFor, reasons };
  if (notShownFor.length || reasons.length) return { outcome: 'not shown', headline: 'was not shown to conform', failed, notShownFor, reasons };
  return { outcome: 'conforms', headline: 'conforms', failed, notShownFor, reasons };
}

/** The verdict in one paragraph: the headline, then what keeps it from "conforms". */
export function verdictSentences(v: ConformanceVerdict): string[] {
  const out: string[] = [];
  if (v.failed.length) out.push(`Failed, broken or never ended: ${v.failed.join('; ')}.`);
  if (v.notShownFor.length) out.push(`It does not show conformance for: ${v.notShownFor.join('; ')}.`);
  if (v.reasons.length) out.push(`Also: ${v.reasons.join('; ')}.`);
  return out;
}
