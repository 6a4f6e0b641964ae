/**
 * Merging a cluster's context into the user's kubeconfig (as `kind create cluster` does) and
 * taking it out again, leaving every other entry as it was. `mergeKubeconfig` and
 * `removeFromKubeconfig` are pure; the file helpers wrap them.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { InitcError } from '../errors.js';

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

const WAY_OUT = 'fix or move it, or bring the cluster up with --no-merge-kubeconfig';

/**
 * What a kubeconfig file holds, refused with one line unless initc can merge into it: YAML, a
 * mapping (or empty), its clusters, users and contexts each absent or a list of named entries.
 */
export function parseKubeconfigDoc(text: string, file: string): KubeconfigDoc {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw new InitcError('kubeconfig', `${file} is not YAML (${String((err as Error).message).split('\n')[0]}): ${WAY_OUT}`);
  }
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InitcError('kubeconfig', `${file} is not a kubeconfig: it holds ${Array.isArray(doc) ? 'a list' : `a ${typeof doc}`}, not a mapping; ${WAY_OUT}`);
  }
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    const list = (doc as Record<string, unknown>)[key];
    if (list === undefined || list === null) continue;
    const named = (e: unknown) => typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string';
    if (!Array.isArray(list) || !list.every(named)) throw new InitcError('kubeconfig', `${file} is not a kubeconfig: its ${key} are not a list of entries with a name; ${WAY_OUT}`);
  }
  return doc as KubeconfigDoc;
}

async function readDoc(file: string): Promise<KubeconfigDoc> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new InitcError('kubeconfig', `cannot read ${file}: ${(err as Error).message}`);
  }
  return parseKubeconfigDoc(text, file);
}

/** Refuses, before anything starts, a kubeconfig `cluster up` could not merge into later. */
export async function checkMergeable(file: string): Promise<void> {
  await readDoc(file);
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
