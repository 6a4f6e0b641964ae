/**
 * The results model of a run folder, built from its Allure results (and its plan.json when it has
 * one): every result file read, the cluster's identity from environment.properties and the tests'
 * labels, each planned test without a result named as never ended, and the conformance verdict.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { firstLine, InitcError } from '../errors.js';
import { formatTimeline } from '../observe/timeline.js';
import type { TimelineMark, TimelineRow } from '../observe/timeline.js';
import { exists } from '../util/fsx.js';
import type { FailureExcerpt, ResultsModel, TestRecord, TestStatus } from './model.js';
import { RESULTS_SCHEMA, TEST_STATUSES } from './model.js';
import { observe, timelineOf } from './observation.js';
import { defaultBackoff, parseBackoff } from '../checks/backoff.js';
import type { BackoffSchedule } from '../checks/backoff.js';
import type { RecordedRow } from './observation.js';
import { planOutcome, readPlan } from './plan.js';
import type { PlannedTest } from './plan.js';
import { suiteOf } from './results.js';
import type { ResultFile } from './results.js';
import { conformanceVerdict } from './verdict.js';

interface Attachment {
  name: string;
  source: string;
  type?: string;
}
interface AllureStep {
  name?: string;
  attachments?: Attachment[];
  steps?: AllureStep[];
}
type AllureResult = ResultFile & AllureStep & { statusDetails?: { message?: string; trace?: string } };

/** A run's --out folder holds allure-results/; an Allure results folder is taken as it is. */
export async function allureResultsFolder(dir: string): Promise<string> {
  const inner = path.join(dir, 'allure-results');
  return (await exists(inner)) ? inner : dir;
}

/** Java properties as Allure writes environment.properties: `key=value`, spaces in keys escaped. */
export function parseProperties(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of text.split('\n')) {
    // A blank line has no separator, so the pattern below skips it too.
    if (/^\s*[#!]/.test(line)) continue;
    const m = /^((?:\\.|[^=:\\])*?)\s*[=:]\s*([\s\S]*)/.exec(line.trim());
    if (!m) continue;
    const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
    props[unescape(m[1]!)] = unescape(m[2]!);
  }
  return props;
}

const SKIP_SUFFIX = / \(skipped: ([\s\S]*)\)$/;
const EXCERPT_MESSAGE_LINES = 25;
const EXCERPT_TIMELINE_ROWS = 8;

function allAttachments(step: AllureStep): Attachment[] {
  return [...(step.attachments ?? []), ...(step.steps ?? []).flatMap(allAttachments)];
}


function toStatus(allureStatus: string): TestStatus {
  return (TEST_STATUSES as readonly string[]).includes(allureStatus) ? (allureStatus as TestStatus) : 'broken';
}

interface PodTimelineRead {
  pod: string;
  rows: RecordedRow[];
  marks: TimelineMark[];
}

async function readTestEvidence(folder: string, result: AllureResult) {
  const missingEvidence: string[] = [];
  const timelines: PodTimelineRead[] = [];
  const texts = new Map<string, string>();
  for (const a of allAttachments(result)) {
    const file = path.join(folder, path.basename(a.source));
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      missingEvidence.push(`${a.name}: its file ${a.source} cannot be read (${(err as NodeJS.ErrnoException).code ?? firstLine(err)})`);
      continue;
    }
    texts.set(a.name, text);
    const timeline = /^timeline (.+) \(JSON\)$/.exec(a.name);
    if (!timeline) continue;
    let parsed: ReturnType<typeof timelineOf>;
    try {
      parsed = timelineOf(JSON.parse(text));
    } catch (err) {
      missingEvidence.push(`${a.name}: ${a.source} is not valid JSON (${firstLine(err)})`);
      continue;
    }
    if (parsed) timelines.push({ pod: timeline[1]!, ...parsed });
    else missingEvidence.push(`${a.name}: ${a.source} holds no timeline rows`);
  }
  timelines.sort((a, b) => a.pod.localeCompare(b.pod));
  return { missingEvidence, timelines, texts };
}

function excerptOf(message: string | null, timelines: PodTimelineRead[]): FailureExcerpt {
  return {
    message: (message ?? '').split('\n').slice(0, EXCERPT_MESSAGE_LINES),
    timelines: timelines.map((t) => {
      const rows = t.rows.slice(-EXCERPT_TIMELINE_ROWS);
      const from = rows[0]?.elapsedMs ?? 0;
      // formatTimeline reads no field of the pod object, which the JSON attachment leaves out.
      return { pod: t.pod, rows: formatTimeline(rows as TimelineRow[], t.marks.filter((m) => m.elapsedMs >= from)) };
    }),
  };
}

