/**
 * A namespace-scoped run on an embedded cluster of its own (named `nst`, up in before(), down in
 * after()): a ServiceAccount bound only to the Roles `initc rbac --namespace` prints, in two
 * namespaces that enforce the baseline Pod Security level, its token in a kubeconfig. `initc run
 * --namespace` passes what it may run, skips resources (it may not list nodes) and network (the
 * namespaces refuse NET_ADMIN) naming why, makes no namespace and leaves no object of initc's; the
 * same identity without --namespace is stopped at once (exit 7, one line naming what it may not do).
 * `initc check --namespace team-b` of a Pod passes Ready and leaves nothing; with --probe (exec,
 * which the Role does not grant) it is stopped before anything is made.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { CoordinationV1Api, CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { ExitCode } from '../../lib/errors.js';
import { loadKubeConfig } from '../../lib/cluster/provider.js';
import { LOCAL_FIXTURE_IMAGE } from '../../lib/fixture-image.js';
import { MANAGED_BY_LABEL } from '../../lib/scenario/namespace.js';
import { projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';
import { writeServiceAccountKubeconfig } from '../support/service-account.js';

const NAME = 'nst';
const SA_NAMESPACE = 'nst-ci';
const SA = 'runner';
const SHARED = ['team-a', 'team-b'];

describe('namespace-scoped runs (integration; root; embedded cluster "nst")', function () {
  this.timeout(10 * 60_000);
  let tmp: string;
  let admin: KubeConfig;
  let saKubeconfig: string;
  const t0 = Date.now();

  const namespaceNames = async () => (await admin.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata!.name!).sort();
  /** Every object of initc's left in the shared namespaces: pods not being deleted, and Leases. */
  const leftInShared = async () => {
    const left: string[] = [];
    for (const namespace of SHARED) {
      const pods = (await admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: MANAGED_BY_LABEL })).items.filter((p) => !p.metadata?.deletionTimestamp);
      const leases = (await admin.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace })).items;
      left.push(...pods.map((p) => `pod ${namespace}/${p.metadata!.name}`), ...leases.map((l) => `lease ${namespace}/${l.metadata!.name}`));
    }
    return left;
  };

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the embedded cluster integration test must run as root');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-nst-it-'));
    const up = await initc(['cluster', 'up', '--name', NAME, '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
    expect(up.exitCode, `cluster up --name ${NAME}`).to.equal(0);
    const adminFile = path.join(tmp, 'admin-kubeconfig');
    await fs.writeFile(adminFile, String((await initc(['cluster', 'kubeconfig', '--name', NAME])).stdout));
    admin = loadKubeConfig(adminFile);
    if (!admin.getCurrentCluster()?.caData) {
      const caFile = admin.getCurrentCluster()!.caFile!;
      (admin.getCurrentCluster() as { caData?: string }).caData = (await fs.readFile(caFile)).toString('base64');
    }
    const core = admin.makeApiClient(CoreV1Api);
    for (const name of SHARED) await core.createNamespace({ body: { metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } } });
    await core.createNamespace({ body: { metadata: { name: SA_NAMESPACE } } });
    await core.createNamespacedServiceAccount({ namespace: SA_NAMESPACE, body: { metadata: { name: SA } } });
    const printed = await initc(['rbac', '--namespace', SHARED.join(','), '--service-account', `${SA_NAMESPACE}/${SA}`]);
    expect(printed.exitCode, String(printed.stderr)).to.equal(0);
    const objects = yaml.loadAll(String(printed.stdout)) as KubernetesObject[];
    expect(objects.map((o) => `${o.kind} ${o.metadata?.namespace}`)).to.deep.equal(['Role team-a', 'RoleBinding team-a', 'Role team-b', 'RoleBinding team-b']);
    const api = KubernetesObjectApi.makeApiClient(admin);
    for (const o of objects) await api.create(o);
    saKubeconfig = path.join(tmp, 'sa-kubeconfig');
    await writeServiceAccountKubeconfig(admin, SA_NAMESPACE, SA, saKubeconfig);
    console.log(`    (cluster up, namespaces and ServiceAccount ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  });

  after(async () => {
    await initc(['cluster', 'down', '--name', NAME]);
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
    console.log(`    (whole test ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  });

  it('--namespace: passes what it may run, skips resources and network naming why, makes no namespace, leaves nothing behind', async () => {
    const before = await namespaceNames();
    const out = path.join(tmp, 'shared');
    const t = Date.now();
    const r = await initc(['run', '--kubeconfig', saKubeconfig, '--namespace', SHARED.join(','), '--suite', 'order,never,validation,resources,network', '--fixture-image', LOCAL_FIXTURE_IMAGE, '--report', 'conformance', '--out', out]);
    console.log(`    (namespace-scoped run: exit ${r.exitCode} in ${((Date.now() - t) / 1000).toFixed(1)} s)`);
    const stderr = String(r.stderr);
    expect(r.exitCode, `${stderr}\n${r.stdout}`).to.equal(0);
    expect(stderr).to.contain('✘ suite resources skipped: needs list nodes (cluster scope) and list pods in any namespace, which this identity may not');
    expect(stderr).to.match(/✘ suite network skipped: needs the privileged Pod Security level \(an init container with NET_ADMIN\), which every given namespace refuses \(namespace team-a: violates PodSecurity "baseline:latest": .*NET_ADMIN/);
    // Round-robin over the namespaces: the three runnable suites go a, b, a.
    expect(stderr).to.contain('suite order: namespace team-a\n');
    expect(stderr).to.contain('suite never: namespace team-b\n');
    expect(stderr).to.contain('suite validation: namespace team-a\n');
    const results = JSON.parse(await fs.readFile(path.join(out, 'conformance.json'), 'utf8')) as { totals: { skipped: number; failed: number; broken: number } };
    const junit = await fs.readFile(path.join(out, 'junit.xml'), 'utf8');
    expect(junit).to.match(/<testcase[^>]*name="[^"]*skipped: needs list nodes \(cluster scope\)[^"]*"[^>]*>\s*<skipped/);
    const conformance = await fs.readFile(path.join(out, 'conformance.md'), 'utf8');
    expect(conformance).to.contain('## Skipped, and why');
    expect(conformance).to.contain('needs list nodes (cluster scope) and list pods in any namespace, which this identity may not');
    console.log(`    (conformance totals ${JSON.stringify(results.totals)})`);
    expect(results.totals.skipped, 'the resources and network tests are skipped, not passed').to.be.greaterThan(0);
    expect(results.totals.failed + results.totals.broken).to.equal(0);
    expect(await namespaceNames()).to.deep.equal(before);
    expect(await leftInShared()).to.deep.equal([]);
  });

  it('the same identity without --namespace: exit 7 and one line naming what it may not do', async () => {
    const before = await namespaceNames();
    const r = await initc(['run', '--kubeconfig', saKubeconfig, '--suite', 'order', '--out', path.join(tmp, 'refused')]);
    expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.kubeconfig);
    const last = String(r.stderr).trim().split('\n').pop()!;
    expect(last).to.match(new RegExp(`^initc: the identity of context "sa" in ${saKubeconfig.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} may not create/delete/get/list/patch namespaces \\(cluster scope\\), .*: initc run needs them \\(initc rbac prints the ClusterRole\\)$`));
    expect(await namespaceNames()).to.deep.equal(before);
    expect(await leftInShared()).to.deep.equal([]);
  });

  it('initc check --namespace: the Pod applied into team-b is Ready and removed after; --probe needs pods/exec: exit 7 naming it', async () => {
    const before = await namespaceNames();
    const manifest = path.join(projectRoot(), 'test', 'fixtures', 'check', 'appending-pod.yaml');
    const t = Date.now();
    const r = await initc(['check', '-f', manifest, '--kubeconfig', saKubeconfig, '--namespace', 'team-b', '--faults', 'none', '--out', path.join(tmp, 'check')]);
    console.log(`    (namespace-scoped check: exit ${r.exitCode} in ${((Date.now() - t) / 1000).toFixed(1)} s)`);
    expect(r.exitCode, `${r.stderr}\n${r.stdout}`).to.equal(0);
    expect(String(r.stdout)).to.match(/✔ Ready: Pod\/migrator/);
    expect(String(r.stderr)).to.contain('deleted from namespace team-b: Pod/migrator');
    const refused = await initc(['check', '-f', manifest, '--kubeconfig', saKubeconfig, '--namespace', 'team-b', '--faults', 'none', '--probe', 'cat /data/config', '--out', path.join(tmp, 'check-refused')]);
    expect(refused.exitCode, String(refused.stderr)).to.equal(ExitCode.kubeconfig);
    expect(String(refused.stderr).trim().split('\n').pop()).to.equal(`initc: the identity of context "sa" in ${saKubeconfig} may not create pods/exec in namespace team-b: initc check --namespace needs them`);
    expect(await namespaceNames()).to.deep.equal(before);
    expect(await leftInShared()).to.deep.equal([]);
  });
});
