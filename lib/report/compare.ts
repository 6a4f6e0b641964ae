/**
 * The comparison of runs (one per Kubernetes version, say), schema `initc.dev/compare/v1`
 * (schemas/compare-v1.schema.json): one column per run, labelled with the server version the run
 * recorded; one row per test id; rows where the runs differ first, each saying how.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InitcError } from '../errors.js';
import { exists } from '../util/fsx.js';
import { latenessText } from './format.js';
import type { ClusterIdentity, PodObservation, ResultsModel, TestRecord, TestStatus } from './model.js';
import { allureResultsFolder, buildResultsModel } from './build-model.js';
import { RESULTS_FILE, readResultsModel } from './model.js';
import { readPlan } from './plan.js';
import { conformanceVerdict } from './verdict.js';

export const COMPARE_SCHEMA = 'initc.dev/compare/v1';

/** A run to compare: its model and where it came from. */
export interface LoadedRun {
  folder: string;
  model: ResultsModel;
  /** The run's Allure report, when its folder has one. */
  allureReport: string | null;
}

export interface CompareColumn {
  /** The server's gitVersion (with the provider, or a number, when two runs share it). */
  label: string;
  cluster: ClusterIdentity;
  initc: ResultsModel['initc'];
  run: ResultsModel['run'];
  totals: ResultsModel['totals'];
  /** The run's conformance verdict, and what could not be read of it (result files, environment; tests that never ended). */
  verdict: string;
  problems: string[];
  source: string;
  /** Relative to the comparison's folder. */
  allureReport: string | null;
}

export interface CompareCell {
  status: TestStatus;
  message: string | null;
  durationMs: number;
  observed: PodObservation[];
  missingEvidence: string[];
  evidenceProblems: string[];
}

export type DifferenceKind = 'outcome' | 'failure' | 'statusSequence' | 'restarts' | 'backoff' | 'onlyInSome' | 'pods';

export interface Difference {
  kind: DifferenceKind;
  /** The pod whose behaviour differs; null for the test as a whole. */
  pod: string | null;
  /** How, in words, naming the columns. */
  detail: string;
}

export interface CompareRow {
  id: string;
  suite: string;
  title: string;
  differs: boolean;
  differences: Difference[];
  /** One per column, in column order; null where that run has no such test. */
  cells: Array<CompareCell | null>;
}

export interface Comparison {
  schema: typeof COMPARE_SCHEMA;
  columns: CompareColumn[];
  summary: { tests: number; differing: number };
  rows: CompareRow[];
}

/**
 * One run folder: built from its Allure results when it has them (what the run wrote test by test,
 * read with its plan.json; a results.json beside them may be an earlier run's), else its
 * results.json (a run folder handed on without them). A folder with neither is a usage error.
 */
export async function loadRun(folder: string, currentSuitesRevision: () => Promise<string>): Promise<LoadedRun> {
  const dir = path.resolve(folder);
  const allure = await allureResultsFolder(dir);
  const hasAllure = (await fs.readdir(allure).catch(() => [] as string[])).some((f) => f.endsWith('-result.json'));
  const resultsFile = path.join(dir, RESULTS_FILE);
  const model =
    !hasAllure && (await exists(resultsFile))
      ? await readResultsModel(resultsFile)
      : await buildResultsModel(dir, { suitesRevision: (await readPlan(allure))?.suitesRevision ?? (await currentSuitesRevision()) }).catch((err: unknown) => {
          if (err instanceof InitcError) throw new InitcError('usage', `--from ${folder}: ${err.message.replace(`${dir}: `, '')}`);
          throw err;
        });
  if (!model.tests.length) throw new InitcError('usage', `--from ${folder}: its ${RESULTS_FILE} holds no test results`);
  const report = path.join(dir, 'allure-report', 'index.html');
  return { folder: dir, model, allureReport: (await exists(report)) ? report : null };
}

function columnLabels(runs: LoadedRun[]): string[] {
  const base = runs.map((r) => r.model.cluster.serverVersion ?? 'unknown version');
  const withProvider = runs.map((r, i) => (base.filter((b) => b === base[i]).length > 1 ? `${base[i]} (${r.model.cluster.provider ?? 'unknown provider'})` : base[i]!));
  return withProvider.map((l, i) => (withProvider.filter((x) => x === l).length > 1 ? `${l} #${withProvider.slice(0, i + 1).filter((x) => x === l).length}` : l));
}

