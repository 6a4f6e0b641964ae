/**
 * Errors a user can cause or fix, each with its own exit code. The CLI prints `message` on one
 * line and exits with `exitCode`; anything else that escapes is a bug and gets a stack trace.
 */
export const ExitCode = {
  ok: 0,
  testsFailed: 1,
  usage: 2,
  unknownVersion: 3,
  notRoot: 4,
  portTaken: 5,
  missingHostFeature: 6,
  kubeconfig: 7,
  componentFailed: 8,
  buildFailed: 9,
  notRunning: 10,
  reportFailed: 11,
  nothingRan: 12,
  busy: 13,
  cleanupFailed: 14,
  fixtureImage: 15,
  badManifest: 16,
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

export class InitcError extends Error {
  readonly exitCode: number;
  readonly hint?: string;

  constructor(kind: ExitCodeName, message: string, hint?: string) {
    super(message);
    this.name = 'InitcError';
    this.exitCode = ExitCode[kind];
    this.hint = hint;
  }

  /** The same error with another message (e.g. a log path that moved). */
  withMessage(message: string): InitcError {
    const kind = (Object.keys(ExitCode) as ExitCodeName[]).find((k) => ExitCode[k] === this.exitCode)!;
    return new InitcError(kind, message, this.hint);
  }
}

export const usageError = (message: string) => new InitcError('usage', message);

/** The first line of an error's message (or of the thrown value as text): what a one-line report quotes. */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** The exit-code table as the README and `initc --help` print it. */
export const exitCodeDoc: ReadonlyArray<[number, string]> = [
  [ExitCode.ok, 'success'],
  [ExitCode.testsFailed, 'a suite ran and at least one test failed or was broken, or a planned test never ended'],
  [ExitCode.usage, 'unknown flag, command or bad flag value'],
  [ExitCode.unknownVersion, 'unknown or unsupported Kubernetes version'],
  [ExitCode.notRoot, 'the embedded cluster needs root'],
  [ExitCode.portTaken, 'an address, route, interface or network namespace the embedded cluster needs is already taken on the host'],
  [ExitCode.missingHostFeature, 'a kernel feature or host tool is missing'],
  [ExitCode.kubeconfig, 'kubeconfig cannot be read, has no such context, its cluster cannot be reached, or its identity may not do what the command needs (named)'],
  [ExitCode.componentFailed, 'a cluster component did not come up (its log file is named)'],
  [ExitCode.buildFailed, 'building a component from the Go module proxy failed (its log file is named)'],
  [ExitCode.notRunning, 'no embedded cluster of that name is running'],
  [ExitCode.reportFailed, 'the Allure report could not be generated (the results folder is named)'],
  [ExitCode.nothingRan, 'no test ran: --suite/--grep selected nothing, or every selected test was skipped'],
  [ExitCode.busy, 'the embedded cluster is busy: another initc process is starting, stopping or running suites on it; or --out is a live run\'s folder'],
  [ExitCode.cleanupFailed, 'the run could not delete every namespace it created (they are named)'],
  [ExitCode.fixtureImage, 'the fixture image cannot be pulled or run, or lacks a command the fixtures need (named)'],
  [ExitCode.badManifest, '`initc check`: a manifest cannot be read (bad YAML, no workload with a pod template) or the API server refuses it (the field and why are named)'],
  [ExitCode.interrupted, 'interrupted (Ctrl-C, SIGINT); everything started was stopped'],
  [ExitCode.terminated, 'terminated (SIGTERM); everything started was stopped'],
];
