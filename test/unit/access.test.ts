/**
 * The permission table, the preflight's decision (the API server's answers → what is missing → the
 * one line), and `initc rbac`'s YAML from the same table.
 */
import { expect } from 'chai';
import yaml from 'js-yaml';
import { SUITES } from '../../lib/cli/suite-table.js';
import type { Permission } from '../../lib/access/permissions.js';
import { ANY_NAMESPACE, CLUSTER, LEASES, permissions, isUrl, permissionsFor, resourceName, scopeWords } from '../../lib/access/permissions.js';
import { describeMissing, identityWords, missingOf, norList, optionalNotes, preflight, questionsOf, refusalMessage, reviewOf } from '../../lib/access/preflight.js';
import { PLACEHOLDER_ACCOUNT, neededByWords, parseServiceAccount, rbacObjects, rbacYaml, rulesOf } from '../../lib/access/rbac-yaml.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../lib/util/paths.js';
import { ExitCode, InitcError } from '../../lib/errors.js';
import { KubeConfig } from '@kubernetes/client-node';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { initc } from '../support/cli.js';

const perm = (p: Partial<Permission> & Pick<Permission, 'resource' | 'verbs'>): Permission => ({ group: '', scope: CLUSTER, neededBy: 'run', why: 'test', ...p });
const namespaces = perm({ resource: 'namespaces', verbs: ['create', 'list'] });
const leases = perm({ group: 'coordination.k8s.io', resource: 'leases', verbs: ['create'], scope: LEASES });
const logs = perm({ resource: 'pods/log', verbs: ['get'], scope: ANY_NAMESPACE });
const proxy = perm({ resource: 'nodes/proxy', verbs: ['get'], neededBy: ['env-files'], withoutIt: 'the gated tests are skipped' });
const metrics = perm({ resource: '/metrics', verbs: ['get'], neededBy: ['env-files', 'restart-all'], withoutIt: 'the API server gate tests are skipped' });
const deployments = perm({ group: 'apps', resource: 'deployments', verbs: ['create', 'watch'], scope: ANY_NAMESPACE, neededBy: ['workloads-deployment'] });