function arrow(seq: string[]): string {
  return seq.join(' → ');
}

function restartsText(o: PodObservation): string {
  return o.restarts.filter((r) => r.restartCount > 0).map((r) => `${r.container} ${r.restartCount}`).join(', ') || 'none';
}

/**
 * How far apart two runs' lateness of the same restart may be and still read as the same: the
 * kubelet stamps startedAt and finishedAt to the second, so an interval reads up to 1 s off its
 * true length and the same behaviour can read 1 s apart. The requeue jitter is not tolerated away:
 * when a restart comes after its back-off is the kubelet's behaviour, and what changed in 1.35.
 */
export const BACKOFF_TOLERANCE_SEC = 1;

type Seen = { label: string; obs: PodObservation };

/** One difference per container whose restarts came later on some runs than on others, beyond the tolerance. */
export function backoffDifferences(pod: string, seen: Seen[]): Difference[] {
  // Results written before initc recorded back-offs have no reading: nothing to compare, not a difference.
  const recorded = seen.filter((s) => s.obs.backoffs);
  const containers = [...new Set(recorded.flatMap((s) => s.obs.backoffs!.map((b) => b.container)))];
  return containers.flatMap((container): Difference[] => {
    const byRun = recorded.map((s) => ({ label: s.label, intervals: s.obs.backoffs!.find((b) => b.container === container)?.intervals ?? [] }));
    // Every run numbers its restarts 1, 2, …: their union, in the order first seen, is ascending.
    const restarts = [...new Set(byRun.flatMap((r) => r.intervals.map((x) => x.restart)))];
    const sentences = restarts.flatMap((restart) => {
      const readings = byRun.flatMap((r) => r.intervals.filter((x) => x.restart === restart).map((x) => ({ label: r.label, lateSec: x.lateSec })));
      const late = readings.map((r) => r.lateSec);
      // To the millisecond, as recorded: 4.9 − 3.9 is 1.0000000000000004 in floating point.
      const spreadSec = Math.round((Math.max(...late) - Math.min(...late)) * 1000) / 1000;
      if (spreadSec <= BACKOFF_TOLERANCE_SEC) return [];
      return [`restart ${restart} came ${readings.map((r) => `${latenessText(r.lateSec)} on ${r.label}`).join(', ')}`];
    });
    return sentences.length ? [{ kind: 'backoff', pod, detail: `back-off of ${container} in pod ${pod}: ${sentences.join('; ')}` }] : [];
  });
}

/** A difference in a few words (a STATUS sequence difference without the sequences). */
export function differenceHeadline(d: Difference): string {
  return d.kind === 'statusSequence' ? `STATUS sequence of pod ${d.pod} differs` : d.detail;
}

/** An empty cell: the run did not run the test, or (a run with problems) its result could not be read. */
export function absentText(column: CompareColumn): string {
  return column.problems.some((p) => p.startsWith('result file ')) ? 'no result (a result file of this run cannot be read)' : 'not run';
}

/**
 * A failure's first line with what tells two readings of the same failure apart left out: numbers
 * and every word holding a digit (names with random suffixes, timestamps, durations).
 */
export function failureGist(message: string | null): string {
  return (message ?? '').split('\n')[0]!.replace(/[\w.:/-]*\d[\w.:/-]*/g, '#').trim();
}

function isFailing(c: CompareCell | null): c is CompareCell {
  return c?.status === 'failed' || c?.status === 'broken';
}

