/** `initc check`: reading the user's manifests (no cluster). */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ExitCode, InitcError } from '../../lib/errors.js';
import { chooseWorkload, loadManifests, parseManifestText } from '../../lib/check/manifests.js';
import { applyOrder, collectionPath, podSelector } from '../../lib/check/apply.js';
import { parseFaults } from '../../lib/check/faults.js';
import { projectRoot } from '../../lib/util/paths.js';
import { initc } from '../support/cli.js';

const DEPLOY = `
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { a: "1" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      initContainers: [{ name: init, image: busybox:1.37, command: [sh, -c, "true"] }]
      containers: [{ name: app, image: busybox:1.37 }]
---
`;

function badManifest(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(InitcError);
    expect((err as InitcError).exitCode).to.equal(ExitCode.badManifest);
    expect((err as Error).message).to.match(pattern);
    return;
  }
  expect.fail('no error');
}

describe('check: manifests', () => {
  it('reads multi-document YAML, skipping empty documents, and picks the workload with init containers', () => {
    const objects = parseManifestText(DEPLOY, 'w.yaml');
    expect(objects.map((o) => `${o.object.kind}/${o.object.metadata.name}@${o.source}`)).to.deep.equal(['ConfigMap/settings@w.yaml#1', 'Deployment/web@w.yaml#2']);
    const m = chooseWorkload(objects, 'w.yaml');
    expect(m.workload.kind).to.equal('Deployment');
    expect(m.workload.specPath).to.equal('spec.template.spec');
    expect(m.workload.podSpec.initContainers!.map((c) => c.name)).to.deep.equal(['init']);
    expect(applyOrder(m.objects, m.workload).map((o) => o.object.kind)).to.deep.equal(['ConfigMap', 'Deployment']);
    expect(podSelector(m.workload)).to.equal('app=web');
  });

  it('unpacks a List', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: Pod, metadata: { name: p }, spec: { initContainers: [{ name: i, image: x:1 }], containers: [{ name: a, image: x:1 }] } }\n`;
    expect(chooseWorkload(parseManifestText(list, 'l.yaml'), 'l.yaml').workload.specPath).to.equal('spec');
  });

  it('bad YAML: one line naming the file, line and column', () => {
    badManifest(() => parseManifestText('kind: Pod\n  metadata: [\n', 'bad.yaml'), /^bad\.yaml: not valid YAML at line \d+, column \d+/);
  });

  it('a document that is no object, or lacks kind or name', () => {
    badManifest(() => parseManifestText('- a\n- b\n', 'x.yaml'), /x\.yaml#1: a document must be a Kubernetes object/);
    badManifest(() => parseManifestText('apiVersion: v1\nmetadata: { name: a }\n', 'x.yaml'), /x\.yaml#1: no kind/);
    badManifest(() => parseManifestText('apiVersion: v1\nkind: Pod\nmetadata: { generateName: a- }\n', 'x.yaml'), /no metadata\.name \(generateName is not supported/);
  });

  it('cluster-scoped objects are refused', () => {
    badManifest(() => parseManifestText('apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n', 'x.yaml'), /Namespace a is cluster-scoped/);
  });

  it('no workload, or none with init containers', () => {
    badManifest(() => chooseWorkload(parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n', 'x.yaml'), 'x.yaml'), /no workload in it .*found 1 ConfigMap/);
    badManifest(() => chooseWorkload(parseManifestText('apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: a, image: x:1 }] }\n', 'x.yaml'), 'x.yaml'), /no workload with init containers \(Pod p has none\)/);
    badManifest(() => chooseWorkload([], 'empty.yaml'), /no Kubernetes object/);
  });

  it('two workloads with init containers need --workload', () => {
    const two = DEPLOY + DEPLOY.replace(/name: web/, 'name: api').replace(/kind: ConfigMap\nmetadata: \{ name: settings \}/, 'kind: ConfigMap\nmetadata: { name: other }');
    const objects = parseManifestText(two, 'two.yaml');
    expect(() => chooseWorkload(objects, 'two.yaml')).to.throw(/name the one to check with --workload/);
    expect(chooseWorkload(objects, 'two.yaml', 'Deployment/api').workload.name).to.equal('api');
  });

  it('the same object twice is refused', () => {
    badManifest(() => chooseWorkload(parseManifestText(DEPLOY + DEPLOY, 'd.yaml'), 'd.yaml'), /ConfigMap\/settings is defined twice/);
  });

  it('reads a folder of YAML files; every example loads', async () => {
    for (const ex of ['idempotent', 'appends-to-volume', 'waits-forever', 'probe-on-init']) {
      const m = await loadManifests(path.join(projectRoot(), 'examples', 'check', ex));
      expect(m.workload.podSpec.initContainers!.length, ex).to.be.at.least(1);
      for (const c of [...m.workload.podSpec.initContainers!, ...m.workload.podSpec.containers]) {
        expect(c.image, ex).to.equal('localhost/initc/fixture:v1');
        expect(c.imagePullPolicy, ex).to.equal('IfNotPresent');
      }
    }
  });

  it('API paths of objects', () => {
    expect(collectionPath({ apiVersion: 'v1', kind: 'Service' }, 'ns')).to.equal('/api/v1/namespaces/ns/services');
    expect(collectionPath({ apiVersion: 'apps/v1', kind: 'Deployment' }, 'ns')).to.equal('/apis/apps/v1/namespaces/ns/deployments');
    expect(collectionPath({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, 'ns')).to.equal('/api/v1/namespaces/ns/persistentvolumeclaims');
    expect(collectionPath({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' }, 'ns')).to.equal('/apis/networking.k8s.io/v1/namespaces/ns/networkpolicies');
    expect(collectionPath({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' }, 'ns')).to.equal('/apis/networking.k8s.io/v1/namespaces/ns/ingresses');
  });

  it('--faults', () => {
    expect(parseFaults(undefined)).to.deep.equal(['lose-sandbox', 'kill-init', 'node-reboot', 'service-outage', 'replace-pod', 'rollout', 'scale-out', 'drain']);
    expect(parseFaults(['replace-pod,scale-out'])).to.deep.equal(['replace-pod', 'scale-out']);
    expect(parseFaults(['lose-sandbox,kill-init'])).to.deep.equal(['lose-sandbox', 'kill-init']);
    expect(parseFaults(['none'])).to.deep.equal([]);
    expect(() => parseFaults(['reboot'])).to.throw(/unknown fault reboot/);
  });
});

describe('initc check: bad manifests exit 16 before any cluster is touched', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-check-'));
  });
  after(async () => fs.rm(dir, { recursive: true, force: true }));

  for (const [name, text, pattern] of [
    ['bad.yaml', 'kind: Pod\n  metadata: [\n', /not valid YAML at line/],
    ['none.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n', /no workload in it/],
  ] as const) {
    it(name, async () => {
      const file = path.join(dir, name);
      await fs.writeFile(file, text);
      const r = await initc(['check', '-f', file, '--provider', 'kubeconfig', '--kubeconfig', path.join(dir, 'no-such-kubeconfig')]);
      expect(r.exitCode, String(r.stderr)).to.equal(ExitCode.badManifest);
      expect(String(r.stderr).trim().split('\n')).to.have.length(1);
      expect(String(r.stderr)).to.match(pattern);
    });
  }

  it('a path that does not exist', async () => {
    const r = await initc(['check', '-f', path.join(dir, 'missing'), '--provider', 'kubeconfig', '--kubeconfig', path.join(dir, 'no-such-kubeconfig')]);
    expect(r.exitCode).to.equal(ExitCode.badManifest);
    expect(String(r.stderr)).to.match(/no such file or folder/);
  });

  it('an unknown fault is a usage error', async () => {
    const r = await initc(['check', '-f', path.join(projectRoot(), 'examples', 'check', 'idempotent'), '--faults', 'meteor', '--provider', 'kubeconfig']);
    expect(r.exitCode).to.equal(ExitCode.usage);
    expect(String(r.stderr)).to.match(/unknown fault meteor/);
  });
});
