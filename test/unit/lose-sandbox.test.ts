import { expect } from 'chai';
import { removeSandbox } from '../../lib/chaos/lose-sandbox.js';
import type { NodeAccess } from '../../lib/cluster/provider.js';

/** A node whose crictl answers `pods` with one sandbox, and `rmp` and `stopp` with the scripted failures first. */
function node(rmpFailures: string[], stoppFailures: string[] = []): NodeAccess & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    nodeName: 'n',
    async crictl(args: string[]) {
      calls.push(args[0]!);
      if (args[0] === 'pods') return 'sb1\n';
      if (args[0] === 'rmp' && rmpFailures.length) throw new Error(rmpFailures.shift());
      if (args[0] === 'stopp' && stoppFailures.length) throw new Error(stoppFailures.shift());
      return '';
    },
    async signalProcess() {},
    async stopComponent() {},
    async startComponent() {},
    async componentRunning() {
      return true;
    },
  };
}

const TORN = 'crictl stopp sb1: rpc error: code = Unknown desc = failed to destroy network for sandbox "sb1": plugin type="ptp" failed (delete): unknown FS magic on "/run/netns/cni-1": ef53';
const BUSY = 'crictl rmp sb1: failed to remove container "c0": failed to set removing state for container "c0": container is already in removing state';

describe('removeSandbox', () => {
  it('stops, then removes the sandbox', async () => {
    const n = node([]);
    await removeSandbox('ns', 'p').inject(n);
    expect(n.calls).to.deep.equal(['pods', 'stopp', 'rmp']);
  });

  it('tries the removal again while the runtime is itself removing one of its containers (the kubelet pruning)', async () => {
    const n = node([BUSY, BUSY]);
    await removeSandbox('ns', 'p').inject(n);
    expect(n.calls).to.deep.equal(['pods', 'stopp', 'rmp', 'rmp', 'rmp']);
  });

  it('gives up after five busy answers, and at once on any other error', async () => {
    const busy = node(Array(5).fill(BUSY));
    const err = await removeSandbox('ns', 'p').inject(busy).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal(BUSY);
    expect(busy.calls.filter((c) => c === 'rmp')).to.have.length(5);
    const other = node(['crictl rmp sb1: connection refused']);
    const err2 = await removeSandbox('ns', 'p').inject(other).then(() => undefined, (e: Error) => e);
    expect(err2?.message).to.equal('crictl rmp sb1: connection refused');
    expect(other.calls.filter((c) => c === 'rmp')).to.have.length(1);
  });

  it('tries the stop again when its network teardown met the kubelet stopping the same sandbox', async () => {
    const n = node([], [TORN, TORN]);
    await removeSandbox('ns', 'p').inject(n);
    expect(n.calls).to.deep.equal(['pods', 'stopp', 'stopp', 'stopp', 'rmp']);
  });

  it('gives up the stop after five such failures, and at once on any other error', async () => {
    const torn = node([], Array(5).fill(TORN));
    const err = await removeSandbox('ns', 'p').inject(torn).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal(TORN);
    expect(torn.calls).to.deep.equal(['pods', 'stopp', 'stopp', 'stopp', 'stopp', 'stopp']);
    const other = node([], ['crictl stopp sb1: connection refused']);
    const err2 = await removeSandbox('ns', 'p').inject(other).then(() => undefined, (e: Error) => e);
    expect(err2?.message).to.equal('crictl stopp sb1: connection refused');
    expect(other.calls).to.deep.equal(['pods', 'stopp']);
  });

  it('a sandbox already gone counts as removed', async () => {
    const n = node(['crictl rmp sb1: pod sandbox "sb1" not found']);
    await removeSandbox('ns', 'p').inject(n);
    expect(n.calls.filter((c) => c === 'rmp')).to.have.length(1);
  });
});
