/** An HTTP server on loopback that plays a scripted API server, and a KubeConfig pointing at it. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface ScriptedServer {
  kc: KubeConfig;
  close(): void;
}

export async function scriptedServer(handler: http.RequestListener): Promise<ScriptedServer> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return {
    kc,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
