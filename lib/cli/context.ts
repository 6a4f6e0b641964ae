/**
 * What every command gets: progress output and an abort signal that fires on Ctrl-C (SIGINT) or
 * SIGTERM, so a command can stop what it started before exiting with code 130.
 */
import { ConsoleProgress } from '../progress.js';
import type { Progress } from '../progress.js';

export interface CommandContext {
  progress: Progress;
  signal: AbortSignal;
}

let interrupts = 0;
const controller = new AbortController();

export function commandContext(): CommandContext {
  return { progress: new ConsoleProgress(), signal: controller.signal };
}

export function installSignalHandlers(): void {
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\ninitc: ${sig} received, stopping what this command started (press Ctrl-C again to leave it as it is)\n`);
      controller.abort(new Error(sig));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
