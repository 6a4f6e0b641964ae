/**
 * Merging a cluster's context into the user's kubeconfig (as `kind create cluster` does) and
 * taking it out again, leaving every other entry as it was. `mergeKubeconfig` and
 * `removeFromKubeconfig` are pure; the file helpers wrap them.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';

interface Named {
  name: string;
  [k: string]: unknown;
}

export interface KubeconfigDoc {
  apiVersion?: string;
  kind?: string;
  clusters?: Named[];
  users?: Named[];
  contexts?: Array<Named & { context?: { cluster?: string; user?: string } }>;
  'current-context'?: string;
  [k: string]: unknown;
}

const replaceNamed = <T extends Named>(list: T[] | undefined, entries: T[] | undefined): T[] => {
  const names = new Set((entries ?? []).map((e) => e.name));
  return [...(list ?? []).filter((e) => !names.has(e.name)), ...(entries ?? [])];
};

/** `base` with `ours`'s clusters, users and contexts added (same names replaced) and ours made current. */
export function mergeKubeconfig(base: KubeconfigDoc, ours: KubeconfigDoc): KubeconfigDoc {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    ...base,
    clusters: replaceNamed(base.clusters, ours.clusters),
    users: replaceNamed(base.users, ours.users),
    contexts: replaceNamed(base.contexts, ours.contexts),
    'current-context': ours['current-context'],
  };
}

/** `doc` without context `contextName` and its cluster and user; current-context goes back to `previous`. */
export function removeFromKubeconfig(doc: KubeconfigDoc, contextName: string, previous?: string): KubeconfigDoc {
  const ctx = doc.contexts?.find((c) => c.name === contextName);
  const out: KubeconfigDoc = {
    ...doc,
    contexts: (doc.contexts ?? []).filter((c) => c.name !== contextName),
    clusters: (doc.clusters ?? []).filter((c) => c.name !== ctx?.context?.cluster),
    users: (doc.users ?? []).filter((u) => u.name !== ctx?.context?.user),
  };
  if (doc['current-context'] === contextName) {
    if (previous && out.contexts!.some((c) => c.name === previous)) out['current-context'] = previous;
    else delete out['current-context'];
  }
  return out;
}

/** The kubeconfig file kubectl would use: the first of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(): string {
  const env = process.env.KUBECONFIG?.split(path.delimiter).find(Boolean);
  return env ?? path.join(os.homedir(), '.kube', 'config');
}

async function readDoc(file: string): Promise<KubeconfigDoc> {
  try {
    return (yaml.load(await fs.readFile(file, 'utf8')) as KubeconfigDoc) ?? {};
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/** Merges `oursYaml` into `file`; returns the context that was current before. */
export async function mergeIntoFile(file: string, oursYaml: string): Promise<string | undefined> {
  const base = await readDoc(file);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, yaml.dump(mergeKubeconfig(base, yaml.load(oursYaml) as KubeconfigDoc)), { mode: 0o600 });
  return base['current-context'];
}

export async function removeFromFile(file: string, contextName: string, previous?: string): Promise<void> {
  const doc = await readDoc(file);
  if (!doc.contexts?.some((c) => c.name === contextName)) return;
  await fs.writeFile(file, yaml.dump(removeFromKubeconfig(doc, contextName, previous)), { mode: 0o600 });
}
