/**
 * The embedded cluster's PKI: one CA, a serving or client certificate per component, and the
 * service-account key pair. `certificatePlan` is pure (tested); `writePki` runs openssl. Keys are
 * written mode 0600 in a 0700 folder, so only root reads them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import { exists } from '../../util/fsx.js';
import { PROVISIONER_USER } from '../storage/objects.js';

export interface CertificateSpec {
  /** File stem: <name>.crt and <name>.key. */
  name: string;
  commonName: string;
  organization?: string;
  usage: 'server' | 'client' | 'both';
  dnsNames: string[];
  ipAddresses: string[];
}

export interface PkiInputs {
  nodeName: string;
  nodeIP: string;
  /** The first address of the service range: the `kubernetes` Service's ClusterIP. */
  apiServiceIP: string;
  clusterDomain: string;
}

export function certificatePlan(p: PkiInputs): CertificateSpec[] {
  const apiDns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${p.clusterDomain}`];
  return [
    { name: 'apiserver', commonName: 'kube-apiserver', usage: 'server', dnsNames: apiDns, ipAddresses: ['127.0.0.1', p.nodeIP, p.apiServiceIP] },
    { name: 'apiserver-kubelet-client', commonName: 'kube-apiserver-kubelet-client', organization: 'system:masters', usage: 'client', dnsNames: [], ipAddresses: [] },
    { name: 'apiserver-etcd-client', commonName: 'kube-apiserver-etcd-client', usage: 'client', dnsNames: [], ipAddresses: [] },
    { name: 'etcd-server', commonName: 'etcd', usage: 'both', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
    { name: 'admin', commonName: 'initc-admin', organization: 'system:masters', usage: 'client', dnsNames: [], ipAddresses: [] },
    { name: 'controller-manager', commonName: 'system:kube-controller-manager', usage: 'client', dnsNames: [], ipAddresses: [] },
    { name: 'scheduler', commonName: 'system:kube-scheduler', usage: 'client', dnsNames: [], ipAddresses: [] },
    { name: 'kube-proxy', commonName: 'system:kube-proxy', usage: 'client', dnsNames: [], ipAddresses: [] },
    { name: 'coredns', commonName: 'system:initc:coredns', usage: 'client', dnsNames: [], ipAddresses: [] },
    { name: 'storage-provisioner', commonName: PROVISIONER_USER, usage: 'client', dnsNames: [], ipAddresses: [] },
    ...nodeCertificatePlan(p),
  ];
}

/** A node's own certificates: its kubelet's client (the Node authorizer's `system:node:<name>`) and serving certificate. */
export function nodeCertificatePlan(p: Pick<PkiInputs, 'nodeName' | 'nodeIP'>): CertificateSpec[] {
  return [
    { name: 'kubelet-client', commonName: `system:node:${p.nodeName}`, organization: 'system:nodes', usage: 'client', dnsNames: [], ipAddresses: [] },
    { name: 'kubelet-server', commonName: p.nodeName, usage: 'server', dnsNames: [p.nodeName, 'localhost'], ipAddresses: [p.nodeIP, '127.0.0.1'] },
  ];
}

/** The cluster's certificates a further node's processes use as they are (its kube-proxy's, its storage provisioner's, the CA). */
export const SHARED_NODE_FILES = ['ca.crt', 'kube-proxy.crt', 'kube-proxy.key', 'storage-provisioner.crt', 'storage-provisioner.key'];

/** The openssl x509 extension section for one certificate. */
export function opensslExtensions(spec: CertificateSpec): string {
  const ekus = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth, clientAuth' }[spec.usage];
  const lines = [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    `extendedKeyUsage = ${ekus}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
  ];
  const sans = [...spec.dnsNames.map((d) => `DNS:${d}`), ...spec.ipAddresses.map((ip) => `IP:${ip}`)];
  if (sans.length) lines.push(`subjectAltName = ${sans.join(', ')}`);
  return lines.join('\n') + '\n';
}

export function subject(spec: Pick<CertificateSpec, 'commonName' | 'organization'>): string {
  const escape = (s: string) => s.replace(/[/\\]/g, (c) => `\\${c}`);
  return (spec.organization ? `/O=${escape(spec.organization)}` : '') + `/CN=${escape(spec.commonName)}`;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execa('openssl', args, { cwd });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new InitcError('missingHostFeature', 'openssl is not installed; run scripts/setup');
    throw new InitcError('componentFailed', `openssl ${args[0]} failed: ${(e.stderr ?? '').trim().split('\n').pop()}`);
  }
}

const VALID_DAYS = '3650';

/** Writes `spec`'s key and certificate into `dir`, signed by the CA in `caDir`. */
async function issue(dir: string, caDir: string, spec: CertificateSpec): Promise<void> {
  await fs.writeFile(path.join(dir, `${spec.name}.ext`), opensslExtensions(spec));
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${spec.name}.key`], dir);
  await openssl(['req', '-new', '-key', `${spec.name}.key`, '-subj', subject(spec), '-out', `${spec.name}.csr`], dir);
  await openssl(['x509', '-req', '-in', `${spec.name}.csr`, '-CA', path.join(caDir, 'ca.crt'), '-CAkey', path.join(caDir, 'ca.key'), '-CAcreateserial',
    '-days', VALID_DAYS, '-extfile', `${spec.name}.ext`, '-out', `${spec.name}.crt`], dir);
  await fs.rm(path.join(dir, `${spec.name}.csr`));
  await fs.rm(path.join(dir, `${spec.name}.ext`));
}

/** A further node's PKI folder: the cluster's shared files copied from `clusterDir`, and its own kubelet certificates signed by the cluster's CA. */
export async function writeNodePki(clusterDir: string, dir: string, inputs: Pick<PkiInputs, 'nodeName' | 'nodeIP'>): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  for (const f of SHARED_NODE_FILES) await fs.copyFile(path.join(clusterDir, f), path.join(dir, f));
  for (const spec of nodeCertificatePlan(inputs)) await issue(dir, clusterDir, spec);
  for (const f of await fs.readdir(dir)) await fs.chmod(path.join(dir, f), f.endsWith('.key') ? 0o600 : 0o644);
}

/** Writes ca, every planned certificate and the service-account keys into `dir`; keeps a complete existing set. */
export async function writePki(dir: string, inputs: PkiInputs): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  const plan = certificatePlan(inputs);
  const done = path.join(dir, '.complete');
  if (await exists(done)) return;
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  await openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=initc-ca', '-days', VALID_DAYS, '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], dir);
  for (const spec of plan) await issue(dir, dir, spec);
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], dir);
  await openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  for (const f of await fs.readdir(dir)) await fs.chmod(path.join(dir, f), f.endsWith('.key') ? 0o600 : 0o644);
  await fs.writeFile(done, '');
}
