/** The API server's version, asked once per process: the suites' labels and the STATUS rules follow its minor. */
import { VersionApi } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';

export interface ServerInfo {
  gitVersion: string;
  minor: number;
}

let server: Promise<ServerInfo> | undefined;

export function serverInfo(kc: KubeConfig): Promise<ServerInfo> {
  server ??= kc
    .makeApiClient(VersionApi)
    .getCode()
    .then((v) => ({ gitVersion: v.gitVersion, minor: Number.parseInt(v.minor.replace(/\D.*$/, ''), 10) }));
  return server;
}
