/**
 * When a kind cluster initc created is usable: every node Ready, every kube-system pod Running
 * (the per-node ones on each node), and, with several nodes, each node's route to every other
 * node's pods in place (cni.ts sets them). Checked here by watching, since `kind create --wait`
 * only warns on timeout. The verdicts are pure (unit-tested); the waits around them are not.
 */
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import type { KubeConfig, V1Node, V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { InitcError } from '../../errors.js';
import { sleep } from '../../util/time.js';
import { dockerEnv } from './docker.js';

/** Pod name prefixes in kube-system that must all be Running before create returns. */
const SYSTEM_PODS = ['etcd-', 'kube-apiserver-', 'kube-controller-manager-', 'kube-scheduler-', 'kube-proxy-', 'coredns-', 'initc-cni-'];
/** Of those, the DaemonSets' pods: one must run on each node. */
const PER_NODE_PODS = ['kube-proxy-', 'initc-cni-'];

export const isNodeReady = (node: V1Node) => node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** What is still missing for a usable cluster of the nodes `expected`, given the nodes and kube-system pods seen; empty when ready. Pure. */
export function clusterNotReady(nodes: V1Node[], expected: string[], pods: V1Pod[]): string[] {
  const missing: string[] = [];
  for (const name of expected) {
    const node = nodes.find((n) => n.metadata?.name === name);
    if (!node || !isNodeReady(node)) missing.push(`node ${name} Ready`);
  }
  for (const prefix of SYSTEM_PODS) {
    const mine = pods.filter((p) => p.metadata?.name?.startsWith(prefix) && !p.metadata?.deletionTimestamp);
    const what = prefix.replace(/-$/, '');
    if (mine.length === 0 || mine.some((p) => p.status?.phase !== 'Running')) missing.push(`${what} Running`);
    else if (PER_NODE_PODS.includes(prefix)) for (const name of expected.filter((n) => !mine.some((p) => p.spec?.nodeName === n))) missing.push(`${what} Running on ${name}`);
  }
  return missing;
}

/** Watches the nodes and kube-system's pods until clusterNotReady says nothing is missing. */
export async function waitForCluster(kc: KubeConfig, expected: string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const watch = new Watch(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = new Map<string, V1Node>();
  const pods = new Map<string, V1Pod>();
  const controllers: AbortController[] = [];
  let finished = false;
  const notReady = () => clusterNotReady([...nodes.values()], expected, [...pods.values()]);
  try {
    await new Promise<void>((resolve, reject) => {
      const finish = (err?: unknown) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => finish(new InitcError('componentFailed', `cluster not ready after ${timeoutMs / 1000}s: waiting for ${notReady().join(', ')}`)), timeoutMs);
      signal?.addEventListener('abort', () => finish(new InitcError('interrupted', 'interrupted while waiting for the kind cluster')), { once: true });
      const check = () => {
        if (notReady().length === 0) finish();
      };
      const start = (what: 'nodes' | 'pods') => {
        if (finished) return;
        const again = () => setTimeout(() => start(what), 500);
        const seen = what === 'nodes' ? nodes : pods;
        // list first (resourceVersion), then watch from there; a closed watch lists again
        const listed = (what === 'nodes' ? core.listNode() : core.listNamespacedPod({ namespace: 'kube-system' })).then((l) => {
          seen.clear();
          for (const o of l.items as Array<V1Node | V1Pod>) (seen as Map<string, V1Node | V1Pod>).set(o.metadata!.name!, o);
          return l.metadata?.resourceVersion;
        });
        listed.then(
          (resourceVersion) => {
            check();
            if (finished) return;
            const pathFor = what === 'nodes' ? '/api/v1/nodes' : '/api/v1/namespaces/kube-system/pods';
            watch
              .watch(pathFor, { resourceVersion }, (type, obj: V1Node | V1Pod) => {
                if (type === 'DELETED') seen.delete(obj.metadata!.name!);
                else (seen as Map<string, V1Node | V1Pod>).set(obj.metadata!.name!, obj);
                check();
              }, () => again())
              .then((c) => controllers.push(c), again);
          },
          again, // the API server may still be settling: list again
        );
      };
      start('nodes');
      start('pods');
    });
  } finally {
    finished = true;
    for (const c of controllers) c.abort();
  }
}

/** A route a node needs: to `cidr` (another node's pods) via `via` (that node's address). */
export interface PodRoute {
  node: string;
  cidr: string;
  via: string;
}

const internalIp = (n: V1Node) => n.status?.addresses?.find((a) => a.type === 'InternalIP' && !a.address.includes(':'))?.address;

/** Every node's routes to the other nodes' pod ranges; a node without podCIDR or address is named in `unknown`. Pure. */
export function expectedPodRoutes(nodes: V1Node[]): { routes: PodRoute[]; unknown: string[] } {
  const unknown = nodes.filter((n) => !n.spec?.podCIDR || !internalIp(n)).map((n) => n.metadata?.name ?? '?');
  const known = nodes.filter((n) => n.spec?.podCIDR && internalIp(n));
  const routes: PodRoute[] = [];
  for (const n of known) {
    for (const other of known) if (other !== n) routes.push({ node: n.metadata!.name!, cidr: other.spec!.podCIDR!, via: internalIp(other)! });
  }
  return { routes, unknown };
}

/** Whether `ip route show exact CIDR` printed the route `r`. Pure. */
export const routeInPlace = (ipRouteShow: string, r: PodRoute) => ipRouteShow.split('\n').some((l) => l.startsWith(`${r.cidr} via ${r.via} `));

/** Waits until every node (a container of the same name) has its routes to the other nodes' pods; returns them. */
export async function waitForPodRoutes(kc: KubeConfig, timeoutMs: number, signal?: AbortSignal): Promise<PodRoute[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  let missing: string[] = [];
  for (;;) {
    if (signal?.aborted) throw new InitcError('interrupted', 'interrupted while waiting for the routes between the kind nodes');
    const { routes, unknown } = expectedPodRoutes((await core.listNode()).items);
    missing = unknown.map((n) => `node ${n}'s podCIDR and address`);
    for (const r of routes) {
      const shown = await execa('docker', ['exec', r.node, 'ip', 'route', 'show', 'exact', r.cidr], { env: dockerEnv(), reject: false });
      if (!routeInPlace(String(shown.stdout), r)) missing.push(`${r.node}: ${r.cidr} via ${r.via}`);
    }
    if (missing.length === 0) return routes;
    if (Date.now() > deadline) throw new InitcError('componentFailed', `routes between the kind nodes missing after ${timeoutMs / 1000}s: ${missing.join(', ')}`);
    await sleep(500);
  }
}
