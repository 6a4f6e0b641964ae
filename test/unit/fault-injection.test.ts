/**
 * The injectors collect their proof on the node (a scripted fake here, never a real one), and
 * injectFault refuses to return from a fault that did not prove it took effect: it undoes it and
 * throws FaultNotProven. Each fault is run as it takes effect and as it does nothing.
 */
import { expect } from 'chai';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Fault, Injection } from '../../lib/chaos/fault.js';
import { describeProofs, injectFault, requireProof, undoAllFaults } from '../../lib/chaos/fault.js';
import { killContainer, noSuchProcess } from '../../lib/chaos/kill-container.js';
import { killPause, removeSandbox } from '../../lib/chaos/lose-sandbox.js';
import { ensureNodeRunning, rebootNode, restartComponent } from '../../lib/chaos/node-faults.js';
import { FaultNotProven, overlapProof } from '../../lib/chaos/proof.js';
import { serviceOutage } from '../../lib/chaos/service-outage.js';
import { NodeCapabilityMissing } from '../../lib/cluster/provider.js';
import type { NodeAccess, NodeComponent } from '../../lib/cluster/provider.js';
import type { PodTimeline } from '../../lib/observe/timeline.js';

const marks: string[] = [];
const timeline = { mark: (m: string) => void marks.push(m) } as unknown as PodTimeline;

interface FakeNode extends NodeAccess {
  calls: string[];
  pids: Record<NodeComponent, number | undefined>;
  running: Record<NodeComponent, boolean>;
}

/** A node whose crictl answers through `crictl`, whose components restart (new pid) unless `restarts` is false. */
function fakeNode(crictl: (args: string[]) => string, o: { restarts?: boolean; pids?: boolean } = {}): FakeNode {
  const calls: string[] = [];
  const node: FakeNode = {
    calls,
    nodeName: 'n',
    pids: { kubelet: 100, containerd: 200, 'kube-apiserver': 300 },
    running: { kubelet: true, containerd: true, 'kube-apiserver': true },
    async crictl(args) {
      calls.push(args.join(' '));
      return crictl(args);
    },
    async signalProcess(pid, signal) {
      calls.push(`kill ${signal} ${pid}`);
    },
    async stopComponent(c) {
      calls.push(`stop ${c}`);
      if (o.restarts !== false) node.running[c] = false;
    },
    async startComponent(c) {
      calls.push(`start ${c}`);
      // A start takes a little while (libuv's timers may fire a millisecond before the clock says the sleep is over).
      await new Promise((r) => setTimeout(r, 5));
      if (!node.running[c]) node.pids[c] = node.pids[c]! + 1;
      node.running[c] = true;
    },
    async componentRunning(c) {
      return node.running[c];
    },
  };
  if (o.pids !== false) Object.assign(node, { componentPid: async (c: NodeComponent) => (node.running[c] ? node.pids[c] : undefined) });
  return node;
}

async function inject<T>(target: T, fault: Fault<T>): Promise<{ log: Injection[]; err?: Error }> {
  const log: Injection[] = [];
  const err = await injectFault(target, timeline, fault, log).then(() => undefined, (e: Error) => e);
  return { log, err };
}