describe('permission table', () => {
  it('names only suites that exist, and only resources with verbs', () => {
    for (const p of permissions()) {
      expect(p.verbs.length, p.resource).to.be.greaterThan(0);
      if (typeof p.neededBy !== 'string') for (const s of p.neededBy) expect(Object.keys(SUITES), `${p.resource}: ${s}`).to.include(s);
    }
  });

  it('every run needs its namespaces, its Lease in initc-runs, nodes, pods, logs, events and service accounts; nothing optional among them', () => {
    const every = permissions().filter((p) => p.neededBy === 'run');
    expect(every.map((p) => `${resourceName(p)} ${scopeWords(p.scope)} ${p.verbs.join('/')}`)).to.deep.equal([
      'namespaces (cluster scope) create/delete/get/list/patch',
      'leases.coordination.k8s.io in namespace initc-runs create/delete/list/patch',
      'nodes (cluster scope) get/list',
      'pods in any namespace create/delete/get/list/watch',
      'pods/log in any namespace get',
      'events in any namespace list',
      'serviceaccounts in any namespace list/watch',
    ]);
    expect(every.filter((p) => p.withoutIt)).to.deep.equal([]);
  });

  it('a run of order asks only what every run needs; the suites add their own; the node agent adds pods/exec', () => {
    const names = (ps: Permission[]) => ps.map(resourceName);
    const base = ['namespaces', 'leases.coordination.k8s.io', 'nodes', 'pods', 'pods/log', 'events', 'serviceaccounts'];
    expect(names(permissionsFor({ run: ['order'], nodeAgent: false }))).to.deep.equal(base);
    expect(names(permissionsFor({ run: ['order'], nodeAgent: true }))).to.deep.equal(base);
    expect(names(permissionsFor({ run: ['workloads-deployment'], nodeAgent: false }))).to.deep.equal([...base, 'services', 'services/proxy', 'deployments.apps']);
    expect(names(permissionsFor({ run: ['restart-all'], nodeAgent: false }))).to.deep.equal([...base, 'nodes/proxy', '/metrics']);
    expect(names(permissionsFor({ run: ['chaos-kill'], nodeAgent: false }))).to.deep.equal(base);
    expect(names(permissionsFor({ run: ['chaos-kill'], nodeAgent: true }))).to.deep.equal([...base, 'pods/exec']);
    expect(names(permissionsFor({ check: true }))).to.deep.equal([...base, 'pods/exec', 'services', 'configmaps', 'pods/eviction', 'deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'deployments.apps/scale', 'statefulsets.apps/scale', 'replicasets.apps/scale', 'nodes']);
  });

  it('names resources as kubectl auth can-i does, and scopes in words', () => {
    expect(resourceName(deployments)).to.equal('deployments.apps');
    expect(resourceName(perm({ group: 'apps', resource: 'deployments/scale', verbs: ['get'] }))).to.equal('deployments.apps/scale');
    expect(resourceName(logs)).to.equal('pods/log');
    expect(resourceName(metrics)).to.equal('/metrics');
    expect(isUrl(metrics)).to.equal(true);
    expect(isUrl(logs)).to.equal(false);
    expect(scopeWords(CLUSTER)).to.equal('(cluster scope)');
    expect(scopeWords(ANY_NAMESPACE)).to.equal('in any namespace');
    expect(scopeWords({ kind: 'namespace', namespace: 'kube-system' })).to.equal('in namespace kube-system');
  });
});

describe('preflight decision', () => {
  it('asks one review per verb: resource, subresource, namespace or URL', () => {
    const qs = questionsOf([namespaces, leases, logs, metrics]);
    expect(qs.map((q) => reviewOf(q).spec)).to.deep.equal([
      { resourceAttributes: { group: '', resource: 'namespaces', verb: 'create' } },
      { resourceAttributes: { group: '', resource: 'namespaces', verb: 'list' } },
      { resourceAttributes: { group: 'coordination.k8s.io', resource: 'leases', verb: 'create', namespace: 'initc-runs' } },
      { resourceAttributes: { group: '', resource: 'pods', subresource: 'log', verb: 'get' } },
      { nonResourceAttributes: { path: '/metrics', verb: 'get' } },
    ]);
    expect(reviewOf(qs[0]!)).to.include({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview' });
  });

  it('everything allowed: nothing missing', () => {
    const qs = questionsOf([namespaces, proxy]);
    expect(missingOf(qs, [true, true, true])).to.deep.equal({ required: [], optional: [] });
  });

  it('refused verbs gather per permission; an answer that is not true counts as refused; optional ones apart', () => {
    const qs = questionsOf([namespaces, leases, proxy]);
    expect(missingOf(qs, [false, true, false, false])).to.deep.equal({ required: [{ permission: namespaces, verbs: ['create'] }, { permission: leases, verbs: ['create'] }], optional: [{ permission: proxy, verbs: ['get'] }] });
    expect(missingOf(qs, [true, false, true])).to.deep.equal({ required: [{ permission: namespaces, verbs: ['list'] }], optional: [{ permission: proxy, verbs: ['get'] }] });
  });

  it('the one line names each missing permission, where, and for which suites', () => {
    const id = identityWords('/tmp/k', 'ci');
    expect(id).to.equal('the identity of context "ci" in /tmp/k');
    expect(identityWords('/tmp/k')).to.equal('the identity in /tmp/k');
    expect(refusalMessage(id, 'run', [{ permission: namespaces, verbs: ['create'] }])).to.equal('the identity of context "ci" in /tmp/k may not create namespaces (cluster scope): initc run needs them (initc rbac prints the ClusterRole)');
    expect(refusalMessage(id, 'run', [{ permission: namespaces, verbs: ['create', 'list'] }, { permission: leases, verbs: ['create'] }])).to.equal(
      'the identity of context "ci" in /tmp/k may not create/list namespaces (cluster scope) nor create leases.coordination.k8s.io in namespace initc-runs: initc run needs them (initc rbac prints the ClusterRole)',
    );
    expect(refusalMessage(id, 'check', [{ permission: namespaces, verbs: ['create'] }, { permission: logs, verbs: ['get'] }, { permission: deployments, verbs: ['watch'] }])).to.equal(
      'the identity of context "ci" in /tmp/k may not create namespaces (cluster scope), get pods/log in any namespace nor watch deployments.apps in any namespace (suite workloads-deployment): initc check needs them (initc rbac prints the ClusterRole)',
    );
    expect(describeMissing({ permission: metrics, verbs: ['get'] })).to.equal('get /metrics (cluster scope) (suites env-files, restart-all)');
    expect(norList([])).to.equal('');
    expect(norList(['a'])).to.equal('a');
    expect(norList(['a', 'b'])).to.equal('a nor b');
    expect(norList(['a', 'b', 'c'])).to.equal('a, b nor c');
  });

  it('an optional permission is a note naming what is skipped', () => {
    expect(optionalNotes('the identity in /k', [{ permission: proxy, verbs: ['get'] }])).to.deep.equal(['the identity in /k may not get nodes/proxy (cluster scope) (suite env-files): the gated tests are skipped']);
  });

  describe('against an API server', () => {
    let server: http.Server;
    let kc: KubeConfig;
    let allow: (spec: { resourceAttributes?: { resource: string; verb: string }; nonResourceAttributes?: { path: string } }) => boolean;
    let status = 201;
    let withStatus = true;
    let bodies: unknown[] = [];

    before(async () => {
      server = http.createServer((req, res) => {
        let text = '';
        req.on('data', (c) => (text += c));
        req.on('end', () => {
          const review = JSON.parse(text);
          bodies.push({ method: req.method, url: req.url, review });
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(status === 201 ? { ...review, ...(withStatus ? { status: { allowed: allow(review.spec) } } : {}) } : { message: 'selfsubjectaccessreviews.authorization.k8s.io is forbidden' }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      kc = new KubeConfig();
      kc.loadFromOptions({ clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    });
    beforeEach(() => {
      status = 201;
      withStatus = true;
      bodies = [];
    });
    after(() => server.close());

    it('all allowed: no note, one POST per verb', async () => {
      allow = () => true;
      expect(await preflight(kc, { identity: 'me', command: 'run', permissions: [namespaces, proxy] })).to.deep.equal([]);
      expect(bodies.map((b) => (b as { method: string; url: string }).method + ' ' + (b as { url: string }).url)).to.deep.equal(Array(3).fill('POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews'));
    });

    it('a required permission refused: InitcError exit 7 with the line; an optional one: a note', async () => {
      allow = (s) => s.resourceAttributes?.verb !== 'list';
      const err = await preflight(kc, { identity: 'me', command: 'run', permissions: [namespaces, proxy] }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(InitcError);
      expect((err as InitcError).exitCode).to.equal(ExitCode.kubeconfig);
      expect((err as InitcError).message).to.equal('me may not list namespaces (cluster scope): initc run needs them (initc rbac prints the ClusterRole)');
      allow = (s) => s.resourceAttributes?.resource !== 'nodes';
      expect(await preflight(kc, { identity: 'me', command: 'run', permissions: [namespaces, proxy] })).to.deep.equal(['me may not get nodes/proxy (cluster scope) (suite env-files): the gated tests are skipped']);
    });

    it('an answer without a status is a refusal', async () => {
      allow = () => true;
      withStatus = false;
      const err = await preflight(kc, { identity: 'me', command: 'run', permissions: [leases] }).then(() => undefined, (e: unknown) => e);
      expect((err as InitcError).message).to.equal('me may not create leases.coordination.k8s.io in namespace initc-runs: initc run needs them (initc rbac prints the ClusterRole)');
    });

    it('the API server refusing to be asked: exit 7 saying so', async () => {
      status = 403;
      const err = await preflight(kc, { identity: 'me', command: 'check', permissions: [namespaces] }).then(() => undefined, (e: unknown) => e);
      expect((err as InitcError).exitCode).to.equal(ExitCode.kubeconfig);
      expect((err as InitcError).message).to.equal('cannot ask the API server what me may do (SelfSubjectAccessReview): POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: HTTP 403: selfsubjectaccessreviews.authorization.k8s.io is forbidden');
    });
  });
});

describe('initc rbac YAML', () => {
  it('one rule per resource, verbs merged and sorted; URLs as nonResourceURLs', () => {
    const more = perm({ resource: 'namespaces', verbs: ['delete', 'create'], neededBy: 'check' });
    expect(rulesOf([namespaces, metrics, more])).to.deep.equal([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['create', 'delete', 'list'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
    // Same resource name in another group is another rule.
    expect(rulesOf([namespaces, perm({ group: 'x.io', resource: 'namespaces', verbs: ['get'] })])).to.have.length(2);
  });

  it('a ClusterRole and its binding; a Role and binding per fixed namespace; the Leases\' namespace made', () => {
    const account = { namespace: 'ci', name: 'runner' };
    const objects = rbacObjects(account, [namespaces, leases, logs, perm({ resource: 'configmaps', verbs: ['get'], scope: { kind: 'namespace', namespace: 'kube-system' } })]) as Array<Record<string, any>>;
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)).to.deep.equal([
      'ClusterRole /initc',
      'ClusterRoleBinding /initc',
      'Namespace /initc-runs',
      'Role initc-runs/initc',
      'RoleBinding initc-runs/initc',
      'Role kube-system/initc',
      'RoleBinding kube-system/initc',
    ]);
    expect(objects[0]!.rules).to.deep.equal([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['create', 'list'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    ]);
    expect(objects[1]).to.deep.include({ roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'initc' }, subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: 'ci' }] });
    expect(objects[3]!.rules).to.deep.equal([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] }]);
    expect(objects[4]).to.deep.include({ roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'initc' }, subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace: 'ci' }] });
    expect(objects[5]!.rules).to.deep.equal([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]);
  });

  it('the printed YAML is the table: every permission granted in its scope', () => {
    const docs = yaml.loadAll(rbacYaml({ namespace: 'ci', name: 'runner' })) as Array<Record<string, any>>;
    const granted = (scopeNs: string | undefined, p: Permission) =>
      docs
        .filter((d) => (scopeNs ? d.kind === 'Role' && d.metadata.namespace === scopeNs : d.kind === 'ClusterRole'))
        .flatMap((d) => d.rules as Array<Record<string, string[]>>)
        .some((r) => (isUrl(p) ? r.nonResourceURLs?.includes(p.resource) : r.apiGroups?.includes(p.group) && r.resources?.includes(p.resource)) && p.verbs.every((v) => r.verbs!.includes(v)));
    for (const p of permissions()) expect(granted(p.scope.kind === 'namespace' ? p.scope.namespace : undefined, p), `${resourceName(p)} ${scopeWords(p.scope)}`).to.equal(true);
    expect(docs.filter((d) => d.kind === 'ClusterRole')).to.have.length(1);
  });

  it('the whole YAML of a small table, as printed', () => {
    expect(rbacYaml({ namespace: 'ci', name: 'r' }, [namespaces, leases, metrics])).to.equal(`# What a full \`initc run\` (every suite) and \`initc check\` need, generated from initc's permission table.
# Bound to the ServiceAccount ci/r.
# Apply with: kubectl apply -f -
# What each permission is for:
#   create/list namespaces (cluster scope), every run: test
#   create leases.coordination.k8s.io in namespace initc-runs, every run: test
#   get /metrics (cluster scope), suites env-files, restart-all: test (optional: without it the API server gate tests are skipped)
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: initc
  labels:
    app.kubernetes.io/managed-by: initc
rules:
  - apiGroups: ['']
    resources: [namespaces]
    verbs: [create, list]
  - nonResourceURLs: [/metrics]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: initc
  labels:
    app.kubernetes.io/managed-by: initc
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: initc
subjects:
  - kind: ServiceAccount
    name: r
    namespace: ci
---
apiVersion: v1
kind: Namespace
metadata:
  name: initc-runs
  labels:
    initc.dev/leases: 'true'
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: initc
  namespace: initc-runs
  labels:
    app.kubernetes.io/managed-by: initc
rules:
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: initc
  namespace: initc-runs
  labels:
    app.kubernetes.io/managed-by: initc
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: initc
subjects:
  - kind: ServiceAccount
    name: r
    namespace: ci
`);
  });

  it('says whom it binds, and that the default is a placeholder', () => {
    expect(rbacYaml({ namespace: 'ci', name: 'runner' }).split('\n').slice(0, 4)).to.deep.equal([
      '# What a full `initc run` (every suite) and `initc check` need, generated from initc\'s permission table.',
      '# Bound to the ServiceAccount ci/runner.',
      '# Apply with: kubectl apply -f -',
      '# What each permission is for:',
    ]);
    expect(rbacYaml().split('\n')[1]).to.equal('# Bound to the ServiceAccount CI-NAMESPACE/CI-SERVICE-ACCOUNT (a placeholder: name yours with --service-account NAMESPACE/NAME).');
    expect(PLACEHOLDER_ACCOUNT).to.deep.equal({ namespace: 'CI-NAMESPACE', name: 'CI-SERVICE-ACCOUNT' });
  });

  it('who needs a permission, in words', () => {
    expect(neededByWords(namespaces)).to.equal('every run');
    expect(neededByWords(perm({ resource: 'x', verbs: ['get'], neededBy: 'check' }))).to.equal('initc check');
    expect(neededByWords(proxy)).to.equal('suite env-files');
    expect(neededByWords(metrics)).to.equal('suites env-files, restart-all');
  });

  it('the real table prints as test/fixtures/rbac/initc-rbac.yaml (review a change there: it is what cluster owners apply)', async () => {
    const golden = await fs.readFile(path.join(projectRoot(), 'test', 'fixtures', 'rbac', 'initc-rbac.yaml'), 'utf8');
    expect(rbacYaml({ namespace: 'ci', name: 'initc' })).to.equal(golden);
  });

  it('--service-account is NAMESPACE/NAME', () => {
    expect(parseServiceAccount('ci/runner')).to.deep.equal({ namespace: 'ci', name: 'runner' });
    expect(parseServiceAccount('a-1/b.c')).to.deep.equal({ namespace: 'a-1', name: 'b.c' });
    expect(parseServiceAccount('a/b')).to.deep.equal({ namespace: 'a', name: 'b' });
    for (const bad of ['runner', 'ci/', '/runner', 'Ci/runner', 'ci/runner/x', ' ci/runner', 'ci/runner-']) expect(() => parseServiceAccount(bad), bad).to.throw(`"${bad}" is not NAMESPACE/NAME of a ServiceAccount`);
  });
});

describe('initc rbac on the command line', function () {
  this.timeout(60_000);

  it('prints the table\'s YAML for the ServiceAccount named; a bad name exits 2 with one line', async () => {
    const r = await initc(['rbac', '--service-account', 'ci/runner'], { stripFinalNewline: false });
    expect(r.exitCode, String(r.stderr)).to.equal(0);
    expect(String(r.stdout)).to.equal(rbacYaml({ namespace: 'ci', name: 'runner' }));
    const placeholder = await initc(['rbac'], { stripFinalNewline: false });
    expect(String(placeholder.stdout)).to.equal(rbacYaml());
    const bad = await initc(['rbac', '--service-account', 'runner'], { stripFinalNewline: false });
    expect(bad.exitCode).to.equal(ExitCode.usage);
    expect(String(bad.stderr)).to.equal('initc: --service-account: "runner" is not NAMESPACE/NAME of a ServiceAccount\n');
  });
});