async function testRecord(folder: string, result: AllureResult, schedule: BackoffSchedule): Promise<TestRecord> {
  const status = toStatus(result.status);
  const skipInTitle = SKIP_SUFFIX.exec(result.name);
  const title = result.name.replace(SKIP_SUFFIX, '');
  const { missingEvidence, timelines, texts } = await readTestEvidence(folder, result);
  const statedMessage = result.statusDetails?.message?.trim() || null;
  const message =
    status === 'skipped'
      ? texts.get('skipped')?.trim() || skipInTitle?.[1] || statedMessage
      : statedMessage ?? (result.status === status ? null : `Allure status "${result.status}" (the test did not finish)`);
  const label = (name: string) => result.labels.find((l) => l.name === name)?.value ?? null;
  const suite = suiteOf(result);
  return {
    id: `${suite} > ${title}`,
    suite,
    title,
    status,
    durationMs: Math.max(0, (result.stop ?? result.start) - result.start),
    start: new Date(result.start).toISOString(),
    stop: new Date(result.stop ?? result.start).toISOString(),
    k8sVersion: label('k8sVersion'),
    message,
    observed: timelines.map((t) => observe(t.pod, t.rows, t.marks, schedule)),
    missingEvidence,
    evidenceProblems: (texts.get('evidence problems') ?? '').split('\n').filter((l) => l.trim()),
    excerpt: status === 'failed' || status === 'broken' ? excerptOf(message, timelines) : null,
  };
}

