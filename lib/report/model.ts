/**
 * The results model (schema `initc.dev/results/v1`, documented in schemas/results-v1.schema.json):
 * one run's results as a record to hand on and to compare, built from its Allure results folder.
 * The cluster's identity is what the cluster said (environment.properties, the tests' labels),
 * never what was asked for. Evidence that cannot be read is named in the model, never dropped.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expectedBackoff, restartIntervalsOf } from '../checks/behaviours.js';
import { InitcError } from '../errors.js';
import { formatTimeline } from '../observe/timeline.js';
import type { TimelineMark, TimelineRow } from '../observe/timeline.js';
import { exists } from '../util/fsx.js';
import { projectRoot } from '../util/paths.js';
import { suiteOf } from './results.js';
import type { ResultFile } from './results.js';

export const RESULTS_SCHEMA = 'initc.dev/results/v1';
export const RESULTS_FILE = 'results.json';

export type TestStatus = 'passed' | 'failed' | 'broken' | 'skipped';
export const TEST_STATUSES: readonly TestStatus[] = ['passed', 'failed', 'broken', 'skipped'];

/** What the cluster reported about itself; null where the run recorded nothing. */
export interface ClusterIdentity {
  provider: string | null;
  serverVersion: string | null;
  kubeletVersion: string | null;
  containerRuntime: string | null;
  nodeOS: string | null;
  kernel: string | null;
}

export interface ContainerRestarts {
  container: string;
  kind: string;
  restartCount: number;
}

export interface StatusPoint {
  elapsedMs: number;
  status: string;
}

/** One restart of a container, against the kubelet's CrashLoopBackOff. */
export interface RestartBackoff {
  /** 1: the first restart. */
  restart: number;
  /** Seconds from the end of the attempt before to the start of this one, as the timeline shows them. */
  intervalSec: number;
  /** The kubelet's back-off before this restart (0 for the first, then 10 s doubling to 300 s). */
  backoffSec: number;
  /** intervalSec − backoffSec; may be slightly negative (the timestamps have one-second resolution). */
  lateSec: number;
}

/** The restart intervals of one container that restarted in a timeline. */
export interface ContainerBackoffs {
  container: string;
  intervals: RestartBackoff[];
  /** An attempt (from 1) followed by another but never seen ending: the intervals stop before it. */
  unendedAttempt: number | null;
}

/** What one pod's recorded timeline shows. */
export interface PodObservation {
  pod: string;
  /** STATUS as the API server printed it (initc's own where the server printed none), repeats collapsed. */
  statusSequence: string[];
  /** Each container's restartCount in the last row. */
  restarts: ContainerRestarts[];
  /** Each container that restarted in the timeline; absent from results written before initc recorded it. */
  backoffs?: ContainerBackoffs[];
  finalPhase: string | null;
  /** Where STATUS changed, plus the last row: enough to draw it as a step chart. */
  points: StatusPoint[];
  /** Outside actions (injected faults) recorded on the timeline. */
  marks: Array<{ elapsedMs: number; text: string }>;
}

export interface FailureExcerpt {
  /** The first lines of the failure message. */
  message: string[];
  /** The last rows of each recorded timeline, as the readable table. */
  timelines: Array<{ pod: string; rows: string }>;
}

export interface TestRecord {
  /** Suite and title: the same test has the same id in every run and version. */
  id: string;
  suite: string;
  title: string;
  status: TestStatus;
  durationMs: number;
  start: string;
  stop: string;
  /** The server version this test's own label carries. */
  k8sVersion: string | null;
  /** The failure message, or why the test was skipped. */
  message: string | null;
  observed: PodObservation[];
  /** Attachments that are named in the result but could not be read, each with why. */
  missingEvidence: string[];
  /** What the run itself could not collect (its "evidence problems" attachment). */
  evidenceProblems: string[];
  /** For failed and broken tests. */
  excerpt: FailureExcerpt | null;
}

