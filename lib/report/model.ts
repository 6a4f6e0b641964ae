/**
 * The results model (schema `initc.dev/results/v1`, documented in schemas/results-v1.schema.json):
 * one run's results as a record to hand on and to compare, built from its Allure results folder.
 * The cluster's identity is what the cluster said (environment.properties, the tests' labels),
 * never what was asked for. Evidence that cannot be read is named in the model, never dropped.
 * This module holds the model's shape and its JSON; build-model.ts makes it from Allure results.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { firstLine, InitcError } from '../errors.js';

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
  /** The node(s) the tests' pods ran on (absent from results written before initc recorded it). */
  nodes?: string | null;
  /** The init-container feature gates in force, per component ("all components" when they agree), read from the cluster. */
  featureGates?: Record<string, string> | null;
  /** The gates and kubelet fields the run asked the cluster it started for ("gates A=true; kubelet x=5s"). */
  askedFor?: string | null;
  /** The CrashLoopBackOff schedule the kubelet reported ("1 s doubling to 5 s (…)"); the back-offs are read against it. */
  kubeletBackoff?: string | null;
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

/** The tests a run planned (plan.json, written when it started), against the results it has. */
export interface PlanOutcome {
  /** How many tests the run planned. */
  planned: number;
  /** Planned tests with no result: the run was killed (or a worker died) before they ended. */
  notEnded: string[];
}

/** The verdict on conformance, earned: every planned check passed, with nothing missing. */
export interface ConformanceVerdict {
  outcome: 'conforms' | 'does not conform' | 'not shown';
  /** The sentence the report prints in bold. */
  headline: string;
  /** Checks that failed, broke or never ended. */
  failed: string[];
  /** Checks that ended without showing conformance: skipped, or with evidence missing. */
  notShownFor: string[];
  /** What else stands between the run and a "conforms": the run's problems, no plan recorded. */
  reasons: string[];
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
  /** Absent from results written before initc recorded plans; null when the run recorded none. */
  plan?: PlanOutcome | null;
  /** Absent from results written before initc judged conformance in the model. */
  verdict?: ConformanceVerdict;
}


/** The exact bytes written for a model: what results.json and conformance.json hold, and what their digest covers. */
export function modelJson(model: unknown): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}

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
