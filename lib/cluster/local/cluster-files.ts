/**
 * Node 0's folders and files (PKI, every component's kubeconfig and configuration), and the objects
 * the control plane needs that no controller makes: CoreDNS's RBAC, the kube-dns Service and its
 * EndpointSlice, the default StorageClass and its provisioner's RBAC. Further nodes' files:
 * node-start.ts writeNodeConfigs.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CoreV1Api, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { writeFileMode } from '../../util/fsx.js';
import { loadKubeConfig } from '../provider.js';
import type { ClusterSettings } from '../features.js';
import { embeddedStorageObjects } from '../storage/objects.js';
import * as cfg from './configs.js';
import { waitUntil } from './health.js';
import { BUSYBOX } from './images.js';
import type { ClusterLayout } from './layout.js';
import { writePki } from './pki.js';
import { JQ, RUNC } from './preflight.js';
import { holdWrapperScript } from './runc-hold.js';
import type { KubeVersion } from './versions.js';

export async function writeClusterConfigs(l: ClusterLayout, version: KubeVersion, applied: ClusterSettings): Promise<void> {
  for (const d of [l.dataDir, l.runDir]) await fs.mkdir(d, { recursive: true, mode: 0o700 });
  for (const d of [l.logDir, l.configDir, l.cniConfDir, l.cniIpamDir, l.kubeletRootDir, l.containerdRoot, l.containerdState]) {
    await fs.mkdir(d, { recursive: true });
  }
  await fs.mkdir(l.etcdDataDir, { recursive: true, mode: 0o700 });
  await writePki(l.pkiDir, { nodeName: l.nodeName, nodeIP: l.network.nodeIP, apiServiceIP: l.network.apiServiceIP, clusterDomain: l.network.clusterDomain });
  const conf = (f: string) => path.join(l.configDir, f);
  for (const [file, cert] of [
    ['controller-manager.kubeconfig', 'controller-manager'],
    ['scheduler.kubeconfig', 'scheduler'],
    ['kubelet.kubeconfig', 'kubelet-client'],
    ['kube-proxy.kubeconfig', 'kube-proxy'],
    ['coredns.kubeconfig', 'coredns'],
    ['storage-provisioner.kubeconfig', 'storage-provisioner'],
  ] as const) {
    await writeFileMode(conf(file), cfg.componentKubeconfig(l, cert), 0o600);
  }
  const read = (f: string) => fs.readFile(path.join(l.pkiDir, f), 'utf8');
  await writeFileMode(l.kubeconfig, cfg.adminKubeconfig(l, await read('ca.crt'), await read('admin.crt'), await read('admin.key')), 0o600);
  const resolvConf = conf('resolv.conf');
  // No outside resolver exists here: pods get only the cluster's DNS.
  await writeFileMode(resolvConf, '# initc: no upstream resolver\n');
  await writeFileMode(conf('kubelet.yaml'), cfg.kubeletConfigYaml(l, version, resolvConf, applied));
  await writeFileMode(conf('kube-proxy.yaml'), cfg.kubeProxyConfigYaml(l, applied));
  // containerd runs runc through initc's wrapper, which can hold a container at its start (runc-hold.ts).
  await writeFileMode(conf('runc-wrapper'), holdWrapperScript({ runc: RUNC, holdsDir: l.holdsDir, busybox: BUSYBOX, jq: JQ, blocks: true }), 0o755);
  await writeFileMode(conf('containerd.toml'), cfg.containerdConfigToml(l, conf('runc-wrapper')));
  await writeFileMode(path.join(l.cniConfDir, '10-initc.conflist'), cfg.cniConfig(l));
  await writeFileMode(conf('Corefile'), cfg.corefile(l));
}

/** Objects the control plane needs that no controller makes. Pure. */
export function clusterObjects(l: ClusterLayout): KubernetesObject[] {
  const labels = { 'app.kubernetes.io/managed-by': 'initc' };
  return [
    cfg.corednsRbac.clusterRole,
    cfg.corednsRbac.binding,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...labels, 'k8s-app': 'kube-dns' } },
      spec: {
        clusterIP: l.network.dnsServiceIP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: l.ports.dns },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: l.ports.dns },
        ],
      },
    } as KubernetesObject,
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kube-dns-node', namespace: 'kube-system', labels: { ...labels, 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'initc' } },
      addressType: 'IPv4',
      // CoreDNS runs on node 0; further nodes' pods reach it through their link (node-network.ts).
      endpoints: [{ addresses: [l.network.controlPlaneIP], conditions: { ready: true } }],
      ports: [
        { name: 'dns', port: l.ports.dns, protocol: 'UDP' },
        { name: 'dns-tcp', port: l.ports.dns, protocol: 'TCP' },
      ],
    } as KubernetesObject,
    ...(embeddedStorageObjects() as KubernetesObject[]),
  ];
}

export async function applyClusterObjects(l: ClusterLayout): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(loadKubeConfig(l.kubeconfig));
  for (const o of clusterObjects(l)) {
    await waitUntil(`apply ${o.kind} ${o.metadata?.name}`, async () => {
      await api.patch(o, undefined, undefined, 'initc', true, PatchStrategy.ServerSideApply);
      return true;
    }, { timeoutMs: 30_000, intervalMs: 500 });
  }
}

/** Pods need their namespace's service account and kube-root-ca.crt before they can start. */
export async function waitForDefaultServiceAccount(kc: KubeConfig, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await waitUntil('service account "default" and ConfigMap kube-root-ca.crt in namespace default', async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
    await core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'default' });
    return true;
  }, { timeoutMs, signal, intervalMs: 250 });
}
