import { expect } from 'chai';
import { removeSandbox } from '../../lib/chaos/lose-sandbox.js';
import type { NodeAccess } from '../../lib/cluster/provider.js';

/**
 * A node with one sandbox, sb1: `pods` lists it until an `rmp` removes it (with `--state ready`,
 * until a `stopp` stops it); `rmp` and `stopp` answer
 * with the scripted failures first (an rmp failure prefixed "gone:" removes the sandbox all the same).
 */
function node(rmpFailures: string[], stoppFailures: string[] = []): NodeAccess & { calls: string[] } {
  const calls: string[] = [];
  let listed = true;
  let ready = true;
  return {
    calls,
    nodeName: 'n',
    async crictl(args: string[]) {
      calls.push(args[0]!);
      if (args[0] === 'pods') return listed && (ready || !args.includes('ready')) ? 'sb1\n' : '';
      if (args[0] === 'rmp' && rmpFailures.length) {
        const failure = rmpFailures.shift()!;
        if (failure.startsWith('gone:')) listed = false;
        throw new Error(failure.replace(/^gone:/, ''));
      }
      if (args[0] === 'stopp' && stoppFailures.length) throw new Error(stoppFailures.shift());
      if (args[0] === 'stopp') ready = false;
      if (args[0] === 'rmp') listed = false;
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
const CONTAINER_GONE = 'crictl rmp sb1: rpc error: code = Unknown desc = failed to remove container "c1": container "c1" not found';

describe('removeSandbox', () => {
  it('stops, then removes the sandbox', async () => {
    const n = node([]);
    await removeSandbox('ns', 'p').inject(n);
    expect(n.calls).to.deep.equal(['pods', 'stopp', 'rmp']);
  });

  it('tries the removal again while the runtime is itself removing one of its containers (the kubelet pruning), the sandbox still listed', async () => {
    const n = node([BUSY, BUSY]);
    await removeSandbox('ns', 'p').inject(n);
    expect(n.calls).to.deep.equal(['pods', 'stopp', 'rmp', 'pods', 'rmp', 'pods', 'rmp']);
  });

  it('a container "not found" while the sandbox is still listed is no removal: it tries again', async () => {
    const n = node([CONTAINER_GONE]);
    await removeSandbox('ns', 'p').inject(n);
    expect(n.calls).to.deep.equal(['pods', 'stopp', 'rmp', 'pods', 'rmp']);
  });

  it('gives up after five busy answers, and at once on any other error', async () => {
    const busy = node(Array(5).fill(BUSY));
    const err = await removeSandbox('ns', 'p').inject(busy).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal(BUSY);
    expect(busy.calls.filter((c) => c === 'rmp')).to.have.length(5);
    const gone = node(Array(5).fill(CONTAINER_GONE));
    const err1 = await removeSandbox('ns', 'p').inject(gone).then(() => undefined, (e: Error) => e);
    expect(err1?.message, 'the sandbox still listed after five').to.equal(CONTAINER_GONE);
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

  it('a removal that failed on a part of the sandbox counts as done once the runtime lists it no more (the kubelet removed it meanwhile)', async () => {
    for (const failure of [CONTAINER_GONE, BUSY]) {
      const n = node([`gone:${failure}`]);
      await removeSandbox('ns', 'p').inject(n);
      expect(n.calls, failure).to.deep.equal(['pods', 'stopp', 'rmp', 'pods']);
    }
  });
});
