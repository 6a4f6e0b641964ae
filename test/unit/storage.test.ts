import { expect } from 'chai';
import yaml from 'js-yaml';
import { clusterLayout, listenEndpoints } from '../../lib/cluster/local/layout.js';
import { certificatePlan } from '../../lib/cluster/local/pki.js';
import { PROVISIONER_LIB, PROVISIONER_PACKAGE, provisionerSources } from '../../lib/cluster/storage/build.js';
import {
  DEFAULT_CLASS_ANNOTATION,
  KIND_VOLUMES_DIR,
  PROVISIONER_NAME,
  PROVISIONER_SERVICE_ACCOUNT,
  PROVISIONER_USER,
  STORAGE_CLASS_NAME,
  embeddedStorageObjects,
  kindStorageManifest,
  provisionerArgs,
  provisionerBinding,
  provisionerClusterRole,
  storageClass,
} from '../../lib/cluster/storage/objects.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [k: string]: unknown;
}

describe('default storage of the clusters initc makes', () => {
  it('the StorageClass is the default, served by initc\'s provisioner, binds at the first consumer and deletes its volumes', () => {
    expect(STORAGE_CLASS_NAME).to.equal('standard');
    expect(PROVISIONER_NAME).to.equal('initc.dev/local');
    expect(storageClass).to.deep.equal({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard', labels: { 'app.kubernetes.io/managed-by': 'initc' }, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'initc.dev/local',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    expect(DEFAULT_CLASS_ANNOTATION).to.equal('storageclass.kubernetes.io/is-default-class');
  });

  it('the provisioner\'s role covers what the provisioning controller does, and nothing on secrets, pods or nodes', () => {
    expect(provisionerClusterRole.metadata.name).to.equal('initc:storage-provisioner');
    expect(provisionerClusterRole.rules).to.deep.equal([
      { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'watch', 'create', 'delete', 'patch', 'update'] },
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
      { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
    ]);
  });

  it('on the embedded cluster the role is bound to the provisioner\'s certificate user, whose certificate the PKI makes', () => {
    const [role, binding, cls] = embeddedStorageObjects();
    expect(role).to.equal(provisionerClusterRole);
    expect(cls).to.equal(storageClass);
    expect(binding).to.deep.equal({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'initc:storage-provisioner', labels: { 'app.kubernetes.io/managed-by': 'initc' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'initc:storage-provisioner' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:initc:storage-provisioner' }],
    });
    const cert = certificatePlan({ nodeName: 'n1', nodeIP: '10.253.0.1', apiServiceIP: '10.96.0.1', clusterDomain: 'cluster.local' }).find((c) => c.name === 'storage-provisioner');
    expect(cert).to.deep.equal({ name: 'storage-provisioner', commonName: PROVISIONER_USER, usage: 'client', dnsNames: [], ipAddresses: [] });
    expect(provisionerBinding({ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }).subjects).to.deep.equal([{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }]);
  });

  it('on the embedded cluster the volumes live under the cluster\'s data folder (down removes it), each cluster its own', () => {
    const a = clusterLayout();
    const b = clusterLayout({ name: 'stor', slot: 1 });
    expect(a.volumesDir).to.equal('/var/lib/initc/initc/volumes');
    expect(b.volumesDir).to.equal('/var/lib/initc/stor/volumes');
    expect(b.volumesDir.startsWith(`${b.dataDir}/`)).to.equal(true);
    expect(b.ports.provisionerHealthz).to.equal(10058);
    expect(listenEndpoints(b)).to.deep.include({ host: '127.0.0.1', port: 10058, owner: 'storage-provisioner (healthz)' });
    expect(new Set(Object.values(b.ports)).size, 'no two components share a port').to.equal(Object.values(b.ports).length);
  });

  it('the embedded provisioner\'s command line names its kubeconfig, node, volumes folder, health address and provisioner name', () => {
    expect(provisionerArgs({ kubeconfig: '/d/config/p.kubeconfig', nodeName: 'initc-stor-node', volumesDir: '/d/volumes', healthz: '127.0.0.1:10058' })).to.deep.equal([
      '--kubeconfig=/d/config/p.kubeconfig',
      '--node-name=initc-stor-node',
      '--base-dir=/d/volumes',
      '--healthz-address=127.0.0.1:10058',
      '--provisioner-name=initc.dev/local',
    ]);
  });

  describe('kind\'s default-storage.yaml', () => {
    const docs = yaml.loadAll(kindStorageManifest('localhost/initc/storage-provisioner:v1-abc')) as Obj[];
    const find = (kind: string) => docs.find((d) => d.kind === kind)!;

    it('holds the class, the service account, the role, its binding and the DaemonSet, in that order', () => {
      expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).to.deep.equal([
        'StorageClass/standard',
        'ServiceAccount/initc-storage-provisioner',
        'ClusterRole/initc:storage-provisioner',
        'ClusterRoleBinding/initc:storage-provisioner',
        'DaemonSet/initc-storage-provisioner',
      ]);
      expect(find('StorageClass')).to.deep.equal(storageClass);
      expect(find('ClusterRoleBinding').subjects).to.deep.equal([{ kind: 'ServiceAccount', name: PROVISIONER_SERVICE_ACCOUNT, namespace: 'kube-system' }]);
      expect(find('ServiceAccount').metadata.namespace).to.equal('kube-system');
    });

    it('the DaemonSet runs the preloaded image on every node, on the host network, serving its own node\'s claims in /var', () => {
      const ds = find('DaemonSet') as Obj & { spec: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[]; volumes: unknown[] } } } };
      const pod = ds.spec.template.spec;
      expect(ds.metadata.namespace).to.equal('kube-system');
      expect(pod.hostNetwork).to.equal(true);
      expect(pod.serviceAccountName).to.equal('initc-storage-provisioner');
      expect(pod.tolerations).to.deep.equal([{ operator: 'Exists' }]);
      const [c] = pod.containers;
      expect(c!.image).to.equal('localhost/initc/storage-provisioner:v1-abc');
      expect(c!.imagePullPolicy).to.equal('IfNotPresent');
      expect(c!.args).to.deep.equal(['--base-dir=/var/lib/initc/volumes', '--provisioner-name=initc.dev/local']);
      expect(c!.env).to.deep.equal([{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
      expect(c!.volumeMounts).to.deep.equal([{ name: 'volumes', mountPath: KIND_VOLUMES_DIR }]);
      expect(pod.volumes).to.deep.equal([{ name: 'volumes', hostPath: { path: '/var/lib/initc/volumes', type: 'DirectoryOrCreate' } }]);
      expect(KIND_VOLUMES_DIR.startsWith('/var/'), 'kind gives /var its own volume, removed with the node').to.equal(true);
    });
  });

  describe('the provisioner\'s Go sources', () => {
    it('are a package of the kube module, built with it on kube\'s dependency graph', () => {
      expect(PROVISIONER_LIB).to.deep.equal({ path: 'sigs.k8s.io/sig-storage-lib-external-provisioner/v13', version: 'v13.0.0' });
      expect(PROVISIONER_PACKAGE).to.equal('storage-provisioner');
    });

    it('are every Go source under lib/cluster/storage/go (so any change there changes the cache key), its tests only when asked', async () => {
      expect(Object.keys(await provisionerSources({ tests: false }))).to.deep.equal(['storage-provisioner/main.go', 'storage-provisioner/volume.go']);
      const files = await provisionerSources({ tests: true });
      expect(Object.keys(files)).to.deep.equal(['storage-provisioner/main.go', 'storage-provisioner/volume.go', 'storage-provisioner/volume_test.go']);
      expect(files['storage-provisioner/main.go']).to.include('package main').and.include('controller.NewProvisionController');
    });
  });
});
