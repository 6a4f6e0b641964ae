/**
 * What every command gets: progress output and an abort signal that fires on Ctrl-C (SIGINT) or
 * SIGTERM, so a command can stop what it started before exiting with code 130.
 */
import { ExitCode } from '../errors.js';
import { ConsoleProgress } from '../progress.js';
import type { Progress } from '../progress.js';

export interface CommandContext {
  progress: Progress;
  signal: AbortSignal;
}

let firstInterruptAt = 0;
let interruptedBy: NodeJS.Signals | undefined;

/** The exit code of an interrupted command: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM). */
export const interruptedExitCode = () => (interruptedBy === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted);
const controller = new AbortController();
/** Repeats within this window are the same interruption (Mocha's parallel runner re-raises SIGINT on itself). */
const REPEAT_WINDOW_MS = 3000;

export function commandContext(): CommandContext {
  return { progress: new ConsoleProgress(), signal: controller.signal };
}

export function installSignalHandlers(): void {
  const onSignal = (sig: NodeJS.Signals) => {
    if (!firstInterruptAt) {
      firstInterruptAt = Date.now();
      interruptedBy = sig;
      process.stderr.write(`\ninitc: ${sig} received, stopping what this command started (Ctrl-C again, a few seconds later, leaves it as it is)\n`);
      controller.abort(new Error(sig));
    } else if (Date.now() - firstInterruptAt > REPEAT_WINDOW_MS) {
      process.exit(interruptedExitCode());
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