export interface ResultsModel {
  schema: typeof RESULTS_SCHEMA;
  cluster: ClusterIdentity;
  initc: { version: string | null; suitesRevision: string };
  run: { start: string | null; end: string | null; chaosSeed: string | null; fixtureImage: string | null };
  totals: { tests: number } & Record<TestStatus, number>;
  tests: TestRecord[];
  /** What could not be read at the run's level (environment, result files), each with why. */
  problems: string[];
}

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
    if (/^\s*([#!]|$)/.test(line)) continue;
    const m = /^((?:\\.|[^=:\\])*?)\s*[=:]\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    const unescape = (s: string) => s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
    props[unescape(m[1]!)] = unescape(m[2]!);
  }
  return props;
}

const SUITES_REVISION_ROOTS = ['suites', 'fixtures', 'lib/checks'];

/**
 * A short hash of what decides the verdicts: every source file under suites/, fixtures/ and
 * lib/checks/, by path then content, so an edited check gives another revision.
 */
export async function suitesRevision(root = projectRoot()): Promise<string> {
  const files: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const e of await fs.readdir(path.join(root, dir), { withFileTypes: true }).catch(() => [])) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) await walk(rel);
      else if (/\.(m?[jt]s|json|ya?ml|sh)$/.test(e.name)) files.push(rel);
    }
  }
  for (const dir of SUITES_REVISION_ROOTS) await walk(dir);
  const hash = createHash('sha256');
  for (const rel of files.sort()) hash.update(`${rel}\0`).update(await fs.readFile(path.join(root, rel))).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** The suites revision a run recorded in its results.json, if it wrote one. */
export async function recordedSuitesRevision(runFolder: string): Promise<string | undefined> {
  for (const dir of [runFolder, path.dirname(runFolder)]) {
    const text = await fs.readFile(path.join(dir, RESULTS_FILE), 'utf8').catch(() => undefined);
    if (!text) continue;
    try {
      const model = JSON.parse(text) as Partial<ResultsModel>;
      if (model.schema === RESULTS_SCHEMA && model.initc?.suitesRevision) return model.initc.suitesRevision;
    } catch {
      /* not a results file: the revision is computed instead */
    }
  }
  return undefined;
}

const SKIP_SUFFIX = / \(skipped: ([\s\S]*)\)$/;
const EXCERPT_MESSAGE_LINES = 25;
const EXCERPT_TIMELINE_ROWS = 8;

function allAttachments(step: AllureStep): Attachment[] {
  return [...(step.attachments ?? []), ...(step.steps ?? []).flatMap(allAttachments)];
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

function toStatus(allureStatus: string): TestStatus {
  return (TEST_STATUSES as readonly string[]).includes(allureStatus) ? (allureStatus as TestStatus) : 'broken';
}

type RecordedRow = Omit<TimelineRow, 'pod'>;

/** What a timeline attachment holds: {rows, marks}, or (results of older runs) the rows alone. */
function timelineOf(content: unknown): { rows: RecordedRow[]; marks: TimelineMark[] } | undefined {
  const value = content as { rows?: unknown; marks?: unknown } | unknown[];
  const rows = Array.isArray(value) ? value : value?.rows;
  if (!Array.isArray(rows)) return undefined;
  const marks = !Array.isArray(value) && Array.isArray(value?.marks) ? (value.marks as TimelineMark[]) : [];
  return { rows: rows as RecordedRow[], marks };
}

const roundToMs = (sec: number) => Math.round(sec * 1000) / 1000;

/**
 * Each container seen in more than one attempt: the seconds between its attempts (as the checks
 * read them, restartIntervalsOf) against the kubelet's default back-off for each restart.
 */
export function backoffsOf(rows: RecordedRow[]): ContainerBackoffs[] {
  const containers = [...new Set(rows.flatMap((r) => r.containers.map((c) => c.name)))];
  return containers.flatMap((container) => {
    const { seconds, unended } = restartIntervalsOf(rows, container);
    if (!seconds.length && !unended) return [];
    const intervals = seconds.map((intervalSec, i) => ({ restart: i + 1, intervalSec, backoffSec: expectedBackoff(i), lateSec: roundToMs(intervalSec - expectedBackoff(i)) }));
    return [{ container, intervals, unendedAttempt: unended?.attempt ?? null }];
  });
}

export function observe(pod: string, rows: RecordedRow[], marks: TimelineMark[]): PodObservation {
  const shown = (r: RecordedRow) => r.serverStatus ?? r.status;
  const points: StatusPoint[] = [];
  for (const r of rows) if (points.at(-1)?.status !== shown(r)) points.push({ elapsedMs: r.elapsedMs, status: shown(r) });
  const last = rows.at(-1);
  if (last && points.at(-1)?.elapsedMs !== last.elapsedMs) points.push({ elapsedMs: last.elapsedMs, status: shown(last) });
  const statusSequence: string[] = [];
  for (const p of points) if (statusSequence.at(-1) !== p.status) statusSequence.push(p.status);
  return {
    pod,
    statusSequence,
    restarts: (last?.containers ?? []).map((c) => ({ container: c.name, kind: c.kind, restartCount: c.restartCount })),
    backoffs: backoffsOf(rows),
    finalPhase: last?.phase ?? null,
    points,
    marks: marks.map((m) => ({ elapsedMs: m.elapsedMs, text: m.text })),
  };
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

async function testRecord(folder: string, result: AllureResult): Promise<TestRecord> {
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
    observed: timelines.map((t) => observe(t.pod, t.rows, t.marks)),
    missingEvidence,
    evidenceProblems: (texts.get('evidence problems') ?? '').split('\n').filter((l) => l.trim()),
    excerpt: status === 'failed' || status === 'broken' ? excerptOf(message, timelines) : null,
  };
}

const mostCommon = (values: string[]) => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
};

