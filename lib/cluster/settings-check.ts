/**
 * The settings of a cluster initc makes (embedded or kind), checked twice: before anything starts,
 * the release's own API server binary is asked whether it takes the gates (unknown, locked or
 * missing a dependency: a one-line usage error); after the cluster is up, the gates and kubelet
 * fields are read back from it.
 */
import { execa } from 'execa';
import type { KubeConfig } from '@kubernetes/client-node';
import { InitcError } from '../errors.js';
import type { ClusterSettings } from './features.js';
import { gateRefusal, gatesFlag, gatesNotInForce, isUnknownGate, kubeletSettingsNotInForce, withoutGates } from './features.js';
import { apiserverGates, kubeletConfigInForce, kubeletGates } from '../kube/gates-in-force.js';

async function refusalOf(kubeBinary: string, gates: Readonly<Record<string, boolean>>, release: string): Promise<string | undefined> {
  const r = await execa(kubeBinary, [`--feature-gates=${gatesFlag(gates)}`, '--version'], { argv0: 'kube-apiserver', reject: false, all: true, timeout: 60_000 });
  const refusal = gateRefusal(r.all ?? '');
  if (!refusal && r.exitCode !== 0) throw new InitcError('componentFailed', `kube-apiserver ${release} --version failed (exit ${r.exitCode}): ${(r.all ?? '').split('\n')[0]}`);
  return refusal;
}

export async function checkGatesKnown(kubeBinary: string, gates: Readonly<Record<string, boolean>>, release: string): Promise<void> {
  const refusal = await refusalOf(kubeBinary, gates, release);
  if (refusal) throw new InitcError('usage', `--feature-gates: Kubernetes ${release} refuses them: ${refusal}`);
}

/**
 * The settings a cluster of `release` runs with: as asked, or with --only-known-gates less the
 * gates the release does not know (each asked alone); the rest must then be taken together.
 */
export async function settleGates(kubeBinary: string, s: ClusterSettings, release: string): Promise<{ settings: ClusterSettings; dropped: string[] }> {
  const dropped: string[] = [];
  if (s.onlyKnownGates) {
    for (const [gate, value] of Object.entries(s.featureGates)) {
      const refusal = await refusalOf(kubeBinary, { [gate]: value }, release);
      if (refusal && isUnknownGate(refusal)) dropped.push(gate);
    }
  }
  const settings = withoutGates(s, dropped);
  if (Object.keys(settings.featureGates).length) await checkGatesKnown(kubeBinary, settings.featureGates, release);
  return { settings, dropped };
}

export async function checkSettingsInForce(kc: KubeConfig, node: string, s: ClusterSettings): Promise<void> {
  const problems: string[] = [];
  if (Object.keys(s.featureGates).length) {
    for (const c of [await apiserverGates(kc), await kubeletGates(kc, node)]) {
      if (!c.gates) problems.push(`${c.component}: gates unreadable: ${c.unreadable}`);
      else problems.push(...gatesNotInForce(s.featureGates, c.gates, c.component));
    }
  }
  if (Object.keys(s.kubelet).length) {
    const k = await kubeletConfigInForce(kc, node);
    if (!k.config) problems.push(`kubelet /configz unreadable: ${k.unreadable}`);
    else problems.push(...kubeletSettingsNotInForce(s.kubelet, k.config));
  }
  if (problems.length) throw new InitcError('componentFailed', `the cluster does not run with the settings asked for: ${problems.join('; ')}`);
}
