/**
 * The runs `initc compare --versions` and `--context` make before comparing them: one `initc run`
 * per version or context, each a child process of this CLI with its own --out folder, all side by
 * side: each version gets an embedded cluster (or kind cluster) of its own, named for this
 * comparison and stopped by its run; kubeconfig contexts are independent clusters already.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ExitCode, InitcError, exitCodeDoc } from '../errors.js';
import type { Progress } from '../progress.js';
import { seconds } from '../progress.js';

export interface PlannedRun {
  /** Column label while it runs (the comparison labels columns with what the cluster reported). */
  label: string;
  /** Folder name under the compare output's runs/. */
  folder: string;
  args: string[];
}

export interface RunPlanInput {
  versions?: string[];
  contexts?: string[];
  provider: 'local' | 'kind' | 'kubeconfig';
  kubeconfig?: string;
  /** Flags passed to every run as they are (--suite, --grep, --no-chaos, --seed, ...). */
  passThrough: string[];
  /** Tells this comparison's embedded clusters from another's running at the same time (4 characters). */
  tag?: string;
}

/** The embedded cluster a comparison runs version `v` on: cmp-<tag>-<major><minor>, within the 12 characters a name may have. Pure. */
export function comparisonClusterName(tag: string, v: string): string {
  const [major, minor] = v.replace(/^v/, '').split('.');
  return `cmp-${tag}-${major}${minor}`.slice(0, 12);
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** One `initc run` per version (on the embedded cluster or kind) or per kubeconfig context. Pure. */
export function planRuns(i: RunPlanInput): { runs: PlannedRun[]; parallel: boolean } {
  if (i.contexts?.length) {
    const file = i.kubeconfig ? ['--kubeconfig', i.kubeconfig] : [];
    return { runs: i.contexts.map((c) => ({ label: c, folder: `context-${safe(c)}`, args: ['run', ...file, '--context', c, ...i.passThrough] })), parallel: true };
  }
  const provider = (v: string) => (i.provider === 'kind' ? ['--provider', 'kind'] : ['--provider', 'local', '--local-cluster', comparisonClusterName(i.tag ?? '0000', v)]);
  return {
    runs: (i.versions ?? []).map((v) => ({ label: v, folder: `v${safe(v.replace(/^v/, ''))}`, args: ['run', ...provider(v), '--k8s-version', v, ...i.passThrough] })),
    parallel: true,
  };
}

export interface FinishedRun {
  run: PlannedRun;
  out: string;
  exitCode: number;
  /** The run's last line of stderr when it ended with something other than a verdict (0 or 1). */
  error?: string;
}

/** This CLI, as the current process runs it (compiled, or through tsx). */
const self = () => ({ file: process.execPath, args: [...process.execArgv, process.argv[1]!] });

/** Runs the planned runs (side by side when `parallel`), each line of their output prefixed with its label. */
export async function executeRuns(plan: { runs: PlannedRun[]; parallel: boolean }, runsDir: string, progress: Progress, signal: AbortSignal): Promise<FinishedRun[]> {
  await fs.mkdir(runsDir, { recursive: true });
  const width = Math.max(...plan.runs.map((r) => r.label.length));
  const one = async (run: PlannedRun): Promise<FinishedRun> => {
    const out = path.join(runsDir, run.folder);
    const started = Date.now();
    progress.info(`▸ [${run.label}] initc ${[...run.args, '--out', out].join(' ')}`);
    const cli = self();
    const child = execa(cli.file, [...cli.args, ...run.args, '--out', out], { reject: false, cancelSignal: signal, killSignal: 'SIGINT', forceKillAfterDelay: false, buffer: { stdout: false, stderr: false } });
    let last = '';
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter((l) => l.trim())) {
        last = line;
        process.stderr.write(`[${run.label.padEnd(width)}] ${line}\n`);
      }
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    const r = await child;
    const exitCode = r.exitCode ?? (r.isCanceled ? ExitCode.interrupted : 70);
    progress.info(`${exitCode <= 1 ? '✔' : '✘'} [${run.label}] exit ${exitCode} in ${seconds(Date.now() - started)}`);
    return { run, out, exitCode, error: exitCode > 1 ? last.replace(/^initc: /, '') : undefined };
  };
  if (plan.parallel) return Promise.all(plan.runs.map(one));
  const done: FinishedRun[] = [];
  for (const run of plan.runs) {
    if (signal.aborted) break;
    done.push(await one(run));
  }
  return done;
}

/** What an exit code means, as the exit-code table says it. */
export const exitMeaning = (code: number) => exitCodeDoc.find(([c]) => c === code)?.[1] ?? (code === 70 ? 'an internal error (a bug)' : 'an exit code initc does not give');

/** A run that could not run at all ends the comparison with that run's own exit code, not another's. */
export class RunExitError extends InitcError {
  constructor(exitCode: number, message: string) {
    super('componentFailed', message);
    Object.defineProperty(this, 'exitCode', { value: exitCode });
  }
}

/**
 * The compare command's outcome from its runs: runs that could not run at all end it with the
 * first one's own exit code, each named with its code, what that code means and its folder;
 * failed tests make 1.
 */
export function runsVerdict(runs: FinishedRun[]): InitcError | undefined {
  const broken = runs.filter((r) => r.exitCode > 1);
  if (broken.length) {
    const each = broken.map((r) => `the run of ${r.run.label} ended with exit ${r.exitCode} (${exitMeaning(r.exitCode)}): ${r.error ?? 'see its output above'} (its folder: ${r.out})`);
    return new RunExitError(broken[0]!.exitCode, each.join('; '));
  }
  if (runs.some((r) => r.exitCode === 1)) return new InitcError('testsFailed', `tests failed in ${runs.filter((r) => r.exitCode === 1).map((r) => r.run.label).join(', ')}; the comparison shows where`);
  return undefined;
}