/**
 * The model of the results in `dir` (a run's --out folder or its allure-results/). A folder that
 * does not exist or holds no results is a usage error; anything unreadable inside is named in
 * `problems` or the test's `missingEvidence`.
 */
export async function buildResultsModel(dir: string, options: { suitesRevision: string }): Promise<ResultsModel> {
  const folder = await allureResultsFolder(dir);
  const names = await fs.readdir(folder).catch(() => undefined);
  if (!names) throw new InitcError('usage', `${dir}: no such folder`);
  const resultNames = names.filter((f) => f.endsWith('-result.json')).sort();
  if (!resultNames.length) throw new InitcError('usage', `${dir}: no Allure results (*-result.json) in ${folder}`);
  const problems: string[] = [];
  const results: AllureResult[] = [];
  for (const name of resultNames) {
    try {
      results.push(JSON.parse(await fs.readFile(path.join(folder, name), 'utf8')) as AllureResult);
    } catch (err) {
      problems.push(`result file ${name} cannot be read: ${firstLine(err)}`);
    }
  }
  let env: Record<string, string> = {};
  try {
    env = parseProperties(await fs.readFile(path.join(folder, 'environment.properties'), 'utf8'));
  } catch (err) {
    problems.push(`environment.properties cannot be read (${(err as NodeJS.ErrnoException).code ?? firstLine(err)}): the cluster's identity comes from the tests' labels alone`);
  }
  if (env.error) problems.push(`the run could not read the cluster's versions: ${env.error}`);

  const tests = await Promise.all(results.map((r) => testRecord(folder, r)));
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
  const starts = results.map((r) => r.start).filter(Number.isFinite);
  const stops = results.map((r) => r.stop ?? r.start).filter(Number.isFinite);
  const count = (s: TestStatus) => tests.filter((t) => t.status === s).length;
  return {
    schema: RESULTS_SCHEMA,
    cluster: {
      provider: env.provider ?? mostCommon(labelled('provider')),
      serverVersion: env.server ?? mostCommon(labelled('k8sVersion')),
      kubeletVersion: env.kubelet ?? null,
      containerRuntime: env['container runtime'] ?? null,
      nodeOS: env['node OS'] ?? null,
      kernel: env.kernel ?? null,
    },
    initc: { version: env.initc ?? null, suitesRevision: options.suitesRevision },
    run: {
      start: starts.length ? new Date(Math.min(...starts)).toISOString() : null,
      end: stops.length ? new Date(Math.max(...stops)).toISOString() : null,
      chaosSeed: env['chaos seed'] ?? null,
      fixtureImage: env['fixture image'] ?? null,
    },
    totals: { tests: tests.length, passed: count('passed'), failed: count('failed'), broken: count('broken'), skipped: count('skipped') },
    tests,
    problems,
  };
}

/** The exact bytes written for a model: what results.json and conformance.json hold, and what their digest covers. */
export const modelJson = (model: unknown) => `${JSON.stringify(model, null, 2)}\n`;

export async function writeResultsModel(model: ResultsModel, outDir: string): Promise<string> {
  const file = path.join(outDir, RESULTS_FILE);
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(file, modelJson(model));
  return file;
}

/** A results.json as some run wrote it, checked to be this schema. */
export async function readResultsModel(file: string): Promise<ResultsModel> {
  let model: Partial<ResultsModel>;
  try {
    model = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<ResultsModel>;
  } catch (err) {
    throw new InitcError('usage', `${file} cannot be read as JSON: ${firstLine(err)}`);
  }
  if (model.schema !== RESULTS_SCHEMA) throw new InitcError('usage', `${file} is not an initc results file (schema "${String(model.schema)}", expected "${RESULTS_SCHEMA}")`);
  return model as ResultsModel;
}
