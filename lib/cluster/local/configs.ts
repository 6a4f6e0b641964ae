/**
 * Pure generation of every configuration file of the embedded cluster, from its layout, Kubernetes
 * version and settings (commands.ts has the command lines). Kept free of I/O so the tests can read
 * what each component gets.
 */
import path from 'node:path';
import yaml from 'js-yaml';
import type { ClusterLayout } from './layout.js';
import { apiServerURL } from './layout.js';
import type { KubeVersion } from './versions.js';
import { kubeletNeedsFailCgroupV1Off } from './versions.js';
import type { ClusterSettings } from '../features.js';
import { DEFAULT_SETTINGS, withKubeletSettings } from '../features.js';

export const PAUSE_IMAGE = 'localhost/initc/pause:v1';

const pki = (l: ClusterLayout, file: string) => path.join(l.pkiDir, file);

export interface KubeconfigInputs {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  user: string;
  contextName: string;
}

export function kubeconfigYaml(k: KubeconfigInputs): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.contextName, cluster: { server: k.server, 'certificate-authority': k.caFile } }],
    users: [{ name: k.user, user: { 'client-certificate': k.certFile, 'client-key': k.keyFile } }],
    contexts: [{ name: k.contextName, context: { cluster: k.contextName, user: k.user } }],
    'current-context': k.contextName,
    preferences: {},
  });
}

/** The kubeconfig of one client certificate in the PKI (admin, scheduler, kubelet-client, ...). */
export function componentKubeconfig(l: ClusterLayout, cert: string): string {
  return kubeconfigYaml({
    server: apiServerURL(l),
    caFile: pki(l, 'ca.crt'),
    certFile: pki(l, `${cert}.crt`),
    keyFile: pki(l, `${cert}.key`),
    user: cert,
    contextName: l.context,
  });
}

/** The admin kubeconfig users get, with the certificates inlined so it works when copied elsewhere. */
export function adminKubeconfig(l: ClusterLayout, ca: string, cert: string, key: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: l.context, cluster: { server: apiServerURL(l), 'certificate-authority-data': b64(ca) } }],
    users: [{ name: `${l.context}-admin`, user: { 'client-certificate-data': b64(cert), 'client-key-data': b64(key) } }],
    contexts: [{ name: l.context, context: { cluster: l.context, user: `${l.context}-admin` } }],
    'current-context': l.context,
    preferences: {},
  });
}

export function containerdConfigToml(l: ClusterLayout, runcPath: string): string {
  const q = (s: string) => `'${s}'`;
  return `version = 3
root = ${q(l.containerdRoot)}
state = ${q(l.containerdState)}
disabled_plugins = [
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.blockfile',
  'io.containerd.snapshotter.v1.erofs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
  'io.containerd.nri.v1.nri',
]

[grpc]
  address = ${q(l.containerdSocket)}

[ttrpc]
  address = ${q(l.containerdSocket + '.ttrpc')}

[plugins.'io.containerd.internal.v1.opt']
  path = ${q(path.join(l.containerdRoot, 'opt'))}

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = ${q(PAUSE_IMAGE)}

[plugins.'io.containerd.cri.v1.runtime']
  # No CAP_SYS_RESOURCE here: runc fails a container whose oom_score_adj it may not lower.
  restrict_oom_score_adj = true
  # Keeps every pod's network namespace under this cluster's state folder, so down finds them.
  netns_mounts_under_state_dir = true
  enable_cdi = false
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = 'runc'
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = 'io.containerd.runc.v2'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = ${q(runcPath)}
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = [${q(l.cniBinDir)}]
    conf_dir = ${q(l.cniConfDir)}
    max_conf_num = 1

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = '127.0.0.1'
  stream_server_port = '0'
`;
}

/**
 * ptp gives each pod a veth and a /32 route, no bridge (no br_netfilter); no masquerade, so a pod's
 * traffic to anything but pods and this node has nowhere to go (the guard chain drops it).
 */