describe('fault injection with proof', () => {
  beforeEach(() => void (marks.length = 0));

  describe('injectFault', () => {
    const fault = (proven: boolean | undefined, calls: string[]): Fault<null> => ({
      description: 'the fault',
      undoDescription: 'put back',
      inject: async () => void calls.push('inject'),
      undo: async () => void calls.push('undo'),
      ...(proven === undefined ? {} : { prove: async () => ({ claim: 'it bit', proven, seen: proven ? 'bite marks' : 'nothing', evidence: { n: 1 } }) }),
    });

    it('a proven fault: recorded with its proof, marked on the timeline, undone only when asked', async () => {
      const calls: string[] = [];
      const log: Injection[] = [];
      const undo = await injectFault(null, timeline, fault(true, calls), log);
      expect(calls).to.deep.equal(['inject']);
      expect(log[0]!.proofs).to.deep.equal([{ claim: 'it bit', proven: true, seen: 'bite marks', evidence: { n: 1 } }]);
      expect(marks.slice(1)).to.deep.equal([marks[1], 'PROVEN: it bit; bite marks']);
      await undo();
      expect(calls).to.deep.equal(['inject', 'undo']);
    });

    it('negative control: an unproven fault is undone at once and throws FaultNotProven, its proof kept on the record', async () => {
      const calls: string[] = [];
      const { log, err } = await inject(null, fault(false, calls));
      expect(err).to.be.instanceOf(FaultNotProven);
      expect(err!.message).to.equal('the fault did not prove it took effect, so no verdict on the cluster is earned: the fault: expected it bit; observed nothing');
      expect(calls).to.deep.equal(['inject', 'undo']);
      expect(log[0]!.proofs.map((p) => p.proven)).to.deep.equal([false]);
      expect(marks.at(-2)).to.equal('NOT PROVEN: it bit; nothing');
    });

    it('records on the timeline: the injection, how long it took, the proof, the undo', async () => {
      const log: Injection[] = [];
      const undo = await injectFault(null, timeline, fault(true, []), log);
      await undo();
      await undo();
      expect(marks.map((m) => m.replace(/\d+ ms/, 'N ms'))).to.deep.equal(['INJECT the fault', 'injected (N ms): the fault', 'PROVEN: it bit; bite marks', 'undone (N ms): put back']);
      const r = log[0]!;
      expect(r.injectMs).to.be.within(0, 1000);
      expect(r.undoMs).to.be.within(0, 1000);
      expect(Date.parse(r.undoneAt!)).to.be.within(Date.parse(r.injectedAt), Date.now());
    });

    it('an injection that fails is undone, recorded as failed and rethrown', async () => {
      const calls: string[] = [];
      const broken: Fault<null> = { ...fault(true, calls), inject: async () => Promise.reject(new Error('no such pod')) };
      const { log, err } = await inject(null, broken);
      expect(err!.message).to.equal('no such pod');
      expect(calls).to.deep.equal(['undo']);
      expect(log[0]!.error).to.equal('inject failed: no such pod');
      expect(log[0]!.proofs).to.deep.equal([]);
    });

    it('an undo that fails is recorded, marked and rethrown; undoAllFaults undoes what is still in force', async () => {
      const calls: string[] = [];
      const stuck: Fault<null> = { ...fault(true, calls), undo: async () => Promise.reject(new Error('kubelet did not start')) };
      const log: Injection[] = [];
      const undo = await injectFault(null, timeline, stuck, log);
      const err = await undo().then(() => undefined, (e: Error) => e);
      expect(err!.message).to.equal('kubelet did not start');
      expect(log[0]!.error).to.equal('undo failed: kubelet did not start');
      expect(marks.at(-1)).to.equal('UNDO FAILED the fault: kubelet did not start');
      expect(log[0]!.undoMs).to.be.within(0, 1000);
      await injectFault(null, timeline, fault(true, calls), []);
      await undoAllFaults();
      expect(calls, 'the stuck fault injected, then the second injected and undone by undoAllFaults').to.deep.equal(['inject', 'inject', 'undo']);
    });

    it('a fault that declares no proof is never proven', async () => {
      const { err } = await inject(null, fault(undefined, []));
      expect(err).to.be.instanceOf(FaultNotProven);
      expect(err!.message).to.match(/: the fault: expected a proof that the fault took effect; observed the fault declares none$/);
    });

    it('requireProof adds a later proof (the overlap with a run) and throws when it is not proven', () => {
      const record: Injection = { fault: 'restart kubelet', injectedAt: '', injectMs: 0, proofs: [] };
      const inside = overlapProof({ from: '2026-01-01T00:00:05Z', to: '2026-01-01T00:00:08Z' }, 'init-b', { startedAt: '2026-01-01T00:00:03Z', finishedAt: '2026-01-01T00:00:09Z' });
      requireProof(record, inside);
      const after = overlapProof({ from: '2026-01-01T00:00:10Z', to: '2026-01-01T00:00:12Z' }, 'init-b', { startedAt: '2026-01-01T00:00:03Z', finishedAt: '2026-01-01T00:00:09Z' });
      expect(() => requireProof(record, after)).to.throw(FaultNotProven, /^the fault did not prove it took effect, so no verdict on the cluster is earned: restart kubelet: expected init-b started before/);
      expect(record.proofs).to.deep.equal([inside, after]);
      expect(describeProofs([record, { fault: 'other', injectedAt: '', injectMs: 0, proofs: [], error: 'inject failed: boom' }])).to.equal(
        `restart kubelet\n  proven: ${inside.claim}; seen: ${inside.seen}\n  NOT PROVEN: ${after.claim}; seen: ${after.seen}\nother (inject failed: boom)\n  no proof recorded`,
      );
    });
  });

  it('every fault says what its undo does', () => {
    expect([
      killContainer('ns', 'p', 'c', 'SIGKILL').undoDescription,
      removeSandbox('ns', 'p').undoDescription,
      killPause('ns', 'p').undoDescription,
      restartComponent('kubelet', 1).undoDescription,
      rebootNode().undoDescription,
      rebootNode().description,
    ]).to.deep.equal([
      'nothing to put back: the kubelet decides what runs next',
      'nothing to put back: the kubelet makes a new sandbox',
      'nothing to put back: the kubelet makes a new sandbox',
      'the API server, containerd and the kubelet running',
      'containerd and the kubelet running',
      'node reboot: kubelet stopped, every sandbox stopped and removed, containerd restarted, kubelet started',
    ]);
  });

  describe('restartComponent', () => {
    it('a real restart: stopped, seen down, started under a new pid; its down window is kept', async () => {
      const node = fakeNode(() => '');
      const restart = restartComponent('kubelet', 20);
      const { log, err } = await inject(node as NodeAccess, restart);
      expect(err).to.equal(undefined);
      expect(node.calls).to.deep.equal(['stop kubelet', 'start kubelet']);
      const proof = log[0]!.proofs[0]!;
      expect(proof.proven).to.equal(true);
      expect(proof.evidence).to.include({ component: 'kubelet', pidBefore: 100, pidAfter: 101, seenDown: true, minGapMs: 20 });
      expect(proof.evidence.gapMs).to.be.within(20, 2000);
      expect(restart.description).to.equal('restart kubelet (stopped with SIGTERM, down for 0.02s)');
      const w = restart.downWindow()!;
      expect(Date.parse(w.to) - Date.parse(w.from)).to.be.at.least(20);
    });

    it('negative control: a stop that did nothing (never down, the same pid) is not proven', async () => {
      const node = fakeNode(() => '', { restarts: false });
      const { log, err } = await inject(node as NodeAccess, restartComponent('containerd', 10));
      expect(err).to.be.instanceOf(FaultNotProven);
      expect(log[0]!.proofs[0]!.seen).to.match(/^pid 200 before, 200 after; never seen down; gap \d+ ms$/);
    });

    it('a node access that cannot tell pids proves nothing', async () => {
      const { err } = await inject(fakeNode(() => '', { pids: false }) as NodeAccess, restartComponent('kubelet', 10));
      expect(err).to.be.instanceOf(FaultNotProven);
      expect(err!.message).to.match(/observed pid none before, none after; seen down; gap \d+ ms$/);
    });

    it('proves nothing before it ran, or when the pid cannot be read', async () => {
      expect(await restartComponent('kubelet', 10).prove!(fakeNode(() => '') as NodeAccess)).to.deep.equal({ claim: 'kubelet restarted', proven: false, seen: 'collecting the evidence failed: the restart did not finish', evidence: {} });
      const node = fakeNode(() => '');
      const restart = restartComponent('containerd', 0);
      await restart.inject(node);
      Object.assign(node, { componentPid: async () => Promise.reject(new Error('no state file')) });
      expect(await restart.prove!(node)).to.deep.equal({ claim: 'containerd running under a new pid', proven: false, seen: 'collecting the evidence failed: no state file', evidence: {} });
    });

    it('ensureNodeRunning (its undo) starts only what is not running', async () => {
      const node = fakeNode(() => '');
      node.running.containerd = false;
      await restartComponent('kubelet', 0).undo(node);
      expect(node.calls).to.deep.equal(['start containerd']);
    });

    it('ensureNodeRunning on a node without an API server (a worker): containerd and the kubelet started, the API server passed over', async () => {
      const node = fakeNode(() => '');
      node.running.containerd = false;
      node.running.kubelet = false;
      node.componentRunning = async (c) => {
        if (c === 'kube-apiserver') throw new NodeCapabilityMissing('the API server runs on node 0');
        return node.running[c];
      };
      await ensureNodeRunning(node);
      expect(node.calls).to.deep.equal(['start containerd', 'start kubelet']);
    });

    it('ensureNodeRunning: any other failure to read a component passes through', async () => {
      const node = fakeNode(() => '');
      node.componentRunning = async (c) => {
        if (c === 'kube-apiserver') throw new Error('state file unreadable');
        return true;
      };
      let err: unknown;
      await ensureNodeRunning(node).catch((e: unknown) => (err = e));
      expect((err as Error).message).to.equal('state file unreadable');
      const missing = fakeNode(() => '');
      missing.componentRunning = async (c) => {
        if (c === 'kubelet') throw new NodeCapabilityMissing('no kubelet here');
        return true;
      };
      err = undefined;
      await ensureNodeRunning(missing).catch((e: unknown) => (err = e));
      expect((err as Error).message).to.equal('no kubelet here');
    });

    it('a detached restart (through a privileged pod) is proven by the new pid', async () => {
      const node = fakeNode(() => '');
      Object.assign(node, {
        restartComponent: async (c: NodeComponent) => void (node.pids[c] = 999),
        rebootNode: async () => undefined,
      });
      const { log, err } = await inject(node as NodeAccess, restartComponent('kubelet', 0));
      expect(err).to.equal(undefined);
      expect(log[0]!.proofs[0]!.seen).to.match(/^pid 100 before, 999 after; down not observable \(detached restart\); gap \d+ ms$/);
    });
  });

  describe('killContainer', () => {
    const crictl = (exit: string) => (args: string[]) => (args[0] === 'ps' ? 'c1\n' : args.includes('{{.info.pid}}') ? '4242' : exit);

    it('proven by the runtime: exited with 137 after SIGKILL', async () => {
      const node = fakeNode(crictl('CONTAINER_EXITED 137'));
      const { log, err } = await inject(node as NodeAccess, killContainer('ns', 'p', 'init-b', 'SIGKILL', { exitWaitMs: 0 }));
      expect(err).to.equal(undefined);
      expect(node.calls).to.include('kill SIGKILL 4242');
      expect(log[0]!.proofs[0]!.evidence).to.include({ containerId: 'c1', pid: 4242, state: 'CONTAINER_EXITED', exitCode: 137 });
    });

    it('waits for the runtime to report the exit (running, running, then exited), no longer than it must', async () => {
      let reads = 0;
      const node = fakeNode((args) => {
        if (args.includes('{{.status.state}} {{.status.exitCode}}')) return ++reads < 3 ? 'CONTAINER_RUNNING 0' : 'CONTAINER_EXITED 137';
        return crictl('')(args);
      });
      const t0 = Date.now();
      const { log, err } = await inject(node as NodeAccess, killContainer('ns', 'p', 'init-b', 'SIGKILL', { exitWaitMs: 3000 }));
      expect(err).to.equal(undefined);
      expect(reads).to.equal(3);
      expect(Date.now() - t0).to.be.below(2000);
      expect(log[0]!.fault).to.equal('SIGKILL to the process of container init-b of p');
    });

    it('gives up waiting for the exit after exitWaitMs: a container still running is no proof', async () => {
      const node = fakeNode(crictl('CONTAINER_RUNNING 0'));
      const t0 = Date.now();
      const { err } = await inject(node as NodeAccess, killContainer('ns', 'p', 'init-b', 'SIGKILL', { exitWaitMs: 300 }));
      expect(err).to.be.instanceOf(FaultNotProven);
      expect(Date.now() - t0).to.be.below(2500);
    });

    it('a process gone before the signal reached it (ESRCH, or a shell\'s "No such process") is no kill: the proof names the exit the container made itself', async () => {
      const gone = (err: Error) => {
        const node = fakeNode(crictl('CONTAINER_EXITED 0'));
        node.signalProcess = async (pid, signal) => {
          node.calls.push(`kill ${signal} ${pid}`);
          throw err;
        };
        return node;
      };
      for (const err of [Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' }), new Error('sh -c kill -s KILL 4242 on node n: sh: 1: kill: No such process')]) {
        const node = gone(err);
        const { log, err: injected } = await inject(node as NodeAccess, killContainer('ns', 'p', 'init-b', 'SIGKILL', { exitWaitMs: 0 }));
        expect(node.calls).to.include('kill SIGKILL 4242');
        expect(injected, err.message).to.be.instanceOf(FaultNotProven);
        expect((injected as FaultNotProven).proof.evidence, err.message).to.include({ containerId: 'c1', pid: 4242, state: 'CONTAINER_EXITED', exitCode: 0 });
        expect(log[0]!.proofs[0]!.proven).to.equal(false);
      }
      const denied = gone(Object.assign(new Error('kill EPERM'), { code: 'EPERM' }));
      const { err: refused } = await inject(denied as NodeAccess, killContainer('ns', 'p', 'init-b', 'SIGKILL', { exitWaitMs: 0 }));
      expect(refused).not.to.be.instanceOf(FaultNotProven);
      expect(refused!.message).to.include('kill EPERM');
    });

    it('noSuchProcess: ESRCH by code, "No such process" in the message or stderr (any case); nothing else', () => {
      expect(noSuchProcess(Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' }))).to.equal(true);
      expect(noSuchProcess(new Error('kill: (4242): No such process'))).to.equal(true);
      expect(noSuchProcess(new Error("kill: can't kill pid 4242: no such process"))).to.equal(true);
      expect(noSuchProcess(Object.assign(new Error('exit 1'), { stderr: 'sh: kill: No such process' }))).to.equal(true);
      expect(noSuchProcess(Object.assign(new Error('kill EPERM'), { code: 'EPERM' }))).to.equal(false);
      expect(noSuchProcess(Object.assign(new Error('no such process group'), { code: 'ESRCH' }))).to.equal(true);
      expect(noSuchProcess(new Error('connection refused'))).to.equal(false);
      expect(noSuchProcess(undefined)).to.equal(false);
      expect(noSuchProcess('No such process')).to.equal(false);
    });

    it('proves nothing before it was injected, or when the runtime cannot be asked', async () => {
      const unsent = await killContainer('ns', 'p', 'init-b', 'SIGKILL').prove!(fakeNode(() => ''));
      expect(unsent).to.deep.equal({ claim: 'container init-b exited with the exit code of SIGKILL', proven: false, seen: 'collecting the evidence failed: no container was signalled', evidence: {} });
      const node = fakeNode((args) => {
        if (args.includes('{{.status.state}} {{.status.exitCode}}')) throw new Error('crictl inspect c1: connection refused');
        return crictl('')(args);
      });
      const { err } = await inject(node as NodeAccess, killContainer('ns', 'p', 'init-b', 'SIGTERM', { exitWaitMs: 0 }));
      expect(err!.message).to.match(/: expected container init-b exited with the exit code of SIGTERM; observed collecting the evidence failed: crictl inspect c1: connection refused$/);
    });

    it('negative controls: it finished by itself (exit 0), it is still running, the runtime lost it', async () => {
      for (const [answer, seen] of [
        ['CONTAINER_EXITED 0', 'state CONTAINER_EXITED, exit code 0'],
        ['CONTAINER_RUNNING 0', 'state CONTAINER_RUNNING, exit code 0'],
      ]) {
        const { err } = await inject(fakeNode(crictl(answer!)) as NodeAccess, killContainer('ns', 'p', 'init-b', 'SIGTERM', { exitWaitMs: 0 }));
        expect(err, answer).to.be.instanceOf(FaultNotProven);
        expect(err!.message.endsWith(`observed ${seen}`), err!.message).to.equal(true);
      }
      const lost = fakeNode((args) => {
        if (args[0] === 'inspect' && args.includes('{{.status.state}} {{.status.exitCode}}')) throw new Error('crictl inspect c1: container "c1" not found');
        return crictl('')(args);
      });
      const { err } = await inject(lost as NodeAccess, killContainer('ns', 'p', 'init-b', 'SIGKILL', { exitWaitMs: 0 }));
      expect(err!.message).to.match(/observed state gone, exit code none$/);
    });
  });

  describe('removeSandbox and killPause', () => {
    /** A node with sandbox sb1 ready; after the fault, `after` says what `crictl pods` lists (all, ready). */
    const sandboxNode = (after: { all: string[]; ready: string[] }) => {
      let struck = false;
      return fakeNode((args) => {
        if (args[0] === 'stopp' || args[0] === 'inspectp') struck = true;
        if (args[0] === 'inspectp') return '77';
        if (args[0] !== 'pods') return '';
        if (!struck) return 'sb1\n';
        return (args.includes('ready') ? after.ready : after.all).join('\n');
      });
    };

    it('removed and replaced: proven', async () => {
      const { log, err } = await inject(sandboxNode({ all: ['sb2'], ready: ['sb2'] }) as NodeAccess, removeSandbox('ns', 'p', { newSandboxWaitMs: 0 }));
      expect(err).to.equal(undefined);
      expect(log[0]!.proofs[0]!.evidence).to.deep.equal({ before: 'sb1', stillListed: false, stillReady: false, after: 'sb2' });
    });

    it('negative controls: the removal left it ready, no new sandbox came', async () => {
      const kept = await inject(sandboxNode({ all: ['sb1'], ready: ['sb1'] }) as NodeAccess, removeSandbox('ns', 'p', { newSandboxWaitMs: 0 }));
      expect(kept.err!.message).to.match(/observed old sandbox sb1 still ready; new ready sandbox none$/);
      const none = await inject(sandboxNode({ all: [], ready: [] }) as NodeAccess, removeSandbox('ns', 'p', { newSandboxWaitMs: 0 }));
      expect(none.err!.message).to.match(/observed old sandbox sb1 gone; new ready sandbox none$/);
      const t0 = Date.now();
      const waited = await inject(sandboxNode({ all: [], ready: [] }) as NodeAccess, removeSandbox('ns', 'p', { newSandboxWaitMs: 300 }));
      expect(waited.err).to.be.instanceOf(FaultNotProven);
      expect(Date.now() - t0, 'no longer than newSandboxWaitMs').to.be.below(2500);
    });

    it('negative control: removal claimed, yet the old sandbox is still listed (not ready)', async () => {
      const { err } = await inject(sandboxNode({ all: ['sb1', 'sb2'], ready: ['sb2'] }) as NodeAccess, removeSandbox('ns', 'p', { newSandboxWaitMs: 0 }));
      expect(err!.message).to.match(/: expected sandbox sb1 removed, and a new ready sandbox with another id; observed old sandbox sb1 listed, not ready; new ready sandbox sb2$/);
    });

    it('waits for the kubelet to make the new sandbox', async () => {
      let reads = 0;
      let struck = false;
      const node = fakeNode((args) => {
        if (args[0] === 'stopp') struck = true;
        if (args[0] !== 'pods') return '';
        if (!struck) return 'sb1\n';
        return args.includes('ready') && ++reads >= 2 ? 'sb2\n' : '';
      });
      const { err } = await inject(node as NodeAccess, removeSandbox('ns', 'p', { newSandboxWaitMs: 5000 }));
      expect(err).to.equal(undefined);
      expect(reads).to.equal(2);
    });

    it('needs exactly one ready sandbox to take away, and proves nothing before it took one', async () => {
      const none = fakeNode(() => '');
      const err = await removeSandbox('ns', 'p').inject(none).then(() => undefined, (e: Error) => e);
      expect(err!.message).to.equal('expected one ready sandbox of ns/p, found 0');
      const err2 = await killPause('ns', 'p').inject(fakeNode((a) => (a[0] === 'pods' ? 'a\nb\n' : ''))).then(() => undefined, (e: Error) => e);
      expect(err2!.message).to.equal('expected one ready sandbox of ns/p, found 2');
      expect(await removeSandbox('ns', 'p').prove!(none)).to.deep.equal({ claim: 'the sandbox of p removed, and a new ready sandbox with another id', proven: false, seen: 'collecting the evidence failed: no sandbox was found to take away', evidence: {} });
      expect((await killPause('ns', 'p').prove!(none)).claim).to.equal('the sandbox of p no longer ready, and a new ready sandbox with another id');
      expect([removeSandbox('ns', 'p').description, killPause('ns', 'p').description]).to.deep.equal(['stop and remove the sandbox of p (crictl stopp + rmp)', "SIGKILL to the pause process of p's sandbox"]);
    });

    it('a runtime that cannot be asked proves nothing, saying so', async () => {
      let struck = false;
      const node = fakeNode((args) => {
        if (args[0] === 'stopp') struck = true;
        if (args[0] === 'pods' && struck) throw new Error('crictl pods: connection refused');
        return args[0] === 'pods' ? 'sb1\n' : '';
      });
      const { err } = await inject(node as NodeAccess, removeSandbox('ns', 'p', { newSandboxWaitMs: 0 }));
      expect(err!.message).to.match(/: expected the sandbox of p removed, and a new ready sandbox with another id; observed collecting the evidence failed: crictl pods: connection refused$/);
    });

    it('the killed pause process: the old sandbox not ready, a new one ready', async () => {
      const node = sandboxNode({ all: ['sb1', 'sb2'], ready: ['sb2'] });
      const { err } = await inject(node as NodeAccess, killPause('ns', 'p', { newSandboxWaitMs: 0 }));
      expect(err).to.equal(undefined);
      expect(node.calls).to.include('kill SIGKILL 77');
      const missed = await inject(sandboxNode({ all: ['sb1'], ready: ['sb1'] }) as NodeAccess, killPause('ns', 'p', { newSandboxWaitMs: 0 }));
      expect(missed.err).to.be.instanceOf(FaultNotProven);
      const t0 = Date.now();
      const waited = await inject(sandboxNode({ all: ['sb1'], ready: ['sb1'] }) as NodeAccess, killPause('ns', 'p', { newSandboxWaitMs: 300 }));
      expect(waited.err).to.be.instanceOf(FaultNotProven);
      expect(Date.now() - t0, 'no longer than newSandboxWaitMs, and some').to.be.below(2500);
    });
  });

  describe('rebootNode', () => {
    const rebootable = (survive: boolean) => {
      let removed = false;
      return fakeNode((args) => {
        if (args[0] === 'rmp') removed = true;
        return args[0] === 'pods' ? (removed && !survive ? 'new1\n' : 'sb1\nsb2\n') : '';
      });
    };

    it('every sandbox removed, the kubelet and containerd restarted: proven', async () => {
      const { log, err } = await inject(rebootable(false) as NodeAccess, rebootNode());
      expect(err).to.equal(undefined);
      expect(log[0]!.proofs[0]!.seen).to.equal('2 sandboxes before, 0 survived; kubelet pid 100 → 101; containerd pid 200 → 201');
    });

    it('stops the kubelet, stops and removes every sandbox, restarts containerd, starts the kubelet', async () => {
      const node = rebootable(false);
      await inject(node as NodeAccess, rebootNode());
      expect(node.calls).to.deep.equal(['pods -q', 'stop kubelet', 'stopp sb1', 'stopp sb2', 'rmp --force sb1', 'rmp --force sb2', 'stop containerd', 'start containerd', 'start kubelet', 'pods -q']);
    });

    it('a detached reboot (through a privileged pod) is one command, proven the same way', async () => {
      const node = rebootable(false);
      Object.assign(node, {
        restartComponent: async () => undefined,
        rebootNode: async () => {
          node.calls.push('detached reboot');
          await node.crictl(['rmp', 'all']);
          node.pids.kubelet = 7;
          node.pids.containerd = 8;
        },
      });
      const { log, err } = await inject(node as NodeAccess, rebootNode());
      expect(err).to.equal(undefined);
      expect(node.calls).to.deep.equal(['pods -q', 'detached reboot', 'rmp all', 'pods -q']);
      expect(log[0]!.proofs[0]!.seen).to.equal('2 sandboxes before, 0 survived; kubelet pid 100 → 7; containerd pid 200 → 8');
    });

    it('proves nothing before it ran, or when the node cannot be asked', async () => {
      expect(await rebootNode().prove!(fakeNode(() => '') as NodeAccess)).to.deep.equal({ claim: 'the node rebooted', proven: false, seen: 'collecting the evidence failed: nothing was read before the reboot', evidence: {} });
      const node = rebootable(false);
      const reboot = rebootNode();
      await reboot.inject(node);
      Object.assign(node, { crictl: async () => Promise.reject(new Error('containerd down')) });
      expect(await reboot.prove!(node)).to.deep.equal({ claim: 'every sandbox gone, the kubelet and containerd under new pids', proven: false, seen: 'collecting the evidence failed: containerd down', evidence: {} });
    });

    it('negative control: the sandboxes survived', async () => {
      const { err } = await inject(rebootable(true) as NodeAccess, rebootNode());
      expect(err!.message).to.match(/observed 2 sandboxes before, 2 survived; kubelet pid 100 → 101; containerd pid 200 → 201$/);
    });
  });

  describe('serviceOutage', () => {
    /** An API whose Service gets a new uid when created again; `deletes` false: the delete did nothing. */
    const requests: unknown[] = [];
    const api = (deletes: boolean, readError?: { code: number }) => {
      requests.length = 0;
      let svc: { metadata: { uid: string; name: string; labels?: object }; spec: object } | undefined = { metadata: { uid: 'u1', name: 'backend', labels: { a: 'b' } }, spec: { ports: [], clusterIP: '10.0.0.9', clusterIPs: ['10.0.0.9'] } };
      let reads = 0;
      const core = {
        readNamespacedService: async (r: unknown) => {
          requests.push(['read', r]);
          if (readError && ++reads > 1) throw Object.assign(new Error('server error'), readError);
          return svc ?? Promise.reject(Object.assign(new Error('not found'), { code: 404 }));
        },
        deleteNamespacedService: async (r: unknown) => void (requests.push(['delete', r]), deletes && (svc = undefined)),
        createNamespacedService: async (r: { body: { metadata: { name: string }; spec: object } }) => void (requests.push(['create', r]), (svc = { metadata: { uid: 'u2', name: r.body.metadata.name }, spec: r.body.spec })),
      };
      return { makeApiClient: () => core } as unknown as KubeConfig;
    };

    it('reads, deletes and creates the Service in its namespace, without the ClusterIP it had', async () => {
      const outage = serviceOutage('ns', 'backend', 0);
      expect([outage.description, outage.undoDescription]).to.deep.equal(['Service backend deleted, down for 0s, then created again', 'Service backend exists']);
      await inject(api(true), outage);
      const ref = { namespace: 'ns', name: 'backend' };
      expect(requests).to.deep.equal([
        ['read', ref],
        ['delete', ref],
        ['read', ref],
        ['read', ref],
        ['create', { namespace: 'ns', body: { metadata: { name: 'backend', labels: { a: 'b' } }, spec: { ports: [] } } }],
        ['read', ref],
      ]);
    });

    it('an API error other than "not found" while it is down is no proof of the outage: the injection fails', async () => {
      const { err } = await inject(api(true, { code: 500 }), serviceOutage('ns', 'backend', 0));
      expect(err!.message).to.equal('server error');
    });

    it('before it ran: its undo does nothing, its proof shows nothing taken away; a Service missing afterwards has no uid', async () => {
      const kc = api(true);
      const outage = serviceOutage('ns', 'backend', 6000);
      expect(outage.description).to.equal('Service backend deleted, down for 6s, then created again');
      await outage.undo(kc);
      expect(requests).to.deep.equal([]);
      expect((await outage.prove!(kc)).seen).to.equal('still found during the outage; uid none before, u1 after');
      const gone = { makeApiClient: () => ({ readNamespacedService: async () => Promise.reject(Object.assign(new Error('not found'), { code: 404 })) }) } as unknown as KubeConfig;
      expect((await outage.prove!(gone)).seen).to.equal('still found during the outage; uid none before, none after');
    });

    it('proves nothing when the Service cannot be read afterwards', async () => {
      const kc = api(true);
      const outage = serviceOutage('ns', 'backend', 0);
      await outage.inject(kc);
      const broken = { makeApiClient: () => ({ readNamespacedService: async () => Promise.reject(Object.assign(new Error('forbidden'), { code: 403 })) }) } as unknown as KubeConfig;
      expect(await outage.prove!(broken)).to.deep.equal({ claim: 'Service backend gone during the outage, then back', proven: false, seen: 'collecting the evidence failed: forbidden', evidence: {} });
    });

    it('deleted, seen gone, back as a new object: proven', async () => {
      const { log, err } = await inject(api(true), serviceOutage('ns', 'backend', 0));
      expect(err).to.equal(undefined);
      expect(log[0]!.proofs[0]!.seen).to.equal('not found during the outage; uid u1 before, u2 after');
    });

    it('negative control: the delete did nothing', async () => {
      const { err } = await inject(api(false), serviceOutage('ns', 'backend', 0));
      expect(err!.message).to.match(/observed still found during the outage; uid u1 before, u1 after$/);
    });
  });
});
