/** The crash fault (lib/chaos/node-crash.ts) over a scripted node: its steps in order, its evidence, its proof, and its refusal of a node that cannot crash. */
import { expect } from 'chai';
import { crashWithStaleContainer, crashingNode } from '../../lib/chaos/node-crash.js';
import type { BlockedStart, CrashesNode, NodeAccess } from '../../lib/cluster/provider.js';
import { NodeCapabilityMissing } from '../../lib/cluster/provider.js';

const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);
const ps = (state: string) => JSON.stringify({ containers: [{ id: 'c'.repeat(64), podSandboxId: OLD, metadata: { name: 'app', attempt: 0 }, state }] });
const pods = (...s: Array<[string, string]>) => JSON.stringify({ items: s.map(([id, state]) => ({ id, metadata: { attempt: 0 }, state })) });

function node(appState: string): NodeAccess & CrashesNode & { steps: string[] } {
  const steps: string[] = [];
  let phase: 'before' | 'down' | 'after' = 'before';
  return {
    steps,
    nodeName: 'n',
    async crictl(args: string[]) {
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
    expect(fault.description).to.equal('node crash while app\'s start is blocked at the runtime: kubelet stopped, containerd SIGKILLed, stale\'s shim and its processes SIGKILLed, containerd started, kubelet started');
    await fault.inject(n);
    expect(n.steps).to.deep.equal(['stop kubelet', 'kill containerd', 'kill shim of 4242', 'start containerd', 'list', 'start kubelet']);
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
    expect((await ok.prove!(n)).proven).to.equal(true);
    const wrong = crashWithStaleContainer('ns', 'control', 'app');
    const m = node('CONTAINER_CREATED');
    await wrong.inject(m);
    expect((await wrong.prove!(m)).proven).to.equal(false);
    await wrong.undo(m);
  });

  it('nothing read before the crash: not proven, saying so', async () => {
    const proof = await crashWithStaleContainer('ns', 'p', 'app').prove!(node('CONTAINER_CREATED'));
    expect(proof).to.deep.include({ proven: false, seen: 'collecting the evidence failed: nothing was read before the crash' });
  });

  it('a node that cannot crash a pod (kind, a privileged pod) is refused as a missing capability (the test is skipped)', async () => {
    const plain: NodeAccess = { nodeName: 'n', crictl: async () => '', signalProcess: async () => {}, stopComponent: async () => {}, startComponent: async () => {}, componentRunning: async () => true };
    expect(() => crashingNode(plain)).to.throw(NodeCapabilityMissing, /needs the embedded cluster/);
    let err: unknown;
    await crashWithStaleContainer('ns', 'p', 'app').inject(plain).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(NodeCapabilityMissing);
  });
});
