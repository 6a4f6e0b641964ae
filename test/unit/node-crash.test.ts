/** The crash fault (lib/chaos/node-crash.ts) over a scripted node: its steps in order, its evidence, its proof, and its refusal of a node that cannot crash. */
import { expect } from 'chai';
import { crashWithStaleContainer, crashingNode } from '../../lib/chaos/node-crash.js';
import type { BlockedStart, CrashesNode, NodeAccess } from '../../lib/cluster/provider.js';
import { NodeCapabilityMissing } from '../../lib/cluster/provider.js';

const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);
const ps = (state: string) => JSON.stringify({ containers: [{ id: 'c'.repeat(64), podSandboxId: OLD, metadata: { name: 'app', attempt: 0 }, state }] });
const pods = (...s: Array<[string, string]>) => JSON.stringify({ items: s.map(([id, state]) => ({ id, metadata: { attempt: 0 }, state })) });

function node(appState: string, readyBefore = 1, afterKubelet: string[] = []): NodeAccess & CrashesNode & { steps: string[]; calls: string[] } {
  const steps: string[] = [];
  const calls: string[] = [];
  let phase: 'before' | 'down' | 'after' = 'before';
  return {
    steps,
    calls,
    nodeName: 'n',
    async crictl(args: string[]) {
      calls.push(args.join(' '));
      // Before the crash: an older sandbox of the pod, not ready, besides the ready one(s).
      if (phase === 'before' && args[0] === 'pods') return pods(['d'.repeat(64), 'SANDBOX_NOTREADY'], ...Array.from({ length: readyBefore }, (_, i): [string, string] => [i ? NEW : OLD, 'SANDBOX_READY']));
      if (args[0] === 'pods' && afterKubelet.length && steps.includes('start kubelet')) return afterKubelet.shift()!;
      if (args[0] === 'ps' && phase === 'down') throw new Error('containerd is down');
      if (args[0] === 'inspectp') return '4242';
      if (args[0] === 'pods') return phase === 'before' ? pods([OLD, 'SANDBOX_READY']) : steps.includes('start kubelet') ? pods([NEW, 'SANDBOX_READY'], [OLD, 'SANDBOX_NOTREADY']) : pods([OLD, 'SANDBOX_NOTREADY']);
      if (args[0] === 'ps') return (steps.push('list'), ps(appState));
      throw new Error(`unexpected crictl ${args.join(' ')}`);
    },
    async signalProcess() {},
    async stopComponent(c) {
      steps.push(`stop ${c}`);
    },
    async startComponent(c) {
      steps.push(`start ${c}`);
      phase = 'after';
    },
    async componentRunning() {
      return true;
    },
    async blockNextStart(): Promise<BlockedStart> {
      throw new Error('not used');
    },
    async killRuntime() {
      steps.push('kill containerd');
      phase = 'down';
    },
    async killShimOf(pid: number) {
      steps.push(`kill shim of ${pid}`);
      return { shim: 1, killed: [pid] };
    },
    async nodeUptime() {
      return 123.45;
    },
  };
}

