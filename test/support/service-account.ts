/** A ServiceAccount's token in a kubeconfig of its own: the identity a CI job holds, for the permission tests. */
import { promises as fs } from 'node:fs';
import yaml from 'js-yaml';
import type { KubeConfig } from '@kubernetes/client-node';
import { requestJson } from '../../lib/kube/raw.js';

/** A kubeconfig of the admin kubeconfig's cluster with the token as its only credential. */
export function tokenKubeconfig(admin: KubeConfig, user: string, token: string): string {
  const cluster = admin.getCurrentCluster()!;
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'sa', context: { cluster: 'c', user } }],
    'current-context': 'sa',
  });
}

/** Asks the API server for an hour's token of ServiceAccount `namespace/name` (TokenRequest) and writes it to `file` as a kubeconfig. */
export async function writeServiceAccountKubeconfig(admin: KubeConfig, namespace: string, name: string, file: string): Promise<void> {
  const tr = await requestJson<{ status: { token: string } }>(admin, 'POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  await fs.writeFile(file, tokenKubeconfig(admin, name, tr.status.token));
}