/** The ways the cells of one row differ; empty when every run saw the same. */
export function differencesOf(cells: Array<CompareCell | null>, labels: string[]): Difference[] {
  const out: Difference[] = [];
  const present = labels.filter((_, i) => cells[i]);
  if (present.length < labels.length) out.push({ kind: 'onlyInSome', pod: null, detail: `only in ${present.join(', ')}; not run on ${labels.filter((_, i) => !cells[i]).join(', ')}` });
  const statuses = new Set(cells.filter((c) => c).map((c) => c!.status));
  if (statuses.size > 1) out.push({ kind: 'outcome', pod: null, detail: `outcome: ${labels.map((l, i) => (cells[i] ? `${cells[i]!.status} on ${l}` : '')).filter(Boolean).join(', ')}` });
  // Two runs that both failed, for different reasons (an assertion on one, a timeout on the other), differ.
  const failing = labels.flatMap((label, i) => (isFailing(cells[i]!) ? [{ label, cell: cells[i]! }] : []));
  if (new Set(failing.map((f) => failureGist(f.cell.message))).size > 1) {
    out.push({ kind: 'failure', pod: null, detail: `why it failed: ${failing.map((f) => `${f.cell.status} on ${f.label}: ${(f.cell.message ?? '(no message)').split('\n')[0]}`).join('; ')}` });
  }
  // Behaviour is compared between runs that ran the test; a skipped one observed nothing.
  const ran = labels.map((l, i) => ({ label: l, cell: cells[i] })).filter((x): x is { label: string; cell: CompareCell } => !!x.cell && x.cell.status !== 'skipped');
  const pods = [...new Set(ran.flatMap((r) => r.cell.observed.map((o) => o.pod)))].sort();
  for (const pod of pods) {
    const seen = ran.map((r) => ({ label: r.label, obs: r.cell.observed.find((o) => o.pod === pod) }));
    const missing = seen.filter((s) => !s.obs);
    if (missing.length) out.push({ kind: 'pods', pod, detail: `pod ${pod}: no timeline on ${missing.map((m) => m.label).join(', ')}` });
    const have = seen.filter((s): s is Seen => !!s.obs);
    if (new Set(have.map((h) => arrow(h.obs.statusSequence))).size > 1) {
      out.push({ kind: 'statusSequence', pod, detail: `STATUS sequence of pod ${pod}: ${have.map((h) => `${h.label}: ${arrow(h.obs.statusSequence)}`).join('; ')}` });
    }
    if (new Set(have.map((h) => restartsText(h.obs))).size > 1) {
      out.push({ kind: 'restarts', pod, detail: `restarts of pod ${pod}: ${have.map((h) => `${h.label}: ${restartsText(h.obs)}`).join('; ')}` });
    }
    out.push(...backoffDifferences(pod, have));
  }
  return out;
}

function cellOf(t: TestRecord): CompareCell {
  return { status: t.status, message: t.message, durationMs: t.durationMs, observed: t.observed, missingEvidence: t.missingEvidence, evidenceProblems: t.evidenceProblems };
}

/** What could not be read of a run, and which of its planned tests never ended: shown beside its column. */
function runProblems(m: ResultsModel): string[] {
  const notEnded = m.plan?.notEnded.length ? [`${m.plan.notEnded.length} of ${m.plan.planned} planned tests never ended`] : [];
  return [...m.problems, ...notEnded, ...(m.plan ? [] : ['no plan recorded: which tests never ended is unknown'])];
}

/** The comparison of runs, columns in the order given; `outDir` is where links are made relative to. */
export function compareRuns(runs: LoadedRun[], outDir: string): Comparison {
  const labels = columnLabels(runs);
  const ids = new Map<string, { suite: string; title: string }>();
  // A test's id is its suite and title, so a later run's entry for an id is the same as the first's (and keeps its place).
  for (const r of runs) for (const t of r.model.tests) ids.set(t.id, { suite: t.suite, title: t.title });
  const rows: CompareRow[] = [...ids.entries()].map(([id, { suite, title }]) => {
    const cells = runs.map((r) => {
      const t = r.model.tests.find((x) => x.id === id);
      return t ? cellOf(t) : null;
    });
    const differences = differencesOf(cells, labels);
    return { id, suite, title, differs: differences.length > 0, differences, cells };
  });
  // Behaviour that differs first, then tests only some runs ran (another --suite, say), then the rest.
  const rank = (r: CompareRow) => (!r.differs ? 2 : r.differences.every((d) => d.kind === 'onlyInSome') ? 1 : 0);
  rows.sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
  return {
    schema: COMPARE_SCHEMA,
    columns: runs.map((r, i) => ({
      label: labels[i]!,
      cluster: r.model.cluster,
      initc: r.model.initc,
      run: r.model.run,
      totals: r.model.totals,
      verdict: (r.model.verdict ?? conformanceVerdict(r.model)).headline,
      problems: runProblems(r.model),
      source: r.folder,
      allureReport: r.allureReport ? path.relative(outDir, r.allureReport).split(path.sep).join('/') : null,
    })),
    summary: { tests: rows.length, differing: rows.filter((r) => r.differs).length },
    rows,
  };
}
