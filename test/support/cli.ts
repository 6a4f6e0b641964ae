/** Runs the initc CLI from source (through tsx), as a user would from a shell. */
import { execa } from 'execa';
import type { Options } from 'execa';
import path from 'node:path';
import { projectRoot } from '../../lib/util/paths.js';
import { skipInMutationRun } from './mutation-run.js';

export const CLI = path.join(projectRoot(), 'lib', 'cli', 'main.ts');
export const TSX = path.join(projectRoot(), 'node_modules', '.bin', 'tsx');

/** In the mutation run the test is skipped instead: no mutant is ever active in the CLI's process (test/support/mutation-run.ts). */
export function initc(args: string[], opts: Options = {}) {
  skipInMutationRun();
  return execa(TSX, [CLI, ...args], { reject: false, cwd: projectRoot(), ...opts });
}
