/**
 * The node access of the cluster a run uses, for suites running in Mocha's worker processes: they
 * learn the provider from the run's environment (INITC_PROVIDER), not from an object handed to them.
 * A cluster given by kubeconfig has node access only through the privileged agent pod that
 * `initc run --node-access privileged-pod` made (INITC_NODE_AGENT=namespace/pod, on node
 * INITC_NODE_NAME, to which every fixture pod of the run is pinned).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAgentRef } from './agent/agent-pod.js';
import { PrivilegedPodNode } from './agent/privileged-pod.js';
import { CLUSTER_NAME, clusterOfContext } from './local/layout.js';
import { layoutOf } from './local/slots.js';
import { LocalNode } from './local/node.js';
import { KindNode } from './kind/node.js';
import type { NodeAccess } from './provider.js';

/** `namespace/pod` of the run's privileged agent pod. */
export const NODE_AGENT_ENV = 'INITC_NODE_AGENT';
/** The node the agent runs on; every fixture pod of the run is placed there. */
export const PINNED_NODE_ENV = 'INITC_NODE_NAME';
/**
 * On a cluster of several nodes with node access per node (`Nodes`): the run's home node, node 0
 * (the one whose access nodeAccessFor builds), to which the fixture pods go unless a scenario
 * spreads them over the nodes (drain). Unlike INITC_NODE_NAME, no privileged pod is involved.
 */
export const HOME_NODE_ENV = 'INITC_HOME_NODE';
/** Why the run has no node access although --node-access was given (the agent could not start). */
export const NODE_ACCESS_PROBLEM_ENV = 'INITC_NODE_ACCESS_PROBLEM';

/** The value of --node-access that allows a privileged pod. */
export const PRIVILEGED_POD = 'privileged-pod';

const agents = new Map<string, PrivilegedPodNode>();

export interface NodeAccessEnv {
  /** INITC_NODE_AGENT, INITC_NODE_NAME, INITC_NODE_ACCESS_PROBLEM (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** The run's cluster, for the agent's exec calls. */
  kubeConfig?: () => KubeConfig;
}

/** Undefined: the run's cluster offers no node access, and why. */
export function nodeAccessFor(provider: string | undefined, context?: string, o: NodeAccessEnv = {}): { access?: NodeAccess; why?: string } {
  const env = o.env ?? process.env;
  // An embedded cluster's context is initc or initc-<cluster name>.
  if (provider === 'local') return { access: new LocalNode(layoutOf(clusterOfContext(context) ?? CLUSTER_NAME)) };
  // A kind cluster's context is kind-<cluster name>.
  if (provider === 'kind' && context?.startsWith('kind-')) return { access: new KindNode(context.slice('kind-'.length)) };
  const agent = env[NODE_AGENT_ENV] ? parseAgentRef(env[NODE_AGENT_ENV]!) : undefined;
  const node = env[PINNED_NODE_ENV];
  if (agent && node && o.kubeConfig) {
    const key = `${env[NODE_AGENT_ENV]}@${node}`;
    let access = agents.get(key);
    if (!access) agents.set(key, (access = new PrivilegedPodNode(o.kubeConfig, agent, node)));
    return { access };
  }
  if (env[NODE_ACCESS_PROBLEM_ENV]) return { why: `node access through a privileged pod failed: ${env[NODE_ACCESS_PROBLEM_ENV]}` };
  return {
    why: `the ${provider || 'kubeconfig'} provider offers no access to the node (its kubelet and container runtime), which fault injection needs; \`initc run --node-access ${PRIVILEGED_POD}\` allows initc a privileged pod on the node for it`,
  };
}
