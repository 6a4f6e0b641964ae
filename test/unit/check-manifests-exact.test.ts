/** `initc check`'s manifests: files found, YAML parsed, objects refused, the workload chosen — with the exact one-line messages. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { appContainerOf, chooseWorkload, initContainersOf, manifestFiles, parseManifestText, podSpecOf } from '../../lib/check/manifests.js';
import type { ManifestObject } from '../../lib/check/manifests.js';
import { ExitCode, InitcError } from '../../lib/errors.js';

const fails = (f: () => unknown, message: string, code: number = ExitCode.badManifest) => {
  try {
    f();
  } catch (err) {
    expect(err).to.be.instanceOf(InitcError);
    expect((err as InitcError).message).to.equal(message);
    expect((err as InitcError).exitCode).to.equal(code);
    return;
  }
  expect.fail(`expected: ${message}`);
};
const pod = (name: string, inits = 1) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  containers: [{name: app, image: x}]\n${inits ? `  initContainers: [{name: i, image: x}]\n` : ''}`;

describe('check manifests: files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-manifests-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));
  it('a file is itself; a folder gives its .yaml, .yml and .json files (any case), sorted, into subfolders, not hidden ones', async () => {
    const put = async (rel: string) => {
      await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await fs.writeFile(path.join(dir, rel), '');
    };
    for (const f of ['b.yaml', 'a.YML', 'c.json', 'd.txt', 'e.yaml.bak', '.hidden.yaml', 'sub/z.yml', '.git/x.yaml', 'f.ym']) await put(f);
    expect(await manifestFiles(path.join(dir, 'd.txt'))).to.deep.equal([path.join(dir, 'd.txt')]);
    expect(await manifestFiles(dir)).to.deep.equal(['a.YML', 'b.yaml', 'c.json', 'sub/z.yml'].map((f) => path.join(dir, f)));
  });
  it('nothing there, or nothing to read in it: one line, exit 16', async () => {
    let message = '';
    await manifestFiles(path.join(dir, 'nope')).catch((e: Error) => (message = e.message));
    expect(message).to.equal(`${path.join(dir, 'nope')}: no such file or folder`);
    await fs.writeFile(path.join(dir, 'x.txt'), '');
    await manifestFiles(dir).catch((e: InitcError) => (message = `${e.exitCode} ${e.message}`));
    expect(message).to.equal(`16 ${dir}: no .yaml, .yml or .json file in it`);
  });
});

describe('check manifests: parsing', () => {
  it('documents in order, an empty one skipped, a List unpacked, each with its source', () => {
    const s = parseManifestText(`${pod('a')}---\n---\nkind: List\napiVersion: v1\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n`, 'f.yaml');
    expect(s.map((x) => [x.source, `${x.object.kind}/${x.object.metadata.name}`])).to.deep.equal([
      ['f.yaml#1', 'Pod/a'],
      ['f.yaml#3.items[0]', 'ConfigMap/c'],
      ['f.yaml#3.items[1]', 'Secret/s'],
    ]);
    expect(parseManifestText('kind: List\napiVersion: v1\nmetadata: {name: l}\nitems: 3\n', 'f')).to.deep.equal([{ object: { kind: 'List', apiVersion: 'v1', metadata: { name: 'l' }, items: 3 }, source: 'f#1' }]);
  });
  it('bad YAML names the line and column; a document that is no object says what it is', () => {
    fails(() => parseManifestText('a: b\n  c: d\n', 'f.yaml'), 'f.yaml: not valid YAML at line 2, column 4: bad indentation of a mapping entry');
    fails(() => parseManifestText('- 1\n', 'f'), 'f#1: a document must be a Kubernetes object (a mapping with apiVersion, kind, metadata.name), not a list');
    fails(() => parseManifestText('just text\n', 'f'), 'f#1: a document must be a Kubernetes object (a mapping with apiVersion, kind, metadata.name), not string');
    fails(() => parseManifestText('42\n', 'f'), 'f#1: a document must be a Kubernetes object (a mapping with apiVersion, kind, metadata.name), not number');
  });
  it('each object needs apiVersion, kind and a name (generateName said so), and must be namespaced', () => {
    fails(() => parseManifestText('kind: List\napiVersion: v1\nitems: [3]\n', 'f'), 'f#1.items[0]: not an object');
    fails(() => parseManifestText('kind: List\napiVersion: v1\nitems: [null]\n', 'f'), 'f#1.items[0]: not an object');
    fails(() => parseManifestText('kind: Pod\nmetadata: {name: a}\n', 'f'), 'f#1: no apiVersion');
    fails(() => parseManifestText('apiVersion: ""\nkind: Pod\n', 'f'), 'f#1: no apiVersion');
    fails(() => parseManifestText('apiVersion: 1\nkind: Pod\n', 'f'), 'f#1: no apiVersion');
    fails(() => parseManifestText('apiVersion: v1\nmetadata: {name: a}\n', 'f'), 'f#1: no kind');
    fails(() => parseManifestText('apiVersion: v1\nkind: ""\n', 'f'), 'f#1: no kind');
    fails(() => parseManifestText('apiVersion: v1\nkind: 3\n', 'f'), 'f#1: no kind');
    fails(() => parseManifestText('apiVersion: v1\nkind: Pod\n', 'f'), 'f#1: Pod has no metadata.name');
    fails(() => parseManifestText('apiVersion: v1\nkind: Pod\nmetadata: {name: ""}\n', 'f'), 'f#1: Pod has no metadata.name');
    fails(() => parseManifestText('apiVersion: v1\nkind: Pod\nmetadata: {name: 3}\n', 'f'), 'f#1: Pod has no metadata.name');
    fails(() => parseManifestText('apiVersion: v1\nkind: Pod\nmetadata: {generateName: p-}\n', 'f'), 'f#1: Pod has no metadata.name (generateName is not supported: the check must know the name)');
    for (const kind of ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'Node', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
      fails(() => parseManifestText(`apiVersion: v1\nkind: ${kind}\nmetadata: {name: n}\n`, 'f'), `f#1: ${kind} n is cluster-scoped; initc check applies only namespaced objects into a throwaway namespace`);
    }
  });
});

const obj = (kind: string, name: string, spec?: unknown): ManifestObject => ({ apiVersion: 'v1', kind, metadata: { name }, ...(spec === undefined ? {} : { spec }) }) as ManifestObject;
const template = (inits: boolean) => ({ template: { spec: { containers: [{ name: 'web', image: 'x' }], ...(inits ? { initContainers: [{ name: 'i', image: 'x' }] } : {}) } } });

describe('check manifests: the workload', () => {
  it('pod specs and their paths', () => {
    expect(podSpecOf(obj('Pod', 'p', { containers: [] }))).to.deep.equal({ podSpec: { containers: [] }, specPath: 'spec' });
    expect(podSpecOf(obj('Pod', 'p'))).to.equal(undefined);
    expect(podSpecOf(obj('Deployment', 'd', template(true)))?.specPath).to.equal('spec.template.spec');
    expect(podSpecOf(obj('Deployment', 'd'))).to.equal(undefined);
    expect(podSpecOf(obj('Deployment', 'd', { template: {} }))).to.equal(undefined);
    expect(podSpecOf(obj('ConfigMap', 'c', template(true)))).to.equal(undefined);
    expect(initContainersOf({ containers: [] })).to.deep.equal([]);
    expect(appContainerOf({ podSpec: { containers: [{ name: 'first' }, { name: 'second' }] } } as never)).to.equal('first');
  });
  const sourced = (o: ManifestObject, i: number) => ({ object: o, source: `f#${i + 1}` });
  const choose = (objects: ManifestObject[], pick?: string) => chooseWorkload(objects.map(sourced), 'dir', pick);
  it('the one with init containers; the others kept; --workload by KIND/NAME (any case) or name', () => {
    const m = choose([obj('ConfigMap', 'c'), obj('Deployment', 'web', template(false)), obj('StatefulSet', 'db', template(true))]);
    expect([m.workload.kind, m.workload.name, m.workload.source, m.workload.specPath]).to.deep.equal(['StatefulSet', 'db', 'f#3', 'spec.template.spec']);
    expect(m.others.map((w) => w.name)).to.deep.equal(['web']);
    expect(m.objects).to.have.length(3);
    const two = [obj('Deployment', 'a', template(true)), obj('Job', 'b', template(true))];
    expect(choose(two, 'job/B').workload.name).to.equal('b');
    expect(choose(two, 'a').workload.name).to.equal('a');
    expect(choose(two, 'Deployment/a').others.map((w) => w.name)).to.deep.equal(['b']);
  });
  it('what cannot be chosen: one line each', () => {
    fails(() => choose([]), 'dir: no Kubernetes object in it');
    fails(() => choose([obj('ConfigMap', 'c'), obj('ConfigMap', 'c')]), 'f#2: ConfigMap/c is defined twice (also at f#1)');
    choose([obj('ConfigMap', 'c'), obj('Secret', 'c'), obj('Pod', 'p', { containers: [{ name: 'a' }], initContainers: [{ name: 'i' }] })]);
    fails(() => choose([obj('Pod', 'p')]), 'f#1: Pod p has no spec');
    fails(() => choose([obj('Deployment', 'd', {})]), 'f#1: Deployment d has no spec.template.spec');
    fails(() => choose([obj('Pod', 'p', { containers: [] })]), 'f#1: Pod p has no containers at spec.containers');
    fails(() => choose([obj('Pod', 'p', { containers: 'x' })]), 'f#1: Pod p has no containers at spec.containers');
    fails(() => choose([obj('ConfigMap', 'c'), obj('ConfigMap', 'd'), obj('Service', 's')]), 'dir: no workload in it (a Pod, Deployment, StatefulSet, Job, DaemonSet or ReplicaSet); found 2 ConfigMap, 1 Service');
    fails(() => choose([obj('Deployment', 'd', template(false))]), 'dir: no workload with init containers (Deployment d has none): there is nothing for initc check to check');
    fails(() => choose([obj('Deployment', 'd', template(false)), obj('Pod', 'p', { containers: [{ name: 'a' }] })]), 'dir: no workload with init containers (Deployment d, Pod p have none): there is nothing for initc check to check');
    const two = [obj('Deployment', 'a', template(true)), obj('Job', 'b', template(true))];
    fails(() => choose(two), 'dir holds 2 workloads with init containers (Deployment/a, Job/b): name the one to check with --workload KIND/NAME', ExitCode.usage);
    fails(() => choose(two, 'c'), '--workload c: no workload with init containers of that name; there are Deployment/a, Job/b', ExitCode.usage);
    fails(() => choose(two, 'Job/a'), '--workload Job/a: no workload with init containers of that name; there are Deployment/a, Job/b', ExitCode.usage);
  });
});
