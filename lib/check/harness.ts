/**
 * The frame every `initc check` test runs in: its label, what it collects (timelines, injected
 * faults, extra attachments, undos), and its end — the undos always run, the evidence is always
 * gathered and attached, and a failed undo or missing evidence breaks the test (outcome.ts) instead
 * of standing beside a pass.
 */
import Mocha from 'mocha';
import { attachment, displayName, label } from 'allure-js-commons';
import type { Fault, Injection } from '../chaos/fault.js';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { attachEvidence } from '../evidence/attach.js';
import { collectEvidence } from '../evidence/collect.js';
import type { PodTimeline, TimelineRow } from '../observe/timeline.js';
import type { Workload } from './manifests.js';
import type { ProbeOutput } from './verdicts.js';
import type { CheckPart } from './outcome.js';
import { CHECK_PART_LABEL, testEnd } from './outcome.js';
import { firstLine } from '../errors.js';

/** What one test collects: timelines, injections, extra attachments, undos, problems met. */
export class TestRecord {
  readonly timelines: PodTimeline[] = [];
  readonly injections: Injection[] = [];
  readonly extra: Array<{ name: string; content: string }> = [];
  readonly undos: Array<() => Promise<void>> = [];
}

/** What the fault tests of a check (kill-init, the production faults) use of the check suite being built (lib/check/suite.ts). */
export interface FaultTestKit {
  kc: KubeConfig;
  namespace: string;
  labels: Record<string, string>;
  workload: Workload;
  recoverMs: number;
  /** How the title words the idempotency claim (with or without --probe). */
  idempotency: string;
  test: (part: CheckPart, title: string, body: (rec: TestRecord) => Promise<void>) => void;
  readyPod: (rec: TestRecord) => Promise<V1Pod>;
  timeline: (rec: TestRecord, pod: string) => Promise<PodTimeline>;
  inject: <T>(rec: TestRecord, target: T, t: PodTimeline, fault: Fault<T>) => Promise<() => Promise<void>>;
  readyAgain: (rec: TestRecord, t: PodTimeline, description: string, met: (p: V1Pod) => boolean, fault: string, fromWall: number) => Promise<TimelineRow>;
  probe: (rec: TestRecord, pod: string, when: string) => Promise<ProbeOutput | undefined>;
  compareProbe: (rec: TestRecord, before: ProbeOutput | undefined, after: ProbeOutput | undefined, what: string) => void;
  /** The probe at the first Ready: what a fresh pod shows (undefined before it, or without --probe). */
  baseline: () => ProbeOutput | undefined;
}

/** The end of a test's last injection (its record's start plus how long it took), as the start of the recovery. */
export function injectionEnd(rec: TestRecord): number {
  const last = rec.injections.at(-1)!;
  return Date.parse(last.injectedAt) + last.injectMs;
}

export interface TestFrame {
  suite: Mocha.Suite;
  file: string;
  kc: KubeConfig;
  feature: string;
  provider: string;
  timeoutMs: number;
  /** Where the failure message sends the reader besides the timelines. */
  lookAlso: string;
  onFailure: () => void;
  /** Run before the body (e.g. the workload Ready again); its Skip or failure is the test's. */
  before?: (rec: TestRecord) => Promise<void>;
}

/** Adds one test to the frame's suite. */
export function addCheckTest(f: TestFrame, part: CheckPart, title: string, body: (rec: TestRecord) => Promise<void>): void {
  const t = new Mocha.Test(title, async function (this: Mocha.Context) {
    this.timeout(f.timeoutMs);
    await label('feature', f.feature);
    await label('provider', f.provider);
    await label(CHECK_PART_LABEL, part);
    const rec = new TestRecord();
    let failure: unknown;
    try {
      await f.before?.(rec);
      await body(rec);
    } catch (err) {
      failure = err;
    }
    const problems: string[] = [];
    for (const undo of rec.undos) await undo().catch((err: unknown) => problems.push(`a fault could not be undone: ${firstLine(err)}`));
    if (rec.injections.length) rec.extra.push({ name: 'injected faults', content: JSON.stringify(rec.injections, null, 2) });
    await Promise.all(rec.timelines.map((t) => t.stop()));
    const evidence = rec.timelines.length ? await collectEvidence(f.kc, rec.timelines).catch((err: unknown) => ({ files: [], problems: [firstLine(err)] })) : { files: [], problems: [] };
    await attachEvidence([...evidence.files, ...rec.extra.map((e) => ({ ...e, contentType: 'text/plain' as const }))]);
    if (evidence.problems.length) {
      await attachment('evidence problems', evidence.problems.join('\n'), 'text/plain');
      problems.push(...evidence.problems.map((p) => `evidence missing: ${p}`));
    }
    const end = testEnd(failure, problems);
    if (end.kind === 'skipped') {
      // The reason goes into the result's name too: the summary, the report and check's exit name it.
      this.test!.title += ` (skipped: ${end.why})`;
      await displayName(this.test!.title);
      this.skip();
    }
    if (end.kind === 'failed') {
      f.onFailure();
      if (rec.timelines.length) end.error.message += `\nEvidence: in this test's Allure result open ${rec.timelines.map((t) => `"timeline ${t.podName}"`).join(', ')}${f.lookAlso}.`;
      throw end.error;
    }
  });
  t.file = f.file;
  f.suite.addTest(t);
}
