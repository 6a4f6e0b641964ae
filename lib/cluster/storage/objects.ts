/**
 * The default StorageClass of the clusters initc makes, and what its provisioner (go/main.go) needs
 * to run: its RBAC, its command line on the embedded cluster, its DaemonSet on kind. Pure, so the
 * tests read exactly what each cluster gets.
 *
 * One provisioner runs per node and serves the claims the scheduler placed on its node
 * (WaitForFirstConsumer): each claim gets a directory under the node's volumes folder and a
 * `local` PV whose required node affinity names that node, reclaimed with Delete.
 */
import yaml from 'js-yaml';

export const PROVISIONER_NAME = 'initc.dev/local';
/** kind's own default class is named `standard`: manifests written for kind keep working. */
export const STORAGE_CLASS_NAME = 'standard';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
/** The client certificate's user (embedded cluster) and the service account's name (kind). */
export const PROVISIONER_USER = 'system:initc:storage-provisioner';
export const PROVISIONER_SERVICE_ACCOUNT = 'initc-storage-provisioner';
/** Inside a kind node: /var is the node container's own volume, removed with the cluster. */
export const KIND_VOLUMES_DIR = '/var/lib/initc/volumes';

const MANAGED = { 'app.kubernetes.io/managed-by': 'initc' };
const ROLE_NAME = 'initc:storage-provisioner';

export const storageClass = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: STORAGE_CLASS_NAME, labels: MANAGED, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: PROVISIONER_NAME,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

/** What sig-storage-lib-external-provisioner's controller reads and writes (no leases: leader election is off). */
export const provisionerClusterRole = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: ROLE_NAME, labels: MANAGED },
  rules: [
    { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'watch', 'create', 'delete', 'patch', 'update'] },
    { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
    { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
  ],
};

type Subject = { kind: 'User'; name: string } | { kind: 'ServiceAccount'; name: string; namespace: string };

export function provisionerBinding(subject: Subject) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: ROLE_NAME, labels: MANAGED },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE_NAME },
    subjects: [subject.kind === 'User' ? { apiGroup: 'rbac.authorization.k8s.io', ...subject } : subject],
  };
}

/** The objects `up` applies on the embedded cluster, where the provisioner authenticates with its client certificate. */
export const embeddedStorageObjects = () => [provisionerClusterRole, provisionerBinding({ kind: 'User', name: PROVISIONER_USER }), storageClass];

export interface ProvisionerArgs {
  kubeconfig: string;
  nodeName: string;
  volumesDir: string;
  healthz: string;
}

/** The embedded cluster's provisioner command line (a host process, as CoreDNS is). */
export function provisionerArgs(a: ProvisionerArgs): string[] {
  return [`--kubeconfig=${a.kubeconfig}`, `--node-name=${a.nodeName}`, `--base-dir=${a.volumesDir}`, `--healthz-address=${a.healthz}`, `--provisioner-name=${PROVISIONER_NAME}`];
}

/**
 * kind's /kind/manifests/default-storage.yaml (kind applies it in place of its legacy host-path
 * class): the class, the RBAC, and a DaemonSet running the provisioner from an image preloaded
 * into the node. hostNetwork: it needs no pod network, so a claim binds however early it is made.
 */
export function kindStorageManifest(image: string): string {
  const namespace = 'kube-system';
  const labels = { ...MANAGED, app: PROVISIONER_SERVICE_ACCOUNT };
  const daemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: PROVISIONER_SERVICE_ACCOUNT, namespace, labels },
    spec: {
      selector: { matchLabels: { app: PROVISIONER_SERVICE_ACCOUNT } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: PROVISIONER_SERVICE_ACCOUNT,
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          tolerations: [{ operator: 'Exists' }],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'provisioner',
              image,
              imagePullPolicy: 'IfNotPresent',
              args: [`--base-dir=${KIND_VOLUMES_DIR}`, `--provisioner-name=${PROVISIONER_NAME}`],
              env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
              volumeMounts: [{ name: 'volumes', mountPath: KIND_VOLUMES_DIR }],
              resources: { requests: { cpu: '10m', memory: '20Mi' } },
            },
          ],
          volumes: [{ name: 'volumes', hostPath: { path: KIND_VOLUMES_DIR, type: 'DirectoryOrCreate' } }],
        },
      },
    },
  };
  const docs = [
    storageClass,
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: PROVISIONER_SERVICE_ACCOUNT, namespace, labels: MANAGED } },
    provisionerClusterRole,
    provisionerBinding({ kind: 'ServiceAccount', name: PROVISIONER_SERVICE_ACCOUNT, namespace }),
    daemonSet,
  ];
  return `# initc's default storage (lib/cluster/storage/objects.ts)\n${docs.map((d) => `---\n${yaml.dump(d, { lineWidth: -1 })}`).join('')}`;
}
