/**
 * Holding a container at its start, for a kill that does not depend on winning a race: containerd
 * runs containers through initc's runc wrapper, which on `runc create` of a container named by a
 * hold rule (its pod's namespace and its name; one rule, one container: the rule is claimed by
 * renaming it) gives that one attempt a sleeper for its process — the busybox of the host, bound
 * read-only at /.initc/busybox — in place of its command. Its image, mounts, environment and
 * resources stay as written; the kubelet sees it running, and a kill ends it (exit 137) before any
 * of its own code ran. The next attempt runs as written. With no rule waiting, the wrapper only
 * execs runc.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BlockedStart } from '../provider.js';

export const HOLD_MOUNT = '/.initc/busybox';

/** A rule's file name: the pod's namespace and the container's name (both DNS labels, so `_` parts them unambiguously). */
export const holdKey = (namespace: string, container: string) => `${namespace}_${container}`;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The wrapper containerd runs in place of runc (its runtime's BinaryName). With `blocks` (the
 * embedded cluster's), a rule whose first line is `block` makes that one `runc create` wait, as
 * written, until a `.release` file stands beside the claimed rule (blockNextStart): the container
 * stays CONTAINER_CREATED with its StartContainer hanging, as when a node dies between the two.
 */
export function holdWrapperScript(o: { runc: string; holdsDir: string; busybox: string; jq: string; blocks?: boolean }): string {
  return `#!/bin/sh
# initc's runc wrapper (lib/cluster/local/runc-hold.ts): holds the container a rule in ${o.holdsDir} names at its start.
set -u
holds=${q(o.holdsDir)}
for rule in "$holds"/*; do
  [ -f "$rule" ] || break
  bundle=''; create=0; prev=''
  for a in "$@"; do
    case "$prev" in --bundle|-b) bundle=$a ;; esac
    case "$a" in create) create=1 ;; --bundle=*) bundle=\${a#--bundle=} ;; esac
    prev=$a
  done
  [ "$create" = 1 ] && [ -n "$bundle" ] && [ -f "$bundle/config.json" ] || break
  key=$(${q(o.jq)} -r '(.annotations["io.kubernetes.cri.sandbox-namespace"] // "") + "_" + (.annotations["io.kubernetes.cri.container-name"] // "")' "$bundle/config.json") || break
  [ -f "$holds/$key" ] || break
  mv "$holds/$key" "$holds/$key.held" 2>/dev/null || break
${o.blocks ? `  if [ "$(head -n 1 "$holds/$key.held")" = block ]; then
    echo "$bundle" >> "$holds/$key.held"
    while [ ! -e "$holds/$key.release" ]; do sleep 0.2; done
    rm -f "$holds/$key.release"
    break
  fi
` : ''}  ${q(o.jq)} --arg src ${q(o.busybox)} --arg dst ${q(HOLD_MOUNT)} '.mounts += [{"destination": $dst, "type": "bind", "source": $src, "options": ["rbind", "ro"]}] | .process.args = [$dst, "sleep", "2147483647"]' "$bundle/config.json" > "$bundle/config.json.initc" && mv "$bundle/config.json.initc" "$bundle/config.json"
  echo "$bundle" >> "$holds/$key.held"
  break
done
exec ${q(o.runc)} "$@"
`;
}

/**
 * Asks the wrapper to hold the next start of `container` in `namespace`; resolves with a function
 * that says whether it was held (the rule claimed) and removes what is left of the rule.
 */
export async function holdNextStart(holdsDir: string, namespace: string, container: string): Promise<() => Promise<boolean>> {
  await fs.mkdir(holdsDir, { recursive: true });
  const rule = path.join(holdsDir, holdKey(namespace, container));
  await fs.writeFile(rule, `${new Date().toISOString()}\n`);
  return async () => {
    const held = await fs.stat(`${rule}.held`).then(() => true, () => false);
    await fs.rm(rule, { force: true });
    await fs.rm(`${rule}.held`, { force: true });
    return held;
  };
}


/** Asks the wrapper to block the next `runc create` of `container` in `namespace` until released. */
export async function blockNextStart(holdsDir: string, namespace: string, container: string): Promise<BlockedStart> {
  await fs.mkdir(holdsDir, { recursive: true });
  const rule = path.join(holdsDir, holdKey(namespace, container));
  await fs.rm(`${rule}.release`, { force: true });
  await fs.writeFile(rule, `block\n${new Date().toISOString()}\n`);
  return {
    claimed: () => fs.stat(`${rule}.held`).then(() => true, () => false),
    async release() {
      await fs.rm(rule, { force: true });
      if (await fs.stat(`${rule}.held`).then(() => true, () => false)) {
        await fs.writeFile(`${rule}.release`, '');
        await fs.rm(`${rule}.held`, { force: true });
      }
    },
  };
}
