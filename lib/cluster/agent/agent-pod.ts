/** The privileged agent pod: its name, its spec, and the node it goes to. */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { formatPodRef } from '../../kube/exec.js';
import type { PodRef } from '../../kube/exec.js';

export const AGENT_POD = 'initc-node-agent';
export const AGENT_CONTAINER = 'agent';
/** Into PID 1's namespaces: the commands see the node's filesystem, processes and network. */
export const NSENTER = ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--'];

/** Where the agent is, as `initc run` passes it to suites in Mocha's workers: `namespace/pod`. */
export type AgentRef = PodRef;

export const formatAgentRef = formatPodRef;

export function parseAgentRef(s: string): AgentRef | undefined {
  const m = /^([a-z0-9][a-z0-9-]*)\/([a-z0-9][a-z0-9.-]*)$/.exec(s.trim());
  return m ? { namespace: m[1]!, pod: m[2]! } : undefined;
}

/** The agent pod (pure): privileged, the host's PID, network and IPC namespaces, the host's root at /host, pinned to `node`. */
export function agentPod(o: { node: string; image: string; labels: Record<string, string> }): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: AGENT_POD, labels: { ...o.labels, 'app.kubernetes.io/name': AGENT_POD } },
    spec: {
      nodeName: o.node,
      hostPID: true,
      hostNetwork: true,
      hostIPC: true,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: AGENT_CONTAINER,
          image: o.image,
          imagePullPolicy: 'IfNotPresent',
          // Waits in a loop a TERM ends at once (busybox sleep as PID 1 would ignore it).
          command: ['sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'],
          securityContext: { privileged: true },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        },
      ],
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
    },
  };
}

const isReady = (n: V1Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const isSchedulable = (n: V1Node) => !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');

/**
 * The node the agent and every fixture pod of the run go to (pure): a Ready node that takes pods,
 * preferring one that runs the API server as a static pod (so its restart can be injected), then by
 * name. `note` says which and why, when there was a choice.
 */
export function chooseAgentNode(nodes: V1Node[], apiServerNodes: string[]): { node: string; note?: string } {
  const usable = nodes.filter((n) => isReady(n) && isSchedulable(n)).map((n) => n.metadata!.name!);
  if (!usable.length) {
    throw new Error(`no Ready node takes pods (${nodes.map((n) => `${n.metadata?.name}: ${isReady(n) ? 'tainted or cordoned' : 'not Ready'}`).join(', ') || 'no node at all'})`);
  }
  const sorted = [...usable].sort((a, b) => Number(apiServerNodes.includes(b)) - Number(apiServerNodes.includes(a)) || a.localeCompare(b));
  const node = sorted[0]!;
  if (usable.length === 1) return { node };
  return { node, note: `${usable.length} nodes take pods (${sorted.join(', ')}): node access and every fixture pod of the run are pinned to ${node}${apiServerNodes.includes(node) ? ' (it runs the API server)' : ''}` };
}
