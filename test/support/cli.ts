/**
 * Runs the initc CLI as a user would from a shell: compiled (dist/), when every source file under
 * lib/, fixtures/ and suites/ has a compiled file at least as new (`npm test` compiles first), else
 * from source through tsx — never a stale build. The compiled CLI starts about three times faster,
 * and the tests spawn it hundreds of times.
 */
import { statSync, readdirSync } from 'node:fs';
import { execa } from 'execa';
import type { Options } from 'execa';
import path from 'node:path';
import { projectRoot } from '../../lib/util/paths.js';
import { skipInMutationRun } from './mutation-run.js';

export const CLI = path.join(projectRoot(), 'lib', 'cli', 'main.ts');
export const COMPILED_CLI = path.join(projectRoot(), 'dist', 'lib', 'cli', 'main.js');
export const TSX = path.join(projectRoot(), 'node_modules', '.bin', 'tsx');

const mtime = (f: string) => {
  try {
    return statSync(f).mtimeMs;
  } catch {
    return -1;
  }
};

/** Whether dist/ holds a build of every source the CLI can load, none older than its source. */
export function compiledIsFresh(root = projectRoot()): boolean {
  const walk = (dir: string): boolean => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!walk(rel)) return false;
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        if (mtime(path.join(root, 'dist', rel.replace(/\.ts$/, '.js'))) < mtime(path.join(root, rel))) return false;
      }
    }
    return true;
  };
  return ['lib', 'fixtures', 'suites'].every(walk);
}

let command: [string, string[]] | undefined;

/** The command that runs the CLI here: compiled when fresh, else through tsx (decided once per test process). */
export function cliCommand(): [string, string[]] {
  command ??= compiledIsFresh() ? [process.execPath, [COMPILED_CLI]] : [TSX, [CLI]];
  return command;
}

/** In the mutation run the test is skipped instead: no mutant is ever active in the CLI's process (test/support/mutation-run.ts). */
export function initc(args: string[], opts: Options = {}) {
  skipInMutationRun();
  const [file, pre] = cliCommand();
  return execa(file, [...pre, ...args], { reject: false, cwd: projectRoot(), ...opts });
}
