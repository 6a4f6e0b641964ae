/**
 * `initc check`: the user's manifests, read from a file or a folder of `.yaml`/`.yml`/`.json`
 * files (multi-document YAML). One workload with init containers is what is checked (a Pod, or a
 * Deployment / StatefulSet / Job / DaemonSet / ReplicaSet whose pod template has them); the
 * ConfigMaps, Secrets, Services, PVCs (and anything else namespaced) go along with it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import type { KubernetesObject, V1Container, V1PodSpec, V1PodTemplateSpec } from '@kubernetes/client-node';
import { InitcError } from '../errors.js';

export const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'Job', 'DaemonSet', 'ReplicaSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** Kinds that live outside a namespace: a throwaway namespace cannot hold them, so they are refused. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'Node', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);

export interface ManifestObject extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Where an object came from, for messages: "deploy.yaml#2" (the second document). */
export interface Sourced {
  object: ManifestObject;
  source: string;
}

export interface Workload {
  kind: WorkloadKind;
  name: string;
  source: string;
  object: ManifestObject;
  /** The pod spec (for a Pod its spec, else the template's). */
  podSpec: V1PodSpec;
  /** The field path of that pod spec: "spec" or "spec.template.spec" (or "spec.jobTemplate…"). */
  specPath: string;
}

export interface Manifests {
  objects: Sourced[];
  workload: Workload;
  /** Other workloads found (checked one at a time: name them with --workload). */
  others: Workload[];
}

function bad(message: string): InitcError {
  return new InitcError('badManifest', message);
}

/** The files a path names: itself, or the YAML/JSON files of a folder (not recursive into hidden folders), sorted. */
export async function manifestFiles(target: string): Promise<string[]> {
  const st = await fs.stat(target).catch(() => undefined);
  if (!st) throw bad(`${target}: no such file or folder`);
  if (st.isFile()) return [target];
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const e of (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (/\.(ya?ml|json)$/i.test(e.name)) out.push(p);
    }
  };
  await walk(target);
  if (!out.length) throw bad(`${target}: no .yaml, .yml or .json file in it`);
  return out;
}

/** Parses one file's text into objects (a `List` is unpacked); `source` names the file in messages. */
export function parseManifestText(text: string, source: string): Sourced[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch (err) {
    const e = err as yaml.YAMLException;
    throw bad(`${source}: not valid YAML${e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : ''}: ${e.reason ?? e.message.split('\n')[0]}`);
  }
  const out: Sourced[] = [];
  docs.forEach((doc, i) => {
    const where = `${source}#${i + 1}`;
    if (doc === null || doc === undefined) return; // an empty document (a trailing ---)
    if (typeof doc !== 'object' || Array.isArray(doc)) throw bad(`${where}: a document must be a Kubernetes object (a mapping with apiVersion, kind, metadata.name), not ${Array.isArray(doc) ? 'a list' : typeof doc}`);
    const o = doc as ManifestObject;
    if (o.kind === 'List' && Array.isArray(o.items)) {
      (o.items as unknown[]).forEach((item, j) => out.push(checkObject(item, `${where}.items[${j}]`)));
      return;
    }
    out.push(checkObject(o, where));
  });
  return out;
}

function checkObject(doc: unknown, where: string): Sourced {
  const o = doc as ManifestObject;
  if (!o || typeof o !== 'object') throw bad(`${where}: not an object`);
  if (typeof o.apiVersion !== 'string' || !o.apiVersion) throw bad(`${where}: no apiVersion`);
  if (typeof o.kind !== 'string' || !o.kind) throw bad(`${where}: no kind`);
  if (!o.metadata || typeof o.metadata.name !== 'string' || !o.metadata.name) throw bad(`${where}: ${o.kind} has no metadata.name${o.metadata && 'generateName' in o.metadata ? ' (generateName is not supported: the check must know the name)' : ''}`);
  if (CLUSTER_SCOPED.has(o.kind)) throw bad(`${where}: ${o.kind} ${o.metadata.name} is cluster-scoped; initc check applies only namespaced objects into a throwaway namespace`);
  return { object: o, source: where };
}

