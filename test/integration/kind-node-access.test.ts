/**
 * Node access on a cluster given only by kubeconfig, through the privileged agent pod (`initc run
 * --node-access privileged-pod`), end to end on a kind cluster (systemd and crictl in the node,
 * reached here only through its kubeconfig, never with docker exec; the kind files' shared cluster,
 * test/support/shared-kind.ts, whose destroy kind.test checks): the CRI faults and one
 * node-wide fault (a kubelet restart, one detached command on the node) pass with nothing skipped;
 * without the flag every one of those tests is skipped with the reason naming the flag (exit 12).
 * Afterwards no namespace of either run is left, and the kubelet and containerd run. Root (it may
 * start dockerd); about 2 minutes with the node image built.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import type { KindCluster } from '../../lib/cluster/kind/kind.js';
import { dockerEnv } from '../../lib/cluster/kind/docker.js';
import { ExitCode } from '../../lib/errors.js';
import { readResults } from '../../lib/report/results.js';
import type { ResultFile } from '../../lib/report/results.js';
import { initc } from '../support/cli.js';
import { sharedKindCluster } from '../support/shared-kind.js';

/** The chaos-kill and chaos-sandbox tests, and of chaos-node the kubelet restart (Mocha matches the full title). */
const GREP = '^chaos-(kill|sandbox):|kubelet restarted';
const EXPECTED_TESTS = 6 + 4 + 1;

interface Attached {
  name: string;
  source: string;
}
interface WithSteps {
  attachments?: Attached[];
  steps?: WithSteps[];
}

const allAttachments = (x: WithSteps): Attached[] => [...(x.attachments ?? []), ...(x.steps ?? []).flatMap(allAttachments)];

/** The text of a result's attachment, in the result or one of its steps (the kit attaches a skipped test's reason as "skipped"). */
async function attachment(dir: string, r: ResultFile, name: string): Promise<string | undefined> {
  const found = allAttachments(r as ResultFile & WithSteps).find((a) => a.name === name);
  return found ? fs.readFile(path.join(dir, found.source), 'utf8') : undefined;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('node access through a privileged pod on a kubeconfig cluster (integration; root, kind)', function () {
  this.timeout(30 * 60_000);
  let cluster: KindCluster | undefined;
  const outs: string[] = [];

  const runChaos = async (extra: string[]) => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-node-access-'));
    outs.push(out);
    const started = Date.now();
    const r = await initc(['run', '--kubeconfig', cluster!.kubeconfigPath, '--context', cluster!.context, '--suite', 'chaos-kill,chaos-sandbox,chaos-node', '--grep', GREP, '--out', out, ...extra]);
    console.log(`    (initc run ${extra.join(' ') || 'without --node-access'}: exit ${r.exitCode} after ${((Date.now() - started) / 1000).toFixed(1)}s)`);
    const resultsDir = path.join(out, 'allure-results');
    return { r, resultsDir, results: await readResults(resultsDir).catch(() => [] as ResultFile[]), output: `${String(r.stdout)}\n${String(r.stderr)}` };
  };

  /** Namespaces of initc runs, being deleted or not. */
  const runNamespaces = async () =>
    (await cluster!.kubeConfig().makeApiClient(CoreV1Api).listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=initc,initc.dev/run' })).items.map((n) => `${n.metadata!.name!}${n.metadata?.deletionTimestamp ? ' (terminating)' : ''}`);
  const agentPods = async () =>
    (await cluster!.kubeConfig().makeApiClient(CoreV1Api).listPodForAllNamespaces({ labelSelector: 'app.kubernetes.io/name=initc-node-agent' })).items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);

  before(async () => {
    ({ cluster } = await sharedKindCluster());
  });

  after(async () => {
    for (const out of outs) await fs.rm(out, { recursive: true, force: true });
  });

  // Both runs at once: the one without the flag injects nothing, so the other's kubelet restart does not bear on it.
  let withAccess: ReturnType<typeof runChaos>;
  let withoutAccess: ReturnType<typeof runChaos>;
  before(() => {
    withAccess = runChaos(['--node-access', 'privileged-pod']);
    withoutAccess = runChaos([]);
    // Awaited by the tests; a rejection here is theirs to report.
    withAccess.catch(() => undefined);
    withoutAccess.catch(() => undefined);
  });

  it('with --node-access privileged-pod: the CRI faults and a kubelet restart pass, none skipped; the agent and every namespace of the run are gone; the kubelet and containerd run', async () => {
    const { r, results, output } = await withAccess;
    // The checks of "every namespace of the run gone" below need the other run ended too; its own failure is its test's.
    await withoutAccess.catch(() => undefined);
    expect(r.exitCode, output.slice(-3000)).to.equal(0);
    expect(output).to.match(/node access: pod initc-node-agent-[a-z0-9]+\/initc-node-agent on node [^:]+: crictl \S+ → unix:\/\/\S+; systemd \(kubelet active, containerd active\)/);
    const counts = (st: string) => results.filter((x) => x.status === st).length;
    expect({ total: results.length, passed: counts('passed'), skipped: counts('skipped'), failed: counts('failed'), broken: counts('broken') }).to.deep.equal({ total: EXPECTED_TESTS, passed: EXPECTED_TESTS, skipped: 0, failed: 0, broken: 0 });
    expect(results.some((x) => /kubelet restarted/.test(x.name)), 'the kubelet restart ran').to.equal(true);
    // The run deleted its namespaces (the agent's too); the namespace controller removes what is in them.
    expect((await runNamespaces()).filter((n) => !n.endsWith('(terminating)')), 'namespaces of the run not being deleted').to.deep.equal([]);
    await until('the agent pod and every namespace of the run gone', async () => (await agentPods()).length === 0 && (await runNamespaces()).length === 0);
    // Seen from outside the cluster (the only docker exec of this file): the faults' undo left both running.
    const node = cluster!.nodeName;
    const active = await execa('docker', ['exec', node, 'systemctl', 'is-active', 'kubelet', 'containerd'], { env: dockerEnv(), reject: false });
    expect(String(active.stdout).trim().split('\n')).to.deep.equal(['active', 'active']);
  });

  it('without the flag: every one of those tests is skipped with the reason naming the flag, and the run exits 12', async () => {
    const { r, resultsDir, results, output } = await withoutAccess;
    expect(r.exitCode, output.slice(-3000)).to.equal(ExitCode.nothingRan);
    expect(results).to.have.length(EXPECTED_TESTS);
    const reason = /the kubeconfig provider offers no access to the node .*`initc run --node-access privileged-pod` allows initc a privileged pod on the node/;
    for (const x of results) {
      expect(x.status, x.name).to.equal('skipped');
      expect(await attachment(resultsDir, x, 'skipped'), `the skip reason of "${x.name}"`).to.match(reason);
    }
    expect(output.match(/\(skipped: the kubeconfig provider offers no access to the node/g) ?? [], 'skip reasons printed').to.have.length(EXPECTED_TESTS);
    expect(output).not.to.match(/node access: pod/);
    await until('every namespace of the run gone', async () => (await runNamespaces()).length === 0);
  });
});