describe('crash with a stale container (lib/chaos/node-crash.ts)', () => {
  it('stops the kubelet, kills containerd and the pod\'s shim, starts containerd, lists the pod, starts the kubelet; proven with the stale app', async () => {
    const n = node('CONTAINER_CREATED');
    let released = 0;
    const blocked: BlockedStart = { claimed: async () => true, release: async () => void released++ };
    const fault = crashWithStaleContainer('ns', 'stale', 'app', blocked);
    expect(fault.undoDescription).to.equal('containerd and the kubelet running; app\'s start released');
    expect(fault.description).to.equal('node crash while app\'s start is blocked at the runtime: kubelet stopped, containerd SIGKILLed, stale\'s shim and its processes SIGKILLed, containerd started, kubelet started');
    await fault.inject(n);
    expect(n.steps).to.deep.equal(['stop kubelet', 'kill containerd', 'kill shim of 4242', 'start containerd', 'list', 'start kubelet']);
    const labels = '--label io.kubernetes.pod.namespace=ns --label io.kubernetes.pod.name=stale';
    expect(n.calls).to.deep.equal([`pods -o json ${labels}`, `inspectp --output go-template --template {{.info.pid}} ${OLD}`, `ps -a -o json ${labels}`, `pods -o json ${labels}`]);
    const proof = await fault.prove!(n);
    expect(proof.proven, proof.seen).to.equal(true);
    expect(fault.evidence()).to.include({ app: 'app', variant: 'stale', oldSandbox: OLD, newSandbox: NEW, crashUptime: 123.45 });
    expect(fault.evidence().afterRuntimeRestart!.containers.map((c) => c.state)).to.deep.equal(['CONTAINER_CREATED']);
    await fault.undo(n);
    expect(released).to.equal(1);
  });

  it('the control: the same steps, proven only when the app is not left CREATED', async () => {
    const ok = crashWithStaleContainer('ns', 'control', 'app');
    expect(ok.description).to.match(/^node crash with app running \(control\): /);
    expect(ok.undoDescription).to.equal('containerd and the kubelet running');
    const n = node('CONTAINER_EXITED');
    await ok.inject(n);
    expect(ok.evidence().variant).to.equal('control');
    expect((await ok.prove!(n)).proven).to.equal(true);
    const wrong = crashWithStaleContainer('ns', 'control', 'app');
    const m = node('CONTAINER_CREATED');
    await wrong.inject(m);
    expect((await wrong.prove!(m)).proven).to.equal(false);
    await wrong.undo(m);
  });

  it('not one ready sandbox before the crash: refused, saying how many; a listing that fails after: not proven, saying why', async () => {
    for (const count of [0, 2]) {
      let err: Error | undefined;
      await crashWithStaleContainer('ns', 'p', 'app').inject(node('CONTAINER_CREATED', count)).catch((e: Error) => (err = e));
      expect(err?.message).to.equal(`expected one ready sandbox of ns/p, found ${count}`);
    }
    const n = node('CONTAINER_CREATED');
    const fault = crashWithStaleContainer('ns', 'p', 'app');
    await fault.inject(n);
    n.crictl = async () => {
      throw new Error('crictl pods: connection refused');
    };
    expect(await fault.prove!(n)).to.deep.equal({ claim: 'a new ready sandbox after the crash', proven: false, seen: 'collecting the evidence failed: crictl pods: connection refused', evidence: {} });
  });

  it('nothing read before the crash: not proven, saying so', async () => {
    const proof = await crashWithStaleContainer('ns', 'p', 'app').prove!(node('CONTAINER_CREATED'));
    expect(proof).to.deep.include({ claim: 'the old sandbox read before the crash', proven: false, seen: 'collecting the evidence failed: nothing was read before the crash' });
  });

  it('the proof waits for a ready sandbox other than the old one: a new one not ready yet, or the old one listed ready, is not it', async () => {
    const n = node('CONTAINER_CREATED', 1, [pods(['e'.repeat(64), 'SANDBOX_NOTREADY'], [OLD, 'SANDBOX_NOTREADY']), pods([OLD, 'SANDBOX_READY'], [NEW, 'SANDBOX_READY'])]);
    const blocked: BlockedStart = { claimed: async () => true, release: async () => {} };
    const fault = crashWithStaleContainer('ns', 'p', 'app', blocked);
    await fault.inject(n);
    const proof = await fault.prove!(n);
    expect(fault.evidence().newSandbox).to.equal(NEW);
    expect(proof.proven, proof.seen).to.equal(true);
  });

  it('a node that cannot crash a pod (kind, a privileged pod) is refused as a missing capability (the test is skipped)', async () => {
    const plain: NodeAccess = { nodeName: 'n', crictl: async () => '', signalProcess: async () => {}, stopComponent: async () => {}, startComponent: async () => {}, componentRunning: async () => true };
    expect(() => crashingNode(plain)).to.throw(NodeCapabilityMissing, /needs the embedded cluster/);
    let err: unknown;
    await crashWithStaleContainer('ns', 'p', 'app').inject(plain).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(NodeCapabilityMissing);
  });
});