/** The pod template of a workload kind, and its field path. */
export function podSpecOf(o: ManifestObject): { podSpec: V1PodSpec; specPath: string } | undefined {
  if (o.kind === 'Pod') return o.spec ? { podSpec: o.spec as unknown as V1PodSpec, specPath: 'spec' } : undefined;
  if (!(WORKLOAD_KINDS as readonly string[]).includes(o.kind)) return undefined;
  const template = (o.spec as { template?: V1PodTemplateSpec } | undefined)?.template;
  return template?.spec ? { podSpec: template.spec, specPath: 'spec.template.spec' } : undefined;
}

export function initContainersOf(spec: V1PodSpec): V1Container[] {
  return spec.initContainers ?? [];
}

/** Reads the manifests at `target` and picks the workload (`name`: kind/name or name, when there are several). */
export async function loadManifests(target: string, pick?: string): Promise<Manifests> {
  const objects: Sourced[] = [];
  for (const f of await manifestFiles(target)) {
    const text = await fs.readFile(f, 'utf8').catch((err: Error) => {
      throw bad(`${f}: cannot read it: ${err.message}`);
    });
    objects.push(...parseManifestText(text, path.relative(process.cwd(), f) || f));
  }
  return chooseWorkload(objects, target, pick);
}

/** The workload to check among `objects` (pure: the unit tests call it on parsed text). */
export function chooseWorkload(objects: Sourced[], target: string, pick?: string): Manifests {
  if (!objects.length) throw bad(`${target}: no Kubernetes object in it`);
  const seen = new Map<string, string>();
  for (const { object: o, source } of objects) {
    const key = `${o.kind}/${o.metadata.name}`;
    if (seen.has(key)) throw bad(`${source}: ${key} is defined twice (also at ${seen.get(key)})`);
    seen.set(key, source);
  }
  const workloads: Workload[] = [];
  for (const { object: o, source } of objects) {
    const found = podSpecOf(o);
    if (!found) {
      if ((WORKLOAD_KINDS as readonly string[]).includes(o.kind)) throw bad(`${source}: ${o.kind} ${o.metadata.name} has no ${o.kind === 'Pod' ? 'spec' : 'spec.template.spec'}`);
      continue;
    }
    if (!Array.isArray(found.podSpec.containers) || !found.podSpec.containers.length) throw bad(`${source}: ${o.kind} ${o.metadata.name} has no containers at ${found.specPath}.containers`);
    workloads.push({ kind: o.kind as WorkloadKind, name: o.metadata.name, source, object: o, ...found });
  }
  const withInit = workloads.filter((w) => initContainersOf(w.podSpec).length > 0);
  if (!workloads.length) throw bad(`${target}: no workload in it (a Pod, Deployment, StatefulSet, Job, DaemonSet or ReplicaSet); found ${describeKinds(objects)}`);
  if (!withInit.length) throw bad(`${target}: no workload with init containers (${workloads.map((w) => `${w.kind} ${w.name}`).join(', ')} ha${workloads.length > 1 ? 've' : 's'} none): there is nothing for initc check to check`);
  let chosen: Workload | undefined;
  if (pick) {
    chosen = withInit.find((w) => `${w.kind}/${w.name}`.toLowerCase() === pick.toLowerCase() || w.name === pick);
    if (!chosen) throw new InitcError('usage', `--workload ${pick}: no workload with init containers of that name; there are ${withInit.map((w) => `${w.kind}/${w.name}`).join(', ')}`);
  } else if (withInit.length > 1) {
    throw new InitcError('usage', `${target} holds ${withInit.length} workloads with init containers (${withInit.map((w) => `${w.kind}/${w.name}`).join(', ')}): name the one to check with --workload KIND/NAME`);
  } else chosen = withInit[0]!;
  return { objects, workload: chosen, others: workloads.filter((w) => w !== chosen) };
}

function describeKinds(objects: Sourced[]): string {
  const counts = new Map<string, number>();
  for (const { object } of objects) counts.set(object.kind, (counts.get(object.kind) ?? 0) + 1);
  return [...counts.entries()].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** The containers the checks exec the --probe command in: the first app container. */
export function appContainerOf(w: Workload): string {
  return w.podSpec.containers[0]!.name;
}
