/**
 * Namespace-scoped runs, the pure parts: what each suite needs beyond a namespace's pods, the plan
 * (round-robin over the namespaces that admit a suite's Pod Security level, or the skip naming what
 * is missing), name prefixes, `--namespace` values, the Roles printed, the plan handed to the
 * suites, and the reaper's judgement of runs in shared namespaces.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { V1Lease } from '@kubernetes/client-node';
import { SUITES } from '../../lib/cli/suite-table.js';
import { checkNamespacePermissions, levelOf, namePrefix, namespacedPermissions, parseNamespaces, planNamespaces, resourceOfPath, suiteNeeds } from '../../lib/access/namespaced.js';
import { checkNamespace } from '../../lib/cli/check-namespaced.js';
import { InitcError } from '../../lib/errors.js';
import { namespacedPermissionsFor, namespacedRefusal, probePod } from '../../lib/access/namespaced-preflight.js';
import { namespacedRbacObjects, namespacedRbacYaml } from '../../lib/access/namespaced-rbac.js';
import { fixtureCheckPlace, planForSuites, planLines } from '../../lib/cli/run-namespaced.js';
import { judgeSharedRuns, readPlan, scenarioLabels, suiteStem, NAMESPACE_PLAN_ENV } from '../../lib/scenario/shared-namespace.js';
import { projectRoot } from '../../lib/util/paths.js';

const OWN = 'needs a namespace of its own (create namespaces, cluster scope): its fixtures name their Services and controllers by fixed names and select pods by labels every scenario shares';
const NODE = 'needs node access (create namespaces, cluster scope, for the node agent: a privileged pod in a namespace of its own): its faults act on the node (kubelet, containerd, sandboxes)';
const none = { refusedCluster: {}, refusedLevel: {} };

describe('namespace-scoped runs: what each suite needs', () => {
  it('names only suites that exist', () => {
    for (const s of Object.keys(suiteNeeds())) expect(Object.keys(SUITES), s).to.include(s);
  });

  it('the suites with fixed object names need a namespace of their own; the node\'s chaos suites need node access; resources two cluster permissions; network the privileged level', () => {
    const needs = suiteNeeds();
    const of = (kind: string) => Object.keys(needs).filter((s) => needs[s]!.kind === kind);
    expect(of('own-namespace')).to.deep.equal(['service', 'chaos-outage', 'workloads-deployment', 'workloads-statefulset', 'workloads-daemonset', 'workloads-job', 'replace', 'concurrent-init', 'drain']);
    expect(needs.drain).to.deep.include({ why: `${(needs.replace as { why: string }).why}; and it cordons a node (patch nodes, cluster scope)` });
    expect(of('node-access')).to.deep.equal(['chaos-kill', 'chaos-sandbox', 'chaos-node', 'stale-sandbox', 'kubelet-restart-status']);
    expect(of('cluster')).to.deep.equal(['resources']);
    expect(of('pod-security')).to.deep.equal(['network']);
    const r = needs.resources!;
    expect(r.kind === 'cluster' && r.permissions.map((p) => `${p.verbs.join('/')} ${p.resource} ${p.scope.kind} ${String(p.neededBy)}: ${p.why}`)).to.deep.equal([
      'list nodes cluster resources: the nodes\' allocatable room',
      'list pods any-namespace resources: every pod\'s requests, to find the free room',
    ]);
    expect(levelOf('network')).to.equal('privileged');
    expect(levelOf('order')).to.equal('baseline');
    expect(levelOf('service')).to.equal('baseline');
  });

  it('every namespace-scoped run asks for pods, their logs and events, and Leases in each namespace; pods/resize only for resize-init', () => {
    expect(namespacedPermissions('a').map((p) => `${p.group}/${p.resource} ${p.verbs.join('/')} ${JSON.stringify(p.scope)} ${String(p.neededBy)}`)).to.deep.equal([
      '/pods create/delete/deletecollection/get/list/patch/watch {"kind":"namespace","namespace":"a"} run',
      '/pods/log get {"kind":"namespace","namespace":"a"} run',
      '/pods/resize patch {"kind":"namespace","namespace":"a"} resize-init',
      '/events list {"kind":"namespace","namespace":"a"} run',
      'coordination.k8s.io/leases create/delete/list/patch {"kind":"namespace","namespace":"a"} run',
    ]);
    expect(namespacedPermissionsFor(['a', 'b'], ['order']).map((p) => `${p.resource}@${(p.scope as { namespace: string }).namespace}`)).to.deep.equal(['pods@a', 'pods/log@a', 'events@a', 'leases@a', 'pods@b', 'pods/log@b', 'events@b', 'leases@b']);
    expect(namespacedPermissionsFor(['a'], ['resize-init']).map((p) => p.resource)).to.deep.equal(['pods', 'pods/log', 'pods/resize', 'events', 'leases']);
    expect(namespacedPermissionsFor(['a'], ['order', 'resize-init']).map((p) => p.resource)).to.deep.equal(['pods', 'pods/log', 'pods/resize', 'events', 'leases']);
  });

  it('the refusal names what is missing and where the Roles are printed', () => {
    expect(namespacedRefusal('the identity in /k', ['create pods in namespace a', 'list events in namespace b'], ['a', 'b'])).to.equal(
      'the identity in /k may not create pods in namespace a nor list events in namespace b: initc run --namespace needs them (initc rbac --namespace a,b prints the Roles)',
    );
  });

  it('the Pod Security probes: a plain root container for baseline, NET_ADMIN added for privileged', () => {
    expect(probePod('p-baseline', 'img', 'baseline')).to.deep.equal({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p-baseline' }, spec: { restartPolicy: 'Never', containers: [{ name: 'probe', image: 'img', command: ['true'] }] } });
    expect(probePod('p', 'img', 'privileged').spec!.containers[0]!.securityContext).to.deep.equal({ capabilities: { add: ['NET_ADMIN'] } });
  });
});

describe('namespace-scoped runs: the plan', () => {
  it('spreads runnable suites round-robin over the namespaces, in the order given', () => {
    const plan = planNamespaces(['order', 'never', 'validation', 'slow'], ['a', 'b'], none);
    expect(plan).to.deep.equal({ namespaces: ['a', 'b'], bySuite: { order: { namespace: 'a' }, never: { namespace: 'b' }, validation: { namespace: 'a' }, slow: { namespace: 'b' } } });
    expect(planNamespaces(['order', 'never'], ['only'], none).bySuite).to.deep.equal({ order: { namespace: 'only' }, never: { namespace: 'only' } });
  });

  it('a skipped suite takes no turn of the round-robin', () => {
    expect(planNamespaces(['order', 'service', 'never'], ['a', 'b'], none).bySuite).to.deep.equal({ order: { namespace: 'a' }, service: { skipped: OWN }, never: { namespace: 'b' } });
  });

  it('skips the suites that need a namespace of their own or node access, whatever the identity may do', () => {
    const plan = planNamespaces(['workloads-job', 'chaos-kill'], ['a'], none);
    expect(plan.bySuite).to.deep.equal({ 'workloads-job': { skipped: OWN }, 'chaos-kill': { skipped: NODE } });
  });

  it('resources runs when the identity has its cluster permissions, and is skipped naming the missing ones otherwise', () => {
    expect(planNamespaces(['resources'], ['a'], none).bySuite).to.deep.equal({ resources: { namespace: 'a' } });
    expect(planNamespaces(['resources'], ['a'], { refusedCluster: { resources: [] }, refusedLevel: {} }).bySuite).to.deep.equal({ resources: { namespace: 'a' } });
    expect(planNamespaces(['resources'], ['a'], { refusedCluster: { resources: ['list nodes (cluster scope)', 'list pods in any namespace'] }, refusedLevel: {} }).bySuite).to.deep.equal({
      resources: { skipped: 'needs list nodes (cluster scope) and list pods in any namespace, which this identity may not' },
    });
    // A refusal recorded for a suite that needs no cluster permission does not skip it.
    expect(planNamespaces(['order'], ['a'], { refusedCluster: { order: ['x'] }, refusedLevel: {} }).bySuite).to.deep.equal({ order: { namespace: 'a' } });
  });

  it('a suite goes only to namespaces that admit its Pod Security level; skipped, with each refusal, when none does', () => {
    const refusedLevel = { a: { privileged: 'violates PodSecurity "baseline:latest": non-default capabilities (NET_ADMIN)' }, b: {} };
    expect(planNamespaces(['network', 'order', 'never', 'slow'], ['a', 'b'], { refusedCluster: {}, refusedLevel }).bySuite).to.deep.equal({ network: { namespace: 'b' }, order: { namespace: 'a' }, never: { namespace: 'a' }, slow: { namespace: 'b' } });
    expect(planNamespaces(['order', 'never', 'slow'], ['a', 'b', 'c'], none).bySuite).to.deep.equal({ order: { namespace: 'a' }, never: { namespace: 'b' }, slow: { namespace: 'c' } });
    const both = { a: { privileged: 'no A' }, b: { privileged: 'no B', baseline: 'none at all' } };
    expect(planNamespaces(['network', 'order'], ['a', 'b'], { refusedCluster: {}, refusedLevel: both }).bySuite).to.deep.equal({
      network: { skipped: 'needs the privileged Pod Security level (an init container with NET_ADMIN), which every given namespace refuses (namespace a: no A; namespace b: no B)' },
      order: { namespace: 'a' },
    });
    expect(planNamespaces(['order'], ['b'], { refusedCluster: {}, refusedLevel: both }).bySuite).to.deep.equal({ order: { skipped: 'needs the baseline Pod Security level, which every given namespace refuses (namespace b: none at all)' } });
  });

  it('lines per suite, and the suites\' view of the plan by file stem', () => {
    const plan = planNamespaces(['order', 'service'], ['a'], none);
    expect(planLines(plan)).to.deep.equal(['suite order: namespace a', `✘ suite service skipped: ${OWN}`]);
    expect(planForSuites(plan, (s) => SUITES[s]!.file)).to.deep.equal({ namespaces: ['a'], files: { 'order.spec': 'a' }, skipped: { 'service.spec': OWN } });
    expect(readPlan({ [NAMESPACE_PLAN_ENV]: JSON.stringify({ namespaces: ['a'], files: {}, skipped: {} }) })).to.deep.equal({ namespaces: ['a'], files: {}, skipped: {} });
    expect(readPlan({})).to.equal(undefined);
    expect(suiteStem('/x/dist/suites/chaos/kill.spec.js')).to.equal('chaos/kill.spec');
    expect(suiteStem('/repo/suites/order.spec.ts')).to.equal('order.spec');
    expect(suiteStem('/repo/test/order.spec.ts')).to.equal(undefined);
    expect(suiteStem('/repo/suites/order.spec.mjs')).to.equal(undefined);
    expect(suiteStem(undefined)).to.equal(undefined);
  });
});

describe('namespace-scoped runs: names and labels', () => {
  it('a prefix per run and test: a letter, 7 hex digits, a dash; another run or test gives another', () => {
    const p = namePrefix('20261207-abcdef', 'order: runs in order');
    expect(p).to.match(/^i[0-9a-f]{7}-$/);
    expect(p).to.equal(namePrefix('20261207-abcdef', 'order: runs in order'));
    expect(namePrefix('20261207-abcdef', 'order: runs in order ')).to.not.equal(p);
    expect(namePrefix('20261207-abcdeg', 'order: runs in order')).to.not.equal(p);
    expect(namePrefix('r', 't')).to.equal('i9e9dd2a-');
  });

  it('a scenario\'s labels: the run\'s, its own id (the prefix less its dash), and where the Lease is', () => {
    expect(scenarioLabels('r1', 'iabcdef0-', 'a')).to.deep.equal({ 'app.kubernetes.io/managed-by': 'initc', 'initc.dev/run': 'r1', 'initc.dev/scenario-id': 'iabcdef0', 'initc.dev/lease-namespace': 'a' });
    const place = fixtureCheckPlace('r', ['a', 'b']);
    expect(place).to.deep.equal({ namespace: 'a', prefix: namePrefix('r', 'fixture-image'), labels: scenarioLabels('r', namePrefix('r', 'fixture-image'), 'a') });
  });

  it('--namespace takes comma-separated namespace names, each once', () => {
    expect(parseNamespaces(['a,b', 'c'])).to.deep.equal(['a', 'b', 'c']);
    expect(parseNamespaces([' a , b-1 '])).to.deep.equal(['a', 'b-1']);
    expect(parseNamespaces(['0'])).to.deep.equal(['0']);
    expect(parseNamespaces(['a'.repeat(63)])).to.deep.equal(['a'.repeat(63)]);
    expect(() => parseNamespaces(['a'.repeat(64)])).to.throw(`"${'a'.repeat(64)}" is not a namespace name`);
    for (const bad of ['A', 'a_b', '-a', 'a-', '', 'a,,b', 'a.b']) expect(() => parseNamespaces([bad]), bad).to.throw(/is not a namespace name$/);
    expect(() => parseNamespaces(['a,'])).to.throw('"" is not a namespace name');
    expect(() => parseNamespaces(['a,b', 'a'])).to.throw('namespace a is named twice');
    expect(() => parseNamespaces([])).to.throw('names no namespace');
  });
});

describe('namespace-scoped runs: initc rbac --namespace', () => {
  it('a Role and a RoleBinding per namespace, nothing cluster-wide', () => {
    const objects = namespacedRbacObjects(['a', 'b'], { namespace: 'ci', name: 'r' }) as Array<{ kind: string; metadata: { namespace: string } }>;
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}`)).to.deep.equal(['Role a', 'RoleBinding a', 'Role b', 'RoleBinding b']);
  });

  it('prints as test/fixtures/rbac/initc-rbac-namespaced.yaml (review a change there: it is what namespace owners apply)', async () => {
    const golden = await fs.readFile(path.join(projectRoot(), 'test', 'fixtures', 'rbac', 'initc-rbac-namespaced.yaml'), 'utf8');
    expect(namespacedRbacYaml(['team-a', 'team-b'], { namespace: 'ci', name: 'initc' })).to.equal(golden);
  });

  it('says when the account is the placeholder', () => {
    expect(namespacedRbacYaml(['a']).split('\n')[1]).to.equal('# Bound to the ServiceAccount CI-NAMESPACE/CI-SERVICE-ACCOUNT (a placeholder: name yours with --service-account NAMESPACE/NAME).');
  });
});

describe('namespace-scoped runs: the reaper in shared namespaces', () => {
  const at = Date.parse('2026-12-07T10:00:00Z');
  const lease = (run: string, namespace: string, renewed: string): V1Lease => ({
    metadata: { name: `run-${run}`, namespace, labels: { 'initc.dev/run': run } },
    spec: { holderIdentity: 'h/1', leaseDurationSeconds: 40, renewTime: renewed as unknown as Date },
  });
  const pod = (runId: string, namespace = 'a', o: { kept?: boolean; leaseNamespace?: string } = {}) => ({ namespace, runId, kept: o.kept ?? false, leaseNamespace: o.leaseNamespace ?? 'a' });

  it('keeps this run, kept pods, live runs, and runs whose Lease it cannot see; removes the rest and their expired Leases', () => {
    const plan = judgeSharedRuns(
      [pod('me'), pod('live', 'b'), pod('kept', 'a', { kept: true }), pod('elsewhere', 'b', { leaseNamespace: 'z' }), pod('expired'), pod('none', 'b'), pod('none', 'b'), pod('old-format', 'a', { leaseNamespace: undefined })].map((p) => (p.runId === 'old-format' ? { ...p, leaseNamespace: undefined } : p)),
      [lease('live', 'a', '2026-12-07T09:59:50.000000Z'), lease('expired', 'a', '2026-12-07T09:59:19.000000Z'), lease('me', 'a', '2026-12-07T09:00:00.000000Z')],
      { namespaces: ['a', 'b'], at, except: 'me' },
    );
    expect(plan.keep).to.deep.equal([
      { namespace: 'a', runId: 'me', why: 'this run' },
      { namespace: 'b', runId: 'live', why: 'its run is alive (Lease held by h/1, renewed 2026-12-07T09:59:50.000000Z)' },
      { namespace: 'a', runId: 'kept', why: 'kept for debugging (--keep-on-failure); delete its pods by hand when done' },
      { namespace: 'b', runId: 'elsewhere', why: 'its run\'s Lease is in namespace z, which is not among those given' },
    ]);
    expect(plan.reap).to.deep.equal([
      { namespace: 'a', runId: 'expired', why: 'its run\'s Lease expired (last renewed 2026-12-07T09:59:19.000000Z)' },
      { namespace: 'b', runId: 'none', why: 'its run holds no Lease' },
      { namespace: 'a', runId: 'old-format', why: 'its run holds no Lease' },
    ]);
    expect(plan.deadLeases).to.deep.equal([{ namespace: 'a', name: 'run-expired' }]);
  });

  it('a live Lease whose holder process on this machine is gone: its pods and Lease are removed at once', () => {
    const l = lease('killed', 'a', '2026-12-07T09:59:55.000000Z');
    const plan = judgeSharedRuns([pod('killed')], [l], { namespaces: ['a'], at, gone: new Map([[l, 'its process 42 on this machine is gone']]) });
    expect(plan.reap).to.deep.equal([{ namespace: 'a', runId: 'killed', why: 'its process 42 on this machine is gone; its Lease was last renewed 2026-12-07T09:59:55.000000Z' }]);
    expect(plan.deadLeases).to.deep.equal([{ namespace: 'a', name: 'run-killed' }]);
    const alive = judgeSharedRuns([pod('killed')], [l], { namespaces: ['a'], at, gone: new Map([[l, undefined]]) });
    expect(alive.reap).to.deep.equal([]);
    expect(alive.deadLeases).to.deep.equal([]);
  });

  it('a Lease just within its 40 s is alive; a pod whose Lease is among the given namespaces but absent is reaped', () => {
    const plan = judgeSharedRuns([pod('edge'), pod('gone', 'b', { leaseNamespace: 'b' })], [lease('edge', 'a', '2026-12-07T09:59:20.000000Z')], { namespaces: ['a', 'b'], at });
    expect(plan.keep.map((k) => k.runId)).to.deep.equal(['edge']);
    expect(plan.reap).to.deep.equal([{ namespace: 'b', runId: 'gone', why: 'its run holds no Lease' }]);
    expect(plan.deadLeases).to.deep.equal([]);
  });
});

describe('namespace-scoped checks: initc check --namespace', () => {
  it('a collection path names its group and resource', () => {
    expect(resourceOfPath('/apis/apps/v1/namespaces/team-a/deployments')).to.deep.equal({ group: 'apps', resource: 'deployments' });
    expect(resourceOfPath('/api/v1/namespaces/x/configmaps')).to.deep.equal({ group: '', resource: 'configmaps' });
    for (const bad of ['/api/v1/configmaps', '/apis/apps/v1/namespaces/x/deployments/web', 'x/api/v1/namespaces/x/pods']) expect(() => resourceOfPath(bad), bad).to.throw(`${bad} is not a namespaced collection path`);
  });

  it('asks for every run\'s rows, create/delete/get of each kind once (pods are already there), and exec only when asked', () => {
    const rows = checkNamespacePermissions('ns', [{ group: 'apps', resource: 'deployments' }, { group: '', resource: 'services' }, { group: 'apps', resource: 'deployments' }, { group: '', resource: 'pods' }], { exec: true });
    expect(rows.map((p) => `${p.group}/${p.resource} ${p.verbs.join('/')} ${(p.scope as { namespace: string }).namespace} ${String(p.neededBy)}`)).to.deep.equal([
      '/pods create/delete/deletecollection/get/list/patch/watch ns run',
      '/pods/log get ns run',
      '/events list ns run',
      'coordination.k8s.io/leases create/delete/list/patch ns run',
      'apps/deployments create/delete/get ns check',
      '/services create/delete/get ns check',
      '/pods/exec create ns check',
    ]);
    expect(rows[4]!.why).to.equal('the manifests\' objects, applied and deleted');
    expect(rows[6]!.why).to.equal('--probe, and the outage\'s DNS prober');
    expect(checkNamespacePermissions('ns', [], { exec: false }).map((p) => p.resource)).to.deep.equal(['pods', 'pods/log', 'events', 'leases']);
  });


  it('--namespace of a check: one namespace name; otherwise a usage error (exit 2)', () => {
    expect(checkNamespace(undefined)).to.equal(undefined);
    expect(checkNamespace(['team-a'])).to.equal('team-a');
    const usage = (v: string[]) => {
      try {
        checkNamespace(v);
      } catch (err) {
        return [(err as InitcError).exitCode, (err as Error).message];
      }
      return undefined;
    };
    expect(usage(['a,b'])).to.deep.equal([2, '--namespace: a check runs in one namespace, not a, b']);
    expect(usage(['A'])).to.deep.equal([2, '--namespace: "A" is not a namespace name']);
    expect(new InitcError('usage', 'x').exitCode).to.equal(2);
  });
});
