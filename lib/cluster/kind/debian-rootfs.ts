/**
 * Debian root filesystems for the kind node image, made by mmdebstrap from the mirror apt uses
 * here (no registry): one tar per name, variant and package list, cached under initc's cache.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import type { Progress } from '../../progress.js';
import { exists } from '../../util/fsx.js';
import { cacheRoot } from '../../util/paths.js';
import { inputsKey } from './config.js';

/** The Debian release the node runs: its systemd 252 still runs on cgroup v1 hosts. */
export const SUITE = 'bookworm';

/** The Debian mirror apt uses here (deb822 `URIs:` or a one-line `deb` entry). */
export async function aptMirror(): Promise<string> {
  const files = ['/etc/apt/sources.list', ...(await fs.readdir('/etc/apt/sources.list.d').catch(() => [] as string[])).map((f) => `/etc/apt/sources.list.d/${f}`)];
  for (const f of files) {
    const text = await fs.readFile(f, 'utf8').catch(() => '');
    const m = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+\S+/m.exec(text);
    if (m) return m[1]!;
  }
  throw new InitcError('missingHostFeature', 'no Debian mirror in /etc/apt/sources.list*: mmdebstrap needs one for the kind node root filesystem');
}

/** A Debian root filesystem tar from mmdebstrap, cached by variant, packages and mirror. */
export async function debianTar(name: string, variant: string, packages: string[], progress: Progress, signal?: AbortSignal): Promise<string> {
  if (!(await exists('/usr/bin/mmdebstrap'))) throw new InitcError('missingHostFeature', 'mmdebstrap is missing: apt-get install mmdebstrap (the kind node image is built from Debian)');
  const mirror = await aptMirror();
  const key = inputsKey([SUITE, variant, [...packages].sort(), mirror]);
  const dir = path.join(cacheRoot(), 'kind', 'rootfs');
  const file = path.join(dir, `${name}-${SUITE}-${key}.tar`);
  if (await exists(file)) {
    progress.info(`✔ ${name} root filesystem from cache (${file})`);
    return file;
  }
  await fs.mkdir(dir, { recursive: true });
  const log = `${file}.log`;
  // mmdebstrap picks its output format by the file name's ending: keep .tar
  const partial = file.replace(/\.tar$/, '.partial.tar');
  await fs.rm(partial, { recursive: true, force: true });
  await progress.step(`mmdebstrap ${name} (${SUITE} ${variant}, log: ${log})`, async (step) => {
    const child = execa('mmdebstrap', [`--variant=${variant}`, `--include=${packages.join(',')}`, SUITE, partial, mirror], {
      reject: false, all: true, cancelSignal: signal, buffer: false,
    });
    const out = await fs.open(log, 'w');
    child.all?.on('data', (d: Buffer) => {
      void out.write(d);
      const line = d.toString().trim().split('\n').pop();
      if (line) step.update(line.slice(0, 100));
    });
    const r = await child;
    await out.close();
    if (r.isCanceled) throw new InitcError('interrupted', 'interrupted during mmdebstrap');
    if (r.exitCode !== 0) throw new InitcError('buildFailed', `mmdebstrap ${name} failed (exit ${r.exitCode}; log: ${log})`);
  });
  await fs.rename(partial, file);
  return file;
}
