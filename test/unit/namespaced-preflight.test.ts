/**
 * The namespace-scoped preflight against a fake API server: the reviews it asks (per namespace,
 * plus the cluster permissions of the suites that need some), the one line when a namespace
 * permission is refused, the skips of suites whose cluster permissions are refused, and the Pod
 * Security dry runs (what a 403 says becomes the skip's reason; any other answer stops the run).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { KubeConfig } from '@kubernetes/client-node';
import { checkNamespacePreflight, namespacedPreflight, probePod, refusalOfLevel } from '../../lib/access/namespaced-preflight.js';
import { checkNamespacePermissions } from '../../lib/access/namespaced.js';
import { ExitCode, InitcError } from '../../lib/errors.js';

interface Review {
  resourceAttributes?: { resource: string; subresource?: string; verb: string; namespace?: string };
  nonResourceAttributes?: { path: string; verb: string };
}

const PSA = 'pods "i1234567-pod-security-privileged" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "probe" must not include "NET_ADMIN" in securityContext.capabilities.add)';

describe('namespace-scoped preflight against an API server', () => {
  let server: http.Server;
  let kc: KubeConfig;
  let allow: (spec: Review) => boolean;
  /** Answer to a dry-run pod: [status, message] by namespace and whether it asks NET_ADMIN. */
  let admit: (namespace: string, privileged: boolean) => [number, string];
  let requests: string[] = [];
  /** Names of the dry-run pods asked about. */
  let probed: string[] = [];
  /** The reviews' answer status (201: answered). */
  let reviewStatus = 201;

  before(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        const body = JSON.parse(text);
        requests.push(`${req.method} ${req.url}`);
        const pods = /^\/api\/v1\/namespaces\/([^/]+)\/pods\?dryRun=All$/.exec(req.url ?? '');
        if (pods) {
          probed.push(body.metadata.name);
          const [status, message] = admit(pods[1]!, JSON.stringify(body).includes('NET_ADMIN'));
          res.writeHead(status, { 'Content-Type': 'application/json' });
          // A message of '-' stands for an answer that is no JSON at all.
          res.end(message === '-' ? 'not json' : message === 'null' ? 'null' : JSON.stringify(status === 201 ? body : { kind: 'Status', message }));
          return;
        }
        if (reviewStatus !== 201) {
          res.writeHead(reviewStatus, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ message: 'selfsubjectaccessreviews.authorization.k8s.io is forbidden' }));
          return;
        }
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ...body, status: { allowed: allow(body.spec) } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  });
  beforeEach(() => {
    requests = [];
    probed = [];
    reviewStatus = 201;
    admit = () => [201, ''];
  });
  after(() => server.close());

  const inNamespace = (s: Review) => s.resourceAttributes?.namespace !== undefined;
  const run = (suites: string[], namespaces = ['a', 'b']) => namespacedPreflight(kc, { identity: 'me', suites, namespaces, probeName: 'p-', image: 'img' });

  it('all allowed and admitted: the suites spread over the namespaces, no note; one review per verb and namespace, one dry run per level and namespace', async () => {
    allow = () => true;
    const r = await run(['order', 'never', 'resources']);
    expect(r).to.deep.equal({ plan: { namespaces: ['a', 'b'], bySuite: { order: { namespace: 'a' }, never: { namespace: 'b' }, resources: { namespace: 'a' } } }, notes: [] });
    const reviews = requests.filter((q) => q === 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews').length;
    // pods 7 + pods/log 1 + events 1 + leases 4, in each of 2 namespaces; resources' list nodes and list pods.
    expect(reviews).to.equal(2 * 13 + 2);
    expect(requests.filter((q) => q.includes('dryRun'))).to.deep.equal(['POST /api/v1/namespaces/a/pods?dryRun=All', 'POST /api/v1/namespaces/b/pods?dryRun=All']);
    expect(probed).to.deep.equal(['p-baseline', 'p-baseline']);
  });

  it('a chaos suite adds no node agent\'s pods/exec; network adds a privileged dry run per namespace', async () => {
    allow = () => true;
    await run(['chaos-kill', 'network'], ['a']);
    expect(requests.filter((q) => q.includes('selfsubjectaccessreviews')).length).to.equal(13);
    expect(probed).to.deep.equal(['p-baseline', 'p-privileged']);
  });

  it('the API server refusing to be asked: exit 7 saying so', async () => {
    reviewStatus = 403;
    const err = await run(['order'], ['a']).then(() => undefined, (e: unknown) => e);
    expect((err as InitcError).exitCode).to.equal(ExitCode.kubeconfig);
    expect((err as InitcError).message).to.equal('cannot ask the API server what me may do (SelfSubjectAccessReview): POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: HTTP 403: selfsubjectaccessreviews.authorization.k8s.io is forbidden');
  });

  it('a namespace permission refused: exit 7, one line naming each refusal and the Roles', async () => {
    allow = (s) => !(s.resourceAttributes?.namespace === 'b' && (s.resourceAttributes.resource === 'leases' || s.resourceAttributes.verb === 'deletecollection'));
    const err = await run(['order']).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(InitcError);
    expect((err as InitcError).exitCode).to.equal(ExitCode.kubeconfig);
    expect((err as InitcError).message).to.equal(
      'me may not deletecollection pods in namespace b nor create/delete/list/patch leases.coordination.k8s.io in namespace b: initc run --namespace needs them (initc rbac --namespace a,b prints the Roles)',
    );
    expect(requests.some((q) => q.includes('dryRun'))).to.equal(false);
  });

  it('pods/resize is asked only when resize-init runs, and its refusal stops the run', async () => {
    allow = (s) => s.resourceAttributes?.subresource !== 'resize' && inNamespace(s);
    const err = await run(['resize-init'], ['a']).then(() => undefined, (e: unknown) => e);
    expect((err as InitcError).message).to.equal('me may not patch pods/resize in namespace a (suite resize-init): initc run --namespace needs them (initc rbac --namespace a prints the Roles)');
  });

  it('cluster permissions refused: resources skipped naming them; the gates\' permissions a note, the gated suite still runs', async () => {
    allow = inNamespace;
    const r = await run(['resources', 'env-files'], ['a']);
    expect(r.plan.bySuite).to.deep.equal({ resources: { skipped: 'needs list nodes (cluster scope) and list pods in any namespace, which this identity may not' }, 'env-files': { namespace: 'a' } });
    expect(r.notes).to.deep.equal([
      'me may not get nodes/proxy (cluster scope) (suites restart-rules, restart-all, backoff-config, kubelet-restart-status, env-files, resize-init): the tests that must know the kubelets\' gates or back-off configuration are skipped',
      'me may not get /metrics (cluster scope) (suites env-files, restart-rules, restart-all, resize-init): the tests that must know the API server\'s gates are skipped',
    ]);
  });

  it('a namespace refusing NET_ADMIN: network goes to the other; both refusing: skipped with what each said', async () => {
    allow = () => true;
    admit = (ns, privileged) => (privileged && ns === 'a' ? [403, PSA] : [201, '']);
    expect((await run(['network', 'order'])).plan.bySuite).to.deep.equal({ network: { namespace: 'b' }, order: { namespace: 'a' } });
    admit = (_ns, privileged) => (privileged ? [403, PSA] : [201, '']);
    const why = 'violates PodSecurity "baseline:latest": non-default capabilities (container "probe" must not include "NET_ADMIN" in securityContext.capabilities.add)';
    expect((await run(['network'])).plan.bySuite).to.deep.equal({
      network: { skipped: `needs the privileged Pod Security level (an init container with NET_ADMIN), which every given namespace refuses (namespace a: ${why}; namespace b: ${why})` },
    });
  });

  it('a dry run answered otherwise than 201 or 403 stops the run (exit 7), saying which namespace', async () => {
    allow = () => true;
    admit = () => [500, 'etcd is down'];
    const err = await run(['order'], ['a']).then(() => undefined, (e: unknown) => e);
    expect((err as InitcError).exitCode).to.equal(ExitCode.kubeconfig);
    expect((err as InitcError).message).to.equal('cannot ask namespace a whether it admits pods (a dry-run create): POST /api/v1/namespaces/a/pods?dryRun=All: HTTP 500: etcd is down');
  });

  it('refusalOfLevel: the 403\'s message without its "pods … is forbidden: " head; a 403 without a message: the error\'s first line', async () => {
    admit = () => [403, PSA];
    expect(await refusalOfLevel(kc, 'a', probePod('p', 'img', 'privileged'))).to.equal('violates PodSecurity "baseline:latest": non-default capabilities (container "probe" must not include "NET_ADMIN" in securityContext.capabilities.add)');
    admit = () => [403, 'quota exceeded'];
    expect(await refusalOfLevel(kc, 'a', probePod('p', 'img', 'baseline'))).to.equal('quota exceeded');
    admit = () => [403, 'a webhook: pods "x" is forbidden: no'];
    expect(await refusalOfLevel(kc, 'a', probePod('p', 'img', 'baseline'))).to.equal('a webhook: pods "x" is forbidden: no');
    admit = () => [403, 'null'];
    expect(await refusalOfLevel(kc, 'a', probePod('p', 'img', 'baseline'))).to.equal('POST /api/v1/namespaces/a/pods?dryRun=All: HTTP 403: null');
    admit = () => [403, '-'];
    expect(await refusalOfLevel(kc, 'a', probePod('p', 'img', 'baseline'))).to.match(/^POST \/api\/v1\/namespaces\/a\/pods\?dryRun=All: HTTP 403/);
    admit = () => [201, ''];
    expect(await refusalOfLevel(kc, 'a', probePod('p', 'img', 'baseline'))).to.equal(undefined);
  });

  it('initc check --namespace: all allowed passes; a refusal is exit 7 naming it; the API server refusing to be asked says so', async () => {
    const rows = checkNamespacePermissions('a', [{ group: 'apps', resource: 'deployments' }], { exec: false });
    allow = () => true;
    await checkNamespacePreflight(kc, { identity: 'me', namespace: 'a', permissions: rows });
    expect(requests.length).to.equal(13 + 3);
    allow = (s) => s.resourceAttributes?.resource !== 'deployments' || s.resourceAttributes.verb !== 'delete';
    const err = await checkNamespacePreflight(kc, { identity: 'me', namespace: 'a', permissions: rows }).then(() => undefined, (e: unknown) => e);
    expect((err as InitcError).exitCode).to.equal(ExitCode.kubeconfig);
    expect((err as InitcError).message).to.equal('me may not delete deployments.apps in namespace a: initc check --namespace needs them');
    reviewStatus = 403;
    const asked = await checkNamespacePreflight(kc, { identity: 'me', namespace: 'a', permissions: rows }).then(() => undefined, (e: unknown) => e);
    expect((asked as InitcError).exitCode).to.equal(ExitCode.kubeconfig);
    expect((asked as InitcError).message).to.equal('cannot ask the API server what me may do (SelfSubjectAccessReview): POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews: HTTP 403: selfsubjectaccessreviews.authorization.k8s.io is forbidden');
  });
});
