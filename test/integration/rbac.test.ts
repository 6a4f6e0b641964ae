/**
 * The permission preflight on an embedded cluster of its own (named `rbac`, up in before(), down in
 * after()): a ServiceAccount with no permission, its token in a kubeconfig, is stopped before
 * anything is made (exit 7, one line naming what it may not do, no namespace of initc left); bound
 * to what `initc rbac` prints, the same identity runs order and validation and passes.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { ExitCode } from '../../lib/errors.js';
import { loadKubeConfig } from '../../lib/cluster/provider.js';
import { MANAGED_BY_LABEL } from '../../lib/scenario/namespace.js';
import { initc } from '../support/cli.js';
import { writeServiceAccountKubeconfig } from '../support/service-account.js';

const NAME = 'rbac';
const SA_NAMESPACE = 'rbac-it';
const SA = 'runner';

describe('permission preflight and initc rbac (integration; root; embedded cluster "rbac")', function () {
  this.timeout(10 * 60_000);
  let tmp: string;
  let admin: KubeConfig;
  let saKubeconfig: string;
  const t0 = Date.now();

  const initcNamespaces = async () => (await admin.makeApiClient(CoreV1Api).listNamespace({ labelSelector: MANAGED_BY_LABEL })).items.map((n) => n.metadata!.name!);
  const namespaceNames = async () => (await admin.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata!.name!);

  before(async function () {
    if (process.getuid?.() !== 0) throw new Error('the embedded cluster integration test must run as root');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-rbac-it-'));
    const up = await initc(['cluster', 'up', '--name', NAME, '--no-merge-kubeconfig'], { stdout: 'inherit', stderr: 'inherit' });
    expect(up.exitCode, `cluster up --name ${NAME}`).to.equal(0);
    const adminFile = path.join(tmp, 'admin-kubeconfig');
    await fs.writeFile(adminFile, String((await initc(['cluster', 'kubeconfig', '--name', NAME])).stdout));
    admin = loadKubeConfig(adminFile);
    if (!admin.getCurrentCluster()?.caData) {
      // The token kubeconfig carries the CA inline.
      const caFile = admin.getCurrentCluster()!.caFile!;
      (admin.getCurrentCluster() as { caData?: string }).caData = (await fs.readFile(caFile)).toString('base64');
    }
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: SA_NAMESPACE } } });
    await core.createNamespacedServiceAccount({ namespace: SA_NAMESPACE, body: { metadata: { name: SA } } });
    saKubeconfig = path.join(tmp, 'sa-kubeconfig');
    await writeServiceAccountKubeconfig(admin, SA_NAMESPACE, SA, saKubeconfig);
    console.log(`    (cluster up and ServiceAccount ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  });

  after(async () => {
    await initc(['cluster', 'down', '--name', NAME]);
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
    console.log(`    (whole test ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  });

  it('a ServiceAccount with no permission: exit 7 and one line naming what it may not do, before anything is made', async () => {
    const before = await namespaceNames();
    const r = await initc(['run', '--kubeconfig', saKubeconfig, '--suite', 'order', '--out', path.join(tmp, 'refused')]);
    expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.kubeconfig);
    const last = String(r.stderr).trim().split('\n').pop();
    expect(last).to.equal(
      `initc: the identity of context "sa" in ${saKubeconfig} may not create/delete/get/list/patch namespaces (cluster scope), create/delete/list/patch leases.coordination.k8s.io in namespace initc-runs, get/list nodes (cluster scope), create/delete/get/list/watch pods in any namespace, get pods/log in any namespace, list events in any namespace nor list/watch serviceaccounts in any namespace: initc run needs them (initc rbac prints the ClusterRole)`,
    );
    expect(String(r.stderr)).not.to.match(/internal error|\n\s+at /);
    expect(await initcNamespaces()).to.deep.equal([]);
    expect(await namespaceNames()).to.deep.equal(before);
  });

  it('bound to what initc rbac prints, the same identity runs order and validation and passes', async () => {
    const printed = await initc(['rbac', '--service-account', `${SA_NAMESPACE}/${SA}`]);
    expect(printed.exitCode, String(printed.stderr)).to.equal(0);
    const objects = yaml.loadAll(String(printed.stdout)) as KubernetesObject[];
    const api = KubernetesObjectApi.makeApiClient(admin);
    for (const o of objects) await api.create(o);
    const t = Date.now();
    const r = await initc(['run', '--kubeconfig', saKubeconfig, '--suite', 'order,validation', '--out', path.join(tmp, 'granted')]);
    console.log(`    (run of order,validation as the ServiceAccount: exit ${r.exitCode} in ${((Date.now() - t) / 1000).toFixed(1)} s)`);
    expect(r.exitCode, `${r.stderr}\n${r.stdout}`).to.equal(0);
    expect(String(r.stderr)).not.to.contain('may not');
    expect(String(r.stdout)).to.match(/passed/);
    // The run deleted its namespaces (deletion may still be under way: none is left without a deletionTimestamp).
    const left = (await admin.makeApiClient(CoreV1Api).listNamespace({ labelSelector: MANAGED_BY_LABEL })).items.filter((n) => !n.metadata?.deletionTimestamp);
    expect(left.map((n) => n.metadata!.name)).to.deep.equal([]);
  });
});
