/**
 * The node access of the cluster a run uses, for suites running in Mocha's worker processes: they
 * learn the provider from the run's environment (INITC_PROVIDER), not from an object handed to them.
 */
import { clusterLayout } from './local/layout.js';
import { LocalNode } from './local/node.js';
import { KindNode } from './kind/node.js';
import type { NodeAccess } from './provider.js';

/** Undefined: the run's cluster offers no node access, and why. */
export function nodeAccessFor(provider: string | undefined, context?: string): { access?: NodeAccess; why?: string } {
  if (provider === 'local') return { access: new LocalNode(clusterLayout()) };
  // A kind cluster's context is kind-<cluster name>.
  if (provider === 'kind' && context?.startsWith('kind-')) return { access: new KindNode(context.slice('kind-'.length)) };
  return { why: `the ${provider || 'kubeconfig'} provider offers no access to the node (its kubelet and container runtime), which fault injection needs` };
}
