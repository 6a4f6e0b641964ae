/**
 * The dependency outage of `initc check`: a Service taken away (and put back), how long the cluster
 * DNS may still answer for it, and the proof that the outage reached the namespace — a small pod of
 * the fixture image beside the workload asks the cluster DNS for the Service's name before (it must
 * resolve) and after (it must be NXDOMAIN) the removal. No proof, no verdict.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod, V1Service } from '@kubernetes/client-node';
import type { Fault } from '../chaos/fault.js';
import { proofFailed, serviceGoneProof } from '../chaos/proof.js';
import { readServiceOrNone, recreateService } from '../chaos/service-outage.js';
import { execInPod } from '../kube/exec.js';
import { fixtureImage } from '../fixture-image.js';
import { sleep } from '../util/time.js';
import { CheckBroken } from './outcome.js';
import type { DnsAnswer, ProbeOutput } from './verdicts.js';
import { dnsAnswer, dnsTtlSeconds } from './verdicts.js';

/**
 * A Service taken away; it proves the API no longer has it; undo creates it again from the same
 * spec (without its ClusterIP) if it is missing. That the name is gone where the workload looks it
 * up is proven apart, from inside the namespace (lookUp).
 */
export function serviceRemoved(namespace: string, name: string): Fault<KubeConfig> {
  let saved: V1Service | undefined;
  return {
    description: `Service ${name} deleted`,
    undoDescription: `Service ${name} created again`,
    async inject(kc) {
      const core = kc.makeApiClient(CoreV1Api);
      saved = await core.readNamespacedService({ namespace, name });
      await core.deleteNamespacedService({ namespace, name });
    },
    async prove(kc) {
      try {
        const now = await readServiceOrNone(kc, namespace, name);
        return serviceGoneProof({ service: name, uidBefore: saved?.metadata?.uid, uidNow: now?.metadata?.uid });
      } catch (err) {
        return proofFailed(`Service ${name} not found after its deletion`, err);
      }
    },
    async undo(kc) {
      if (saved) await recreateService(kc, namespace, name, saved);
    },
  };
}

/** How long to wait after the removal before the name can be expected gone: the DNS record's TTL and a second. */
export async function dnsForgetsWithin(kc: KubeConfig): Promise<number> {
  const corefile = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' })
    .then((cm) => cm.data?.['Corefile'], () => undefined);
  return (dnsTtlSeconds(corefile) + 1) * 1000;
}

export const DNS_PROBER = 'initc-dns-prober';

/** A pod of the fixture image in the namespace that only sleeps, for asking the cluster DNS from inside the namespace. */
export async function startDnsProber(kc: KubeConfig, namespace: string, labels: Record<string, string>, timeoutMs = 90_000): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const exists = await core.readNamespacedPod({ namespace, name: DNS_PROBER }).then(() => true, () => false);
  if (!exists) {
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: DNS_PROBER, labels: { ...labels, 'initc.dev/role': 'dns-prober' } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'prober', image: fixtureImage(), imagePullPolicy: 'IfNotPresent', command: ['sleep', '100000'], resources: { requests: { cpu: '5m', memory: '8Mi' } } }] },
      },
    });
  }
  const end = Date.now() + timeoutMs;
  let last: V1Pod | undefined;
  while (Date.now() < end) {
    last = await core.readNamespacedPod({ namespace, name: DNS_PROBER });
    if (last.status?.containerStatuses?.[0]?.state?.running) return;
    await sleep(500);
  }
  const waiting = last?.status?.containerStatuses?.[0]?.state?.waiting;
  throw new CheckBroken(`cannot prove the outage: the DNS prober pod (image ${fixtureImage()}) did not run within ${timeoutMs / 1000} s${waiting ? ` (${waiting.reason}: ${waiting.message ?? ''})` : ''}; make the fixture image available to the cluster (initc image load, or INITC_FIXTURE_IMAGE)`);
}

export interface DnsLookup {
  fqdn: string;
  answer: DnsAnswer;
  output: ProbeOutput;
}

/** Asks the cluster DNS for `fqdn` from inside the namespace (busybox nslookup in the prober pod). */
export async function lookUp(kc: KubeConfig, namespace: string, fqdn: string): Promise<DnsLookup> {
  const r = await execInPod(kc, { namespace, pod: DNS_PROBER }, 'prober', ['nslookup', fqdn], 30_000);
  const output = { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  return { fqdn, answer: dnsAnswer(output), output };
}

export const formatLookup = (l: DnsLookup) => `nslookup ${l.fqdn} → ${l.answer} (exit ${l.output.exitCode})\n${l.output.stdout}${l.output.stderr ? `\n[stderr] ${l.output.stderr}` : ''}`;
