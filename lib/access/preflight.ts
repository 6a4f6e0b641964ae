/**
 * Before a run or a check creates anything, the API server is asked (SelfSubjectAccessReview, one
 * per verb, all at once) whether the kubeconfig's identity may do what the command needs. A missing
 * permission the command cannot do without stops it with one line naming them all; one a suite can
 * do without (withoutIt) is said, and the tests that need it skip with the API server's refusal.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { InitcError, firstLine } from '../errors.js';
import { requestJson } from '../kube/raw.js';
import type { Permission, Scope } from './permissions.js';
import { isUrl, resourceName, scopeWords } from './permissions.js';

/** One question to the API server: may this identity do `verb` of the permission? */
export interface Question {
  permission: Permission;
  verb: string;
}

export function questionsOf(perms: readonly Permission[]): Question[] {
  return perms.flatMap((permission) => permission.verbs.map((verb) => ({ permission, verb })));
}

function namespaceOf(s: Scope) {
  return (s.kind === 'namespace' ? { namespace: s.namespace } : {});
}

/** The SelfSubjectAccessReview that asks a question. */
export function reviewOf(q: Question): { apiVersion: string; kind: string; spec: Record<string, unknown> } {
  const p = q.permission;
  const [resource, subresource] = p.resource.split('/');
  const spec = isUrl(p)
    ? { nonResourceAttributes: { path: p.resource, verb: q.verb } }
    : { resourceAttributes: { group: p.group, resource, ...(subresource ? { subresource } : {}), verb: q.verb, ...namespaceOf(p.scope) } };
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec };
}

/** A permission with the verbs of it that were refused. */
export interface Missing {
  permission: Permission;
  verbs: string[];
}

/** The refused verbs of each permission (in the table's order), split into those the command cannot do without and the rest. */
export function missingOf(questions: readonly Question[], allowed: readonly boolean[]): { required: Missing[]; optional: Missing[] } {
  const byPermission = new Map<Permission, string[]>();
  questions.forEach((q, i) => {
    if (allowed[i] === true) return;
    byPermission.set(q.permission, [...(byPermission.get(q.permission) ?? []), q.verb]);
  });
  const missing = [...byPermission].map(([permission, verbs]) => ({ permission, verbs }));
  return { required: missing.filter((m) => !m.permission.withoutIt), optional: missing.filter((m) => m.permission.withoutIt) };
}

/** "create/list namespaces (cluster scope)": verbs of a permission, and where. */
export function verbsWhere(verbs: readonly string[], p: Pick<Permission, 'group' | 'resource' | 'scope'>): string {
  return `${verbs.join('/')} ${resourceName(p)} ${scopeWords(p.scope)}`;
}

/** "create/list namespaces (cluster scope)", with the suites that need it when not every run does. */
export function describeMissing(m: Missing): string {
  const by = m.permission.neededBy;
  const suites = typeof by === 'string' ? '' : ` (suite${by.length > 1 ? 's' : ''} ${by.join(', ')})`;
  return `${verbsWhere(m.verbs, m.permission)}${suites}`;
}

/** "a", "a nor b", "a, b nor c". */
export function norList(items: readonly string[]) {
  return (items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} nor ${items[items.length - 1]}`);
}

/** The one line that stops a command: who may not do what, and where the roles are printed. */
export function refusalMessage(identity: string, command: 'run' | 'check', required: readonly Missing[]): string {
  const needs = command === 'run' ? 'initc run needs them' : 'initc check needs them';
  return `${identity} may not ${norList(required.map(describeMissing))}: ${needs} (initc rbac prints the ClusterRole)`;
}

/** A line per permission a suite can do without: what is skipped for want of it. */
export function optionalNotes(identity: string, optional: readonly Missing[]) {
  return optional.map((m) => `${identity} may not ${describeMissing(m)}: ${m.permission.withoutIt}`);
}

/** "the identity of context "ci" in /path/kubeconfig": whom the API server was asked about. */
export function identityWords(kubeconfigPath: string, context?: string) {
  return `the identity${context ? ` of context "${context}"` : ''} in ${kubeconfigPath}`;
}

/** Asks every question at once; true where the API server allows it. */
export async function ask(kc: KubeConfig, questions: readonly Question[]): Promise<boolean[]> {
  const path = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
  return Promise.all(questions.map(async (q) => (await requestJson<{ status?: { allowed?: boolean } }>(kc, 'POST', path, { body: reviewOf(q) })).status?.allowed === true));
}

/**
 * The preflight: throws InitcError('kubeconfig') naming every missing permission the command cannot
 * do without (or why the API server could not be asked); returns a note per permission only some
 * tests need.
 */
export async function preflight(kc: KubeConfig, o: { identity: string; command: 'run' | 'check'; permissions: readonly Permission[] }): Promise<string[]> {
  const questions = questionsOf(o.permissions);
  const allowed = await ask(kc, questions).catch((err: unknown) => {
    throw new InitcError('kubeconfig', `cannot ask the API server what ${o.identity} may do (SelfSubjectAccessReview): ${firstLine(err)}`);
  });
  const { required, optional } = missingOf(questions, allowed);
  if (required.length) throw new InitcError('kubeconfig', refusalMessage(o.identity, o.command, required));
  return optionalNotes(o.identity, optional);
}
