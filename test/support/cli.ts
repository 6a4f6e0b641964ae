/** Runs the initc CLI from source (through tsx), as a user would from a shell. */
import { execa } from 'execa';
import type { Options } from 'execa';
import path from 'node:path';
import { projectRoot } from '../../lib/util/paths.js';

export const CLI = path.join(projectRoot(), 'lib', 'cli', 'main.ts');
export const TSX = path.join(projectRoot(), 'node_modules', '.bin', 'tsx');

export function initc(args: string[], opts: Options = {}) {
  return execa(TSX, [CLI, ...args], { reject: false, cwd: projectRoot(), ...opts });
}
