#!/usr/bin/env node
/**
 * initc's command line. Errors a user can fix print one line and exit with their own code (see
 * lib/errors.ts); anything else is a bug and prints its stack.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExitCode, exitCodeDoc, InitcError } from '../errors.js';
import { INITC_VERSION } from '../util/paths.js';
import { checkCommand } from './check.js';
import { clusterCommand, kubectlCommand } from './cluster.js';
import { compareCommand } from './compare.js';
import { commandContext, installSignalHandlers, interruptedExitCode } from './context.js';
import { gcCommand } from './gc.js';
import { imageCommand } from './image.js';
import { kindCommand } from './kind.js';
import { rbacCommand } from './rbac.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';

function fail(err: unknown): never {
  if (commandContext().signal.aborted) {
    // Ctrl-C also ends child processes (a Go build, a kubectl): whatever failed after it, it was the interruption.
    const isOwn = err instanceof InitcError && err.exitCode === ExitCode.interrupted;
    process.stderr.write(`initc: ${isOwn ? (err as Error).message : `interrupted (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`}\n`);
    process.exit(interruptedExitCode());
  }
  if (err instanceof InitcError) {
    process.stderr.write(`initc: ${err.message}\n`);
    if (err.hint) process.stderr.write(`       ${err.hint}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`initc: internal error (a bug; please report it with this trace):\n${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(70);
}

async function main(): Promise<void> {
  installSignalHandlers();
  await yargs(hideBin(process.argv))
    .scriptName('initc')
    // The package's own version: yargs would look for a package.json from the current directory.
    .version(INITC_VERSION)
    .usage('$0 <command> [options]\n\nChaos and conformance tests of how a Kubernetes cluster runs init containers.')
    .command(clusterCommand)
    .command(runCommand)
    .command(checkCommand)
    .command(reportCommand)
    .command(compareCommand)
    .command(gcCommand)
    .command(kubectlCommand)
    .command(imageCommand)
    .command(kindCommand)
    .command(rbacCommand)
    .demandCommand(1, 'name a command: cluster, run, check, report, compare, gc, image, kind, rbac or kubectl')
    .strict()
    .epilogue(`Exit codes:\n${exitCodeDoc.map(([code, what]) => `  ${String(code).padStart(3)}  ${what}`).join('\n')}`)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      // yargs wraps what a coerce function throws (a bad flag value) in a YError: that is a usage error too.
      if (err && err.name !== 'YError') throw err;
      process.stderr.write(`initc: ${msg || err?.message}\n       see \`initc --help\`\n`);
      process.exit(ExitCode.usage);
    })
    .parseAsync();
}

main().catch(fail);
