/**
 * The CRI queries the injectors and their proofs make (lib/chaos/cri.ts): the exact crictl command
 * lines, by the kubelet's labels, and how their answers are read. A scripted node, never a real one.
 */
import { expect } from 'chai';
import { allSandboxIds, containerState, pidOf, pollUntil, runningContainerId, sandboxIds } from '../../lib/chaos/cri.js';
import type { NodeAccess } from '../../lib/cluster/provider.js';

function node(answer: (args: string[]) => string): NodeAccess & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    nodeName: 'n',
    async crictl(args) {
      calls.push(args);
      return answer(args);
    },
    async signalProcess() {},
    async stopComponent() {},
    async startComponent() {},
    async componentRunning() {
      return true;
    },
  };
}

const LABELS = ['--label', 'io.kubernetes.pod.namespace=ns', '--label', 'io.kubernetes.pod.name=p'];

describe('CRI queries', () => {
  it('sandboxIds: the pod\'s ready sandboxes, or all of them; blank lines and spaces dropped', async () => {
    const n = node(() => ' sb1 \n\nsb2\n');
    expect(await sandboxIds(n, 'ns', 'p')).to.deep.equal(['sb1', 'sb2']);
    expect(await sandboxIds(n, 'ns', 'p', false)).to.deep.equal(['sb1', 'sb2']);
    expect(await allSandboxIds(n)).to.deep.equal(['sb1', 'sb2']);
    expect(n.calls).to.deep.equal([['pods', ...LABELS, '--state', 'ready', '-q'], ['pods', ...LABELS, '-q'], ['pods', '-q']]);
  });

  it('runningContainerId: exactly one running container of that name', async () => {
    const one = node(() => 'c1\n');
    expect(await runningContainerId(one, 'ns', 'p', 'init-b')).to.equal('c1');
    expect(one.calls).to.deep.equal([['ps', ...LABELS, '--label', 'io.kubernetes.container.name=init-b', '--state', 'running', '-q']]);
    const err = await runningContainerId(node(() => ''), 'ns', 'p', 'init-b').then(() => undefined, (e: Error) => e);
    expect(err!.message).to.equal('expected one running container init-b of ns/p on the node, found 0');
  });

  it('pidOf: a container\'s or a sandbox\'s pid; none is an error naming which', async () => {
    const n = node(() => ' 4242\n');
    expect(await pidOf(n, 'c1')).to.equal(4242);
    expect(await pidOf(n, 'sb1', true)).to.equal(4242);
    expect(n.calls).to.deep.equal([
      ['inspect', '--output', 'go-template', '--template', '{{.info.pid}}', 'c1'],
      ['inspectp', '--output', 'go-template', '--template', '{{.info.pid}}', 'sb1'],
    ]);
    for (const [out, sandbox, message] of [
      [' 0 \n', false, 'no pid for container c1: "0"'],
      ['-3', true, 'no pid for sandbox c1: "-3"'],
      ['<no value>', false, 'no pid for container c1: "<no value>"'],
      ['1.5', false, 'no pid for container c1: "1.5"'],
    ] as const) {
      const err = await pidOf(node(() => out), 'c1', sandbox).then(() => undefined, (e: Error) => e);
      expect(err?.message).to.equal(message);
    }
    expect(await pidOf(node(() => '1'), 'c1')).to.equal(1);
  });

  it('containerState: the runtime\'s state and exit code; "gone" when the runtime no longer has it; other errors thrown', async () => {
    const n = node(() => ' CONTAINER_EXITED 137\n');
    expect(await containerState(n, 'c1')).to.deep.equal({ state: 'CONTAINER_EXITED', exitCode: 137 });
    expect(n.calls).to.deep.equal([['inspect', '--output', 'go-template', '--template', '{{.status.state}} {{.status.exitCode}}', 'c1']]);
    expect(await containerState(node(() => 'CONTAINER_RUNNING'), 'c1')).to.deep.equal({ state: 'CONTAINER_RUNNING' });
    expect(await containerState(node(() => 'CONTAINER_EXITED <no value>'), 'c1')).to.deep.equal({ state: 'CONTAINER_EXITED' });
    expect(await containerState(node(() => ''), 'c1')).to.deep.equal({ state: '' });
    for (const message of ['crictl inspect c1: container "c1" not found', 'rpc error: c1 does not exist']) {
      const gone = node(() => {
        throw new Error(message);
      });
      expect(await containerState(gone, 'c1')).to.deep.equal({ state: 'gone' });
    }
    const refused = node(() => {
      throw new Error('connection refused');
    });
    const err = await containerState(refused, 'c1').then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal('connection refused');
  });

  it('pollUntil: asks again until done, or until the time is up, and returns the last answer', async () => {
    let n = 0;
    expect(await pollUntil(async () => ++n, (v) => v === 3, 5000, 1)).to.equal(3);
    let m = 0;
    const t0 = Date.now();
    expect(await pollUntil(async () => ++m, () => false, 30, 5)).to.be.at.least(2);
    expect(Date.now() - t0).to.be.within(30, 1000);
    let k = 0;
    expect(await pollUntil(async () => ++k, () => false, 0)).to.equal(1);
  });
});
