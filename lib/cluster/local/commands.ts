/**
 * Pure generation of the embedded cluster's command lines, from its layout and the feature gates it
 * is asked for (the same gates go to every component, as the release's own components share one
 * registry of them; the kubelet and kube-proxy get theirs in their configuration files).
 */
import path from 'node:path';
import type { ClusterLayout } from './layout.js';
import { gatesFlag } from '../features.js';

const pki = (l: ClusterLayout, file: string) => path.join(l.pkiDir, file);

/** `--feature-gates=A=true,...` when any are asked for, else nothing. */
const gateArgs = (gates: Readonly<Record<string, boolean>>) => (Object.keys(gates).length ? [`--feature-gates=${gatesFlag(gates)}`] : []);

export interface ComponentCommand {
  name: string;
  /** Multi-call name (argv[0] of the kube binary) or binary path. */
  argv0: string;
  args: string[];
}

export function etcdCommand(l: ClusterLayout): ComponentCommand {
  const client = `https://127.0.0.1:${l.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${l.ports.etcdPeer}`;
  return {
    name: 'etcd',
    argv0: 'etcd',
    args: [
      '--name=initc',
      `--data-dir=${l.etcdDataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=initc=${peer}`,
      '--listen-metrics-urls=',
      `--cert-file=${pki(l, 'etcd-server.crt')}`,
      `--key-file=${pki(l, 'etcd-server.key')}`,
      `--trusted-ca-file=${pki(l, 'ca.crt')}`,
      '--client-cert-auth=true',
      '--snapshot-count=10000',
      '--quota-backend-bytes=2147483648',
      '--log-level=warn',
    ],
  };
}

export function apiserverCommand(l: ClusterLayout, gates: Readonly<Record<string, boolean>> = {}): ComponentCommand {
  const { nodeIP, serviceCIDR, clusterDomain } = l.network;
  return {
    name: 'kube-apiserver',
    argv0: 'kube-apiserver',
    args: [
      `--advertise-address=${nodeIP}`,
      `--bind-address=${nodeIP}`,
      `--secure-port=${l.ports.apiserver}`,
      `--etcd-servers=https://127.0.0.1:${l.ports.etcdClient}`,
      `--etcd-cafile=${pki(l, 'ca.crt')}`,
      `--etcd-certfile=${pki(l, 'apiserver-etcd-client.crt')}`,
      `--etcd-keyfile=${pki(l, 'apiserver-etcd-client.key')}`,
      `--client-ca-file=${pki(l, 'ca.crt')}`,
      `--tls-cert-file=${pki(l, 'apiserver.crt')}`,
      `--tls-private-key-file=${pki(l, 'apiserver.key')}`,
      `--kubelet-client-certificate=${pki(l, 'apiserver-kubelet-client.crt')}`,
      `--kubelet-client-key=${pki(l, 'apiserver-kubelet-client.key')}`,
      `--kubelet-certificate-authority=${pki(l, 'ca.crt')}`,
      '--kubelet-preferred-address-types=InternalIP',
      `--service-account-issuer=https://kubernetes.default.svc.${clusterDomain}`,
      `--service-account-key-file=${pki(l, 'sa.pub')}`,
      `--service-account-signing-key-file=${pki(l, 'sa.key')}`,
      `--service-cluster-ip-range=${serviceCIDR}`,
      '--authorization-mode=Node,RBAC',
      '--anonymous-auth=false',
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      '--profiling=false',
      `--cert-dir=${path.join(l.dataDir, 'apiserver-certs')}`,
      ...gateArgs(gates),
      '--v=1',
    ],
  };
}

const authKubeconfigs = (kubeconfig: string) => [
  `--kubeconfig=${kubeconfig}`,
  `--authentication-kubeconfig=${kubeconfig}`,
  `--authorization-kubeconfig=${kubeconfig}`,
];

export function controllerManagerCommand(l: ClusterLayout, gates: Readonly<Record<string, boolean>> = {}): ComponentCommand {
  return {
    name: 'kube-controller-manager',
    argv0: 'kube-controller-manager',
    args: [
      ...authKubeconfigs(path.join(l.configDir, 'controller-manager.kubeconfig')),
      '--bind-address=127.0.0.1',
      `--secure-port=${l.ports.controllerManager}`,
      `--cert-dir=${path.join(l.dataDir, 'controller-manager-certs')}`,
      `--cluster-signing-cert-file=${pki(l, 'ca.crt')}`,
      `--cluster-signing-key-file=${pki(l, 'ca.key')}`,
      `--root-ca-file=${pki(l, 'ca.crt')}`,
      `--service-account-private-key-file=${pki(l, 'sa.key')}`,
      `--service-cluster-ip-range=${l.network.serviceCIDR}`,
      '--use-service-account-credentials=true',
      '--leader-elect=false',
      '--profiling=false',
      ...gateArgs(gates),
      '--v=1',
    ],
  };
}

export function schedulerCommand(l: ClusterLayout, gates: Readonly<Record<string, boolean>> = {}): ComponentCommand {
  return {
    name: 'kube-scheduler',
    argv0: 'kube-scheduler',
    args: [
      ...authKubeconfigs(path.join(l.configDir, 'scheduler.kubeconfig')),
      '--bind-address=127.0.0.1',
      `--secure-port=${l.ports.scheduler}`,
      `--cert-dir=${path.join(l.dataDir, 'scheduler-certs')}`,
      '--leader-elect=false',
      '--profiling=false',
      ...gateArgs(gates),
      '--v=1',
    ],
  };
}

export function kubeletCommand(l: ClusterLayout): ComponentCommand {
  return {
    name: 'kubelet',
    argv0: 'kubelet',
    args: [
      `--config=${path.join(l.configDir, 'kubelet.yaml')}`,
      `--kubeconfig=${path.join(l.configDir, 'kubelet.kubeconfig')}`,
      `--root-dir=${l.kubeletRootDir}`,
      `--hostname-override=${l.nodeName}`,
      `--node-ip=${l.network.nodeIP}`,
      `--cert-dir=${path.join(l.dataDir, 'kubelet-certs')}`,
      '--v=1',
    ],
  };
}

export function kubeProxyCommand(l: ClusterLayout): ComponentCommand {
  return { name: 'kube-proxy', argv0: 'kube-proxy', args: [`--config=${path.join(l.configDir, 'kube-proxy.yaml')}`, '--v=1'] };
}

export function corednsCommand(l: ClusterLayout, corednsBinary: string): ComponentCommand {
  return { name: 'coredns', argv0: corednsBinary, args: ['-conf', path.join(l.configDir, 'Corefile')] };
}

