/**
 * A small API server in this process for the injectors of lib/chaos on workloads: one node, one
 * Deployment's pods (cloned from a recorded Ready pod), and a controller that, when `acts` is on,
 * replaces a deleted or evicted pod, rolls out a new revision on the restart annotation and makes
 * the pods a scale asks for — or, off, does nothing (the negative control: the fault did not take
 * effect). It records every request, so a test sees what the injector asked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { pods as recorded } from './workload-pods.js';

export interface FakeApi {
  kc: KubeConfig;
  pods: V1Pod[];
  node: { unschedulable?: boolean };
  replicas: number;
  requests: string[];
  /** The controller acts (replaces, rolls out, scales); off: nothing happens. */
  acts: boolean;
  /** The Eviction API refuses (429), as with a PodDisruptionBudget. */
  refuseEviction: boolean;
  /** The scheduler cannot place a replacement while the node is cordoned (one node). */
  close(): Promise<void>;
}

let serial = 0;

export async function fakeWorkloadApi(): Promise<FakeApi> {
  const template = recorded('ready-pods')[0]!;
  const newPod = (revision: string, opts: { pending?: boolean } = {}): V1Pod => {
    const p = structuredClone(template);
    serial += 1;
    p.metadata!.name = `migrator-${revision}-${serial}`;
    p.metadata!.uid = `uid-${serial}`;
    p.metadata!.labels = { ...p.metadata!.labels, 'pod-template-hash': revision };
    if (opts.pending) {
      delete p.spec!.nodeName;
      p.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.' }] };
    }
    return p;
  };
  const api: FakeApi = { kc: new KubeConfig(), pods: [newPod('rev1')], node: {}, replicas: 1, requests: [], acts: true, refuseEviction: false, close: async () => undefined };
  const replace = (name: string) => {
    const i = api.pods.findIndex((p) => p.metadata!.name === name);
    if (i < 0) return false;
    const [gone] = api.pods.splice(i, 1);
    if (api.acts) api.pods.push(newPod(gone!.metadata!.labels!['pod-template-hash']!, { pending: api.node.unschedulable === true }));
    return true;
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      api.requests.push(`${req.method} ${url.pathname}${body ? ` ${body}` : ''}`);
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      const p = url.pathname;
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && /\/pods$/.test(p)) return send(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: api.pods });
      if ((m = /\/pods\/([^/]+)\/eviction$/.exec(p))) {
        if (api.refuseEviction) return send(429, { kind: 'Status', code: 429, message: "Cannot evict pod as it would violate the pod's disruption budget." });
        return replace(m[1]!) ? send(201, { kind: 'Status', code: 201 }) : send(404, { kind: 'Status', code: 404, message: 'not found' });
      }
      if (req.method === 'DELETE' && (m = /\/pods\/([^/]+)$/.exec(p))) return replace(m[1]!) ? send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' }) : send(404, { kind: 'Status', code: 404 });
      if (/\/nodes\/[^/]+$/.test(p)) {
        if (req.method === 'PATCH') {
          api.node.unschedulable = (JSON.parse(body) as { spec: { unschedulable: boolean | null } }).spec.unschedulable === true;
          if (!api.node.unschedulable && api.acts) api.pods = api.pods.map((x) => (x.spec?.nodeName ? x : newPod(x.metadata!.labels!['pod-template-hash']!)));
        }
        return send(200, { kind: 'Node', apiVersion: 'v1', metadata: { name: 'initc-flt-node' }, spec: { unschedulable: api.node.unschedulable } });
      }
      if (/\/deployments\/migrator\/scale$/.test(p)) {
        if (req.method === 'PATCH') {
          const want = (JSON.parse(body) as { spec: { replicas: number } }).spec.replicas;
          api.replicas = want;
          if (api.acts) {
            while (api.pods.length < want) api.pods.push(newPod(api.pods[0]!.metadata!.labels!['pod-template-hash']!));
            api.pods.splice(want);
          }
        }
        return send(200, { kind: 'Scale', spec: { replicas: api.replicas } });
      }
      if (/\/deployments\/migrator$/.test(p)) {
        if (req.method === 'PATCH' && api.acts) api.pods = api.pods.map(() => newPod('rev2'));
        return send(200, { kind: 'Deployment', spec: { replicas: api.replicas } });
      }
      send(404, { kind: 'Status', code: 404, message: `no route ${req.method} ${p}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  api.kc.loadFromOptions({ clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }], currentContext: 'fake' });
  api.close = () => new Promise((r) => server.close(() => r()));
  return api;
}