export function cniConfig(l: ClusterLayout): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: l.name,
      plugins: [
        {
          type: 'ptp',
          ipMasq: false,
          mtu: 1500,
          ipam: {
            type: 'host-local',
            dataDir: l.cniIpamDir,
            ranges: [[{ subnet: l.network.nodePodCIDR }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
      ],
    },
    null,
    2,
  );
}

/** The kubelet's configuration; `settings` (--feature-gates, --kubelet-config) are laid over initc's own fields. */
export function kubeletConfigYaml(l: ClusterLayout, v: KubeVersion, resolvConf: string, settings: ClusterSettings = DEFAULT_SETTINGS): string {
  const config: Record<string, unknown> = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: l.network.nodeIP,
    port: l.ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: l.ports.kubeletHealthz,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: pki(l, 'ca.crt') },
    },
    authorization: { mode: 'Webhook' },
    tlsCertFile: pki(l, 'kubelet-server.crt'),
    tlsPrivateKeyFile: pki(l, 'kubelet-server.key'),
    rotateCertificates: false,
    serverTLSBootstrap: false,
    containerRuntimeEndpoint: `unix://${l.containerdSocket}`,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: l.cgroupRoot,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ['pods'],
    clusterDNS: [l.network.dnsServiceIP],
    clusterDomain: l.network.clusterDomain,
    resolvConf,
    // Not /var/log/pods: a kubelet removes the log folders there of pods it does not know, another cluster's too.
    podLogsDir: path.join(l.dataDir, 'pod-logs'),
    // The kubelet otherwise insists on its own vm/kernel sysctls and exits when it cannot set them.
    protectKernelDefaults: false,
    // cadvisor may not map the root filesystem on these VMs.
    localStorageCapacityIsolation: false,
    failSwapOn: false,
    // Imported images cannot be pulled back: never garbage-collect them, never evict for disk.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '0%', 'nodefs.inodesFree': '0%', 'imagefs.available': '0%' },
    maxPods: 110,
    serializeImagePulls: false,
    // Status updates reach the API within a second of the runtime's change.
    nodeStatusUpdateFrequency: '10s',
  };
  if (kubeletNeedsFailCgroupV1Off(v)) config.failCgroupV1 = false;
  return yaml.dump(withKubeletSettings(config, settings));
}

export function kubeProxyConfigYaml(l: ClusterLayout, settings: ClusterSettings = DEFAULT_SETTINGS): string {
  return yaml.dump({
    ...(Object.keys(settings.featureGates).length ? { featureGates: { ...settings.featureGates } } : {}),
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: path.join(l.configDir, 'kube-proxy.kubeconfig') },
    mode: 'iptables',
    hostnameOverride: l.nodeName,
    clusterCIDR: l.network.podCIDR,
    healthzBindAddress: `127.0.0.1:${l.ports.proxyHealthz}`,
    metricsBindAddress: `127.0.0.1:${l.ports.proxyMetrics}`,
    nodePortAddresses: [`${l.network.nodeIP}/32`],
    iptables: { masqueradeAll: false, localhostNodePorts: false },
    // 0 leaves the host's conntrack sysctls as they are.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  });
}

/** CoreDNS answers cluster.local from the API and NXDOMAIN for everything else: there is no upstream here. */
export function corefile(l: ClusterLayout): string {
  const { nodeIP, clusterDomain, podCIDR, serviceCIDR } = l.network;
  const reverse = [podCIDR, serviceCIDR].map(reverseZone).join(' ');
  return `${clusterDomain}:${l.ports.dns} ${reverse} {
    bind ${nodeIP}
    errors
    health 127.0.0.1:${l.ports.dnsHealth}
    ready 127.0.0.1:${l.ports.dnsReady}
    kubernetes ${clusterDomain} ${reverse} {
        kubeconfig ${path.join(l.configDir, 'coredns.kubeconfig')} ${l.context}
        pods insecure
        ttl 5
    }
    cache 5
}
.:${l.ports.dns} {
    bind ${nodeIP}
    errors
    template ANY ANY {
        rcode NXDOMAIN
    }
}
`;
}

/** "10.244.0.0/16" → "244.10.in-addr.arpa" (whole octets only). */
export function reverseZone(cidr: string): string {
  const [addr, bits] = cidr.split('/');
  const octets = addr!.split('.').slice(0, Math.floor(Number(bits) / 8));
  return `${octets.reverse().join('.')}.in-addr.arpa`;
}

/** RBAC for CoreDNS's client certificate user, as upstream's system:coredns role grants. */
export const corednsRbac = {
  clusterRole: {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'initc:coredns', labels: { 'app.kubernetes.io/managed-by': 'initc' } },
    rules: [
      { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ],
  },
  binding: {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'initc:coredns', labels: { 'app.kubernetes.io/managed-by': 'initc' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'initc:coredns' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:initc:coredns' }],
  },
};
