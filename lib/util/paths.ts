import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where builds are cached between runs: $INITC_CACHE_DIR, else $XDG_CACHE_HOME/initc, else ~/.cache/initc. */
export function cacheRoot(): string {
  if (process.env.INITC_CACHE_DIR) return path.resolve(process.env.INITC_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.cache'), 'initc');
}

/** The project's root directory (this file lives in lib/util/ or dist/lib/util/). */
export function projectRoot(): string {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const up = path.resolve(here, '..', '..');
  return path.basename(up) === 'dist' ? path.dirname(up) : up;
}

/** initc's own version, from package.json. */
export const INITC_VERSION: string = (() => {
  try {
    return JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
})();
