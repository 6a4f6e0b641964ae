/**
 * A dependency's command, found as Node finds the package (node_modules beside initc, or hoisted
 * above it when initc is installed into another project), never through a node_modules/.bin
 * under initc's own folder, which an installed initc does not have.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The folder of the package `name` as Node resolves it from `from` (a file URL). */
export function packageDir(name: string, from: string = import.meta.url): string {
  const searched = createRequire(from).resolve.paths(name) ?? [];
  const dir = searched.map((d) => path.join(d, name)).find((d) => existsSync(path.join(d, 'package.json')));
  if (!dir) throw new Error(`the package ${name} is not installed (looked in ${searched.join(', ') || 'nowhere'})`);
  return dir;
}

/** The script of the package's command `command` (its package.json "bin"), to run with Node. */
export function packageBin(name: string, command: string = name, from: string = import.meta.url): string {
  const dir = packageDir(name, from);
  const bin = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> }).bin;
  const script = typeof bin === 'string' ? (command === name ? bin : undefined) : bin?.[command];
  if (!script) throw new Error(`the package ${name} has no command ${command}`);
  return path.join(dir, script);
}
