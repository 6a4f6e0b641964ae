/**
 * The preflight of a namespace-scoped run, before it makes anything: may the identity do in each
 * given namespace what every such run needs (SelfSubjectAccessReview; a refusal stops the run with
 * one line); which selected suites lack a cluster permission; and which Pod Security level each
 * namespace admits (a dry-run pod per level: nothing is made). The answer is the run's plan: each
 * suite's namespace, or why it is skipped.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { InitcError, firstLine } from '../errors.js';
import { ApiError, requestJson } from '../kube/raw.js';
import type { Permission } from './permissions.js';
import { permissionsFor } from './permissions.js';
import { ask, describeMissing, missingOf, norList, optionalNotes, questionsOf, verbsWhere } from './preflight.js';
import type { NamespacePlan, PodSecurityLevel } from './namespaced.js';
import { levelOf, namespacedPermissions, planNamespaces, suiteNeeds } from './namespaced.js';

/** The rows the run asks about in each namespace: every run's, and the selected suites'. */
export function namespacedPermissionsFor(namespaces: readonly string[], suites: readonly string[]): Permission[] {
  return namespaces.flatMap((ns) => namespacedPermissions(ns).filter((p) => p.neededBy === 'run' || suites.some((s) => (p.neededBy as readonly string[]).includes(s))));
}

/** The one line that stops a namespace-scoped run. */
export function namespacedRefusal(identity: string, required: readonly string[], namespaces: readonly string[]): string {
  return `${identity} may not ${norList(required)}: initc run --namespace needs them (initc rbac --namespace ${namespaces.join(',')} prints the Roles)`;
}

/** The preflight of `initc check --namespace`: throws InitcError('kubeconfig') naming every refused permission. */
export async function checkNamespacePreflight(kc: KubeConfig, o: { identity: string; namespace: string; permissions: readonly Permission[] }): Promise<void> {
  const questions = questionsOf(o.permissions);
  const allowed = await ask(kc, questions).catch((err: unknown) => {
    throw new InitcError('kubeconfig', `cannot ask the API server what ${o.identity} may do (SelfSubjectAccessReview): ${firstLine(err)}`);
  });
  const { required, optional } = missingOf(questions, allowed);
  const refused = [...required, ...optional];
  if (refused.length) throw new InitcError('kubeconfig', `${o.identity} may not ${norList(refused.map(describeMissing))}: initc check --namespace needs them`);
}

/** A pod that Pod Security admits at `level` and not below: the fixtures' root busybox, with NET_ADMIN for privileged. */
export function probePod(name: string, image: string, level: PodSecurityLevel): V1Pod {
  const securityContext = level === 'privileged' ? { capabilities: { add: ['NET_ADMIN'] } } : undefined;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { restartPolicy: 'Never', containers: [{ name: 'probe', image, command: ['true'], ...(securityContext ? { securityContext } : {}) }] } };
}

/** Why the namespace refuses pods of this level (a dry run: nothing is made); undefined when it admits them. */
export async function refusalOfLevel(kc: KubeConfig, namespace: string, pod: V1Pod): Promise<string | undefined> {
  try {
    await requestJson(kc, 'POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, { body: pod });
    return undefined;
  } catch (err) {
    if (err instanceof ApiError && err.statusCode === 403) return ((err.body as { message?: string } | undefined)?.message ?? firstLine(err)).replace(/^pods ".*?" is forbidden: /, '');
    throw new InitcError('kubeconfig', `cannot ask namespace ${namespace} whether it admits pods (a dry-run create): ${firstLine(err)}`);
  }
}

export interface NamespacedPreflight {
  plan: NamespacePlan;
  /** Permissions only some tests need, missing: what is skipped for want of them. */
  notes: string[];
}

/** Asks everything at once; throws InitcError('kubeconfig') naming every missing permission the run cannot do without. */
export async function namespacedPreflight(
  kc: KubeConfig,
  o: { identity: string; suites: readonly string[]; namespaces: readonly string[]; probeName: string; image: string },
): Promise<NamespacedPreflight> {
  const needs = suiteNeeds();
  const clusterRows = o.suites.flatMap((s) => {
    const need = needs[s];
    return need?.kind === 'cluster' ? need.permissions : [];
  });
  // The cluster-scoped rows tests skip without (feature gates): said, as in a full run.
  const optionalRows = permissionsFor({ run: o.suites, nodeAgent: false }).filter((p) => p.withoutIt);
  const required = questionsOf(namespacedPermissionsFor(o.namespaces, o.suites));
  const optional = questionsOf([...clusterRows, ...optionalRows]);
  const allowed = await ask(kc, [...required, ...optional]).catch((err: unknown) => {
    throw new InitcError('kubeconfig', `cannot ask the API server what ${o.identity} may do (SelfSubjectAccessReview): ${firstLine(err)}`);
  });
  const missingRequired = missingOf(required, allowed);
  const refused = [...missingRequired.required, ...missingRequired.optional];
  if (refused.length) throw new InitcError('kubeconfig', namespacedRefusal(o.identity, refused.map(describeMissing), o.namespaces));
  const missingOptional = missingOf(optional, allowed.slice(required.length));
  const lacking = [...missingOptional.required, ...missingOptional.optional];
  const refusedCluster: Record<string, string[]> = {};
  // Only a suite that needs cluster permissions is skipped for want of them (planNamespaces reads no other's).
  for (const m of lacking) {
    for (const s of m.permission.neededBy as readonly string[]) refusedCluster[s] = [...(refusedCluster[s] ?? []), verbsWhere(m.verbs, m.permission)];
  }
  const levels = [...new Set(o.suites.map(levelOf))];
  const refusedLevel: Record<string, Partial<Record<PodSecurityLevel, string>>> = {};
  for (const ns of o.namespaces) {
    refusedLevel[ns] = {};
    for (const level of levels) {
      refusedLevel[ns][level] = await refusalOfLevel(kc, ns, probePod(`${o.probeName}${level}`, o.image, level));
    }
  }
  return {
    plan: planNamespaces(o.suites, o.namespaces, { refusedCluster, refusedLevel }),
    notes: optionalNotes(o.identity, lacking.filter((m) => m.permission.withoutIt)),
  };
}