function mostCommon(values: string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

/**
 * The model of the results in `dir` (a run's --out folder or its allure-results/). A folder that
 * does not exist or holds no results is a usage error; anything unreadable inside is named in
 * `problems` or the test's `missingEvidence`.
 */
export interface BuildOptions {
  suitesRevision: string;
  /** The tests the run planned; undefined: read the folder's plan.json; null: no plan is known. */
  plan?: readonly PlannedTest[] | null;
}

export async function buildResultsModel(dir: string, options: BuildOptions): Promise<ResultsModel> {
  const folder = await allureResultsFolder(dir);
  const names = await fs.readdir(folder).catch(() => undefined);
  if (!names) throw new InitcError('usage', `${dir}: no such folder`);
  const resultNames = names.filter((f) => f.endsWith('-result.json')).sort();
  if (!resultNames.length) throw new InitcError('usage', `${dir}: no Allure results (*-result.json) in ${folder}`);
  const planned = options.plan === undefined ? ((await readPlan(folder))?.tests ?? null) : options.plan;
  const problems: string[] = [];
  const results: AllureResult[] = [];
  const salvaged = new Set<AllureResult>();
  for (const name of resultNames) {
    const text = await fs.readFile(path.join(folder, name), 'utf8').catch((err: unknown) => err as Error);
    if (text instanceof Error) {
      problems.push(`result file ${name} cannot be read: ${firstLine(text)}`);
      continue;
    }
    try {
      results.push(JSON.parse(text) as AllureResult);
    } catch (err) {
      const partial = salvageResult(text);
      problems.push(`result file ${name} cannot be read: ${firstLine(err)}${partial ? `; its test "${partial.name}" is kept with the status it shows (${partial.status})` : ''}`);
      if (partial) {
        partial.statusDetails = { message: `its result file ${name} is cut short or not JSON (${firstLine(err)}): only its name and status could be read${partial.statusDetails?.message ? `\n${partial.statusDetails.message}` : ''}` };
        salvaged.add(partial);
        results.push(partial);
      }
    }
  }
  let env: Record<string, string> = {};
  try {
    env = parseProperties(await fs.readFile(path.join(folder, 'environment.properties'), 'utf8'));
  } catch (err) {
    problems.push(`environment.properties cannot be read (${(err as NodeJS.ErrnoException).code ?? firstLine(err)}): the cluster's identity comes from the tests' labels alone`);
  }
  if (env.error) problems.push(`the run could not read the cluster's versions: ${env.error}`);
  const recorded = env['kubelet back-off'] === undefined ? undefined : parseBackoff(env['kubelet back-off']);
  // The back-offs are read against the kubelet's schedule as the run recorded it (else the default).
  const schedule: BackoffSchedule = recorded ? { ...defaultBackoff(), ...recorded } : defaultBackoff();

  const starts = results.map((r) => r.start).filter(Number.isFinite);
  const stops = results.map((r) => r.stop ?? r.start).filter(Number.isFinite);
  const runStart = starts.length ? new Date(Math.min(...starts)).toISOString() : null;
  for (const r of salvaged) {
    // Cut short before its labels: the plan names the suite of the one planned test of that title.
    // Added after any parentSuite label the file still had, which suiteOf reads first.
    if (planned) {
      const byTitle = planned.filter((p) => p.title === r.name);
      if (byTitle.length === 1) r.labels.push({ name: 'parentSuite', value: byTitle[0]!.suite });
    }
    // A file cut short before its start: the test is placed at the run's start; its stop was never read (salvageResult): 0 s long.
    if (!Number.isFinite(r.start)) r.start = starts.length ? Math.min(...starts) : 0;
    r.stop = r.start;
  }
  const tests = await Promise.all(
    results.map(async (r) => {
      const t = await testRecord(folder, r, schedule);
      if (salvaged.has(r)) t.missingEvidence.unshift('its result file cannot be read: its evidence is unknown');
      return t;
    }),
  );
  const plan = planned ? planOutcome(planned, tests.map((t) => t.id)) : null;
  const byId = new Map(planned?.map((p) => [p.id, p]));
  tests.push(...(plan?.notEnded ?? []).map((id) => neverEnded(byId.get(id)!, runStart)));
  tests.sort((a, b) => a.id.localeCompare(b.id) || a.start.localeCompare(b.start));
  const seen = new Map<string, number>();
  for (const t of tests) {
    const n = (seen.get(t.id) ?? 0) + 1;
    seen.set(t.id, n);
    if (n > 1) t.id = `${t.id} #${n}`;
  }
  const labelled = (name: string) => results.flatMap((r) => r.labels.filter((l) => l.name === name).map((l) => l.value));
  const serverLabels = [...new Set(labelled('k8sVersion'))];
  if (serverLabels.length > 1) problems.push(`the tests carry several server versions (${serverLabels.join(', ')}): results of different clusters were merged`);
  const count = (s: TestStatus) => tests.filter((t) => t.status === s).length;
  const model: ResultsModel = {
    schema: RESULTS_SCHEMA,
    cluster: {
      provider: env.provider ?? mostCommon(labelled('provider')),
      serverVersion: env.server ?? mostCommon(labelled('k8sVersion')),
      kubeletVersion: env.kubelet ?? null,
      containerRuntime: env['container runtime'] ?? null,
      nodeOS: env['node OS'] ?? null,
      kernel: env.kernel ?? null,
      nodes: env.nodes ?? null,
      featureGates: featureGatesOf(env),
      askedFor: env['asked for'] ?? null,
      kubeletBackoff: env['kubelet back-off'] ?? null,
    },
    initc: { version: env.initc ?? null, suitesRevision: options.suitesRevision },
    run: {
      start: runStart,
      end: stops.length ? new Date(Math.max(...stops)).toISOString() : null,
      chaosSeed: env['chaos seed'] ?? null,
      fixtureImage: env['fixture image'] ?? null,
    },
    totals: { tests: tests.length, passed: count('passed'), failed: count('failed'), broken: count('broken'), skipped: count('skipped') },
    tests,
    problems,
    plan,
  };
  return { ...model, verdict: conformanceVerdict(model) };
}

/** A planned test the run has no result of: broken, since it never ended. */
function neverEnded(t: PlannedTest, runStart: string | null): TestRecord {
  const message = 'never ended: the run planned this test but has no result of it (the run was killed or cut short, or its result file is missing)';
  const at = runStart ?? new Date(0).toISOString();
  return { id: t.id, suite: t.suite, title: t.title, status: 'broken', durationMs: 0, start: at, stop: at, k8sVersion: null, message, observed: [], missingEvidence: [], evidenceProblems: [], excerpt: { message: [message], timelines: [] } };
}

function jsonString(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}

/**
 * What a result file cut short still says: the test's name, its status and failure message, its
 * start and its suite label, read from the text as Allure writes it (name and status before the steps, labels after);
 * undefined when not even the name is there.
 */
export function salvageResult(text: string): AllureResult | undefined {
  const name = jsonString(/"name"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1]);
  if (name === undefined) return undefined;
  const status = /"status"\s*:\s*"(\w+)"/.exec(text)?.[1];
  const start = Number(/"start"\s*:\s*(\d+)/.exec(text)?.[1]);
  const labels: AllureResult['labels'] = [];
  for (const label of ['parentSuite', 'k8sVersion', 'provider']) {
    const value = jsonString(new RegExp(`\\{\\s*"name"\\s*:\\s*"${label}"\\s*,\\s*"value"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(text)?.[1]);
    if (value !== undefined) labels.push({ name: label, value });
  }
  const message = jsonString(/"statusDetails"\s*:\s*\{\s*"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text)?.[1]);
  return { name, status: status && (TEST_STATUSES as readonly string[]).includes(status) ? status : 'broken', start: Number.isFinite(start) ? start : NaN, stop: NaN, labels, ...(message ? { statusDetails: { message } } : {}) };
}


/**
 * The environment's "feature gates" entries (one when every component agrees, else one per
 * component, "feature gates (kubelet n1)") as component → gates; null when the run recorded none.
 */
export function featureGatesOf(env: Readonly<Record<string, string>>): Record<string, string> | null {
  const entries = Object.entries(env).flatMap(([k, v]) => {
    const m = /^feature gates(?: \((.+)\))?$/.exec(k);
    return m ? [[m[1] ?? 'all components', v] as const] : [];
  });
  return entries.length ? Object.fromEntries(entries) : null;
}
