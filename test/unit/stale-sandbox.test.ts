/**
 * stale-sandbox (lib/checks/stale-sandbox.ts) over real runs on the embedded cluster: v1.36.5, v1.35.8,
 * v1.34.12 and v1.33.13 with the app's start blocked (the known upstream bug reproduced: init-b
 * skipped), and the controls of v1.36.5, v1.34.12 and v1.33.13 (the same crash with the app running: every
 * init container again). Each reading has a control that turns it: the bug's run, given what the
 * control shows, reads as reran; the control's run read as the bug's run is broken (its
 * precondition not met).
 */
import { expect } from 'chai';
import type { CriListing, StaleSandboxRecord } from '../../lib/checks/stale-sandbox.js';
import {
  CREATED,
  UPSTREAM_BUG,
  checkEveryInitReran,
  crashProof,
  describeListing,
  parseCriContainers,
  parseCriSandboxes,
  readStaleSandbox,
  staleApp,
} from '../../lib/checks/stale-sandbox.js';
import { InfrastructureError } from '../../lib/observe/wait.js';
import { clone, load } from '../support/controls.js';

const v136 = load<StaleSandboxRecord>('stale-sandbox-v1.36.5-skipped');
const v133 = load<StaleSandboxRecord>('stale-sandbox-v1.33.13-skipped');
const control = load<StaleSandboxRecord>('stale-sandbox-v1.36.5-control');
const v134 = load<StaleSandboxRecord>('stale-sandbox-v1.34.12-skipped');
const v135 = load<StaleSandboxRecord>('stale-sandbox-v1.35.8-skipped');
const control134 = load<StaleSandboxRecord>('stale-sandbox-v1.34.12-control');
const control133 = load<StaleSandboxRecord>('stale-sandbox-v1.33.13-control');

const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
};
const brokenWith = (r: StaleSandboxRecord, message: RegExp) => {
  expect(readStaleSandbox(r).outcome).to.equal('broken');
  expect(readStaleSandbox(r).detail).to.match(message);
  const err = thrown(() => checkEveryInitReran(r));
  expect(err).to.be.instanceOf(InfrastructureError);
  expect(err.message).to.match(/^stale-sandbox: no verdict is earned: /);
};
const short = (id: string) => id.slice(0, 13);
const OLD = short(v136.crash.oldSandbox!);
const NEW = short(v136.crash.newSandbox!);
const STALE = short(v136.crash.afterRuntimeRestart!.containers.find((c) => c.name === 'app')!.id);

describe('stale-sandbox: the known upstream bug #137710 (lib/checks/stale-sandbox.ts)', () => {
  describe('the runs as recorded', () => {
    for (const [release, r] of [['v1.36.5', v136], ['v1.35.8', v135], ['v1.34.12', v134], ['v1.33.13', v133]] as const) {
      it(`${release}: the precondition proven, init-b skipped (init-a → app after the crash), the check fails naming the upstream bug`, () => {
        expect(crashProof(r.crash).proven).to.equal(true);
        const reading = readStaleSandbox(r);
        expect(reading.outcome).to.equal('skipped');
        expect(reading.skipped).to.deep.equal(['init-b']);
        expect(reading.startedAfter).to.deep.equal(['init-a', 'app']);
        const stale = staleApp(r.final, 'app', r.crash.oldSandbox)!;
        const err = thrown(() => checkEveryInitReran(r));
        expect(err.name).to.equal('AssertionError');
        expect(err.message).to.equal(
          `expected every init container (init-a, init-b) to run again after the sandbox was recreated; observed init-b skipped — reproduces the known upstream bug ${UPSTREAM_BUG}: ` +
            `the kubelet took app ${short(stale.id)} ${CREATED} in sandbox ${short(r.crash.oldSandbox!)} of the old sandbox as proof that the pod was initialized; ` +
            `after the crash: started init-a → app; at the end: ${describeListing(r.final)}`,
        );
      });
    }

    for (const [release, c] of [['v1.36.5', control], ['v1.34.12', control134], ['v1.33.13', control133]] as const) {
      it(`the control (${release}, app running at the crash): nothing left CREATED, every init container ran again in order, the check passes`, () => {
        expect(crashProof(c.crash).proven).to.equal(true);
        expect(staleApp(c.crash.afterRuntimeRestart, 'app', c.crash.oldSandbox)).to.equal(undefined);
        const reading = checkEveryInitReran(c);
        expect(reading).to.deep.equal({ outcome: 'reran', skipped: [], startedAfter: ['init-a', 'init-b', 'app'], detail: `after the crash: started init-a → init-b → app; at the end: ${describeListing(c.final)}` });
      });
    }
  });

  describe('negative controls: each reading turned', () => {
    it('the bug\'s run given init-b\'s run in the new sandbox (runtime and ledger) reads as reran, and the check passes', () => {
      const r = clone(v136);
      const initA = r.final.containers.find((c) => c.name === 'init-a' && c.sandboxId === r.crash.newSandbox)!;
      r.final.containers.push({ ...initA, id: 'f'.repeat(64), name: 'init-b' });
      const appStart = r.ledger.findIndex((e) => e.container === 'app' && e.uptime > r.crash.crashUptime!);
      const at = r.ledger[appStart]!.uptime - 0.01;
      r.ledger.splice(appStart, 0, { time: r.ledger[appStart]!.time, uptime: at, container: 'init-b', event: 'started' }, { time: r.ledger[appStart]!.time, uptime: at, container: 'init-b', event: 'ran' });
      expect(readStaleSandbox(r).outcome).to.equal('reran');
      expect(checkEveryInitReran(r).startedAfter).to.deep.equal(['init-a', 'init-b', 'app']);
    });

    it('the control\'s run without init-b in the new sandbox fails, not naming the upstream bug (no stale container)', () => {
      const r = clone(control);
      r.final.containers = r.final.containers.filter((c) => !(c.name === 'init-b' && c.sandboxId === r.crash.newSandbox));
      r.ledger = r.ledger.filter((e) => !(e.container === 'init-b' && e.uptime > r.crash.crashUptime!));
      const err = thrown(() => checkEveryInitReran(r));
      expect(err.name).to.equal('AssertionError');
      expect(err.message).to.match(/^expected every init container \(init-a, init-b\) to run again after the sandbox was recreated; observed init-b skipped — with no container of the old sandbox left CONTAINER_CREATED: not the known upstream bug's precondition; after the crash: started init-a → app; at the end: /);
    });

    it('the control\'s run read as the bug\'s (the app was not left CREATED): broken, the precondition not met', () => {
      const r = clone(control);
      r.crash.variant = 'stale';
      brokenWith(r, /^the crash did not leave what the stale run needs: expected after the crash the runtime keeps app of the old sandbox as CONTAINER_CREATED, the old sandbox SANDBOX_NOTREADY, and the kubelet makes a new ready sandbox; observed old sandbox /);
    });

    it('the bug\'s run read as a control (a stale CREATED container was there): broken', () => {
      const r = clone(v136);
      r.crash.variant = 'control';
      brokenWith(r, /^the crash did not leave what the control run needs: expected after the crash the runtime keeps app of the old sandbox in a state other than CONTAINER_CREATED, /);
    });

    it('the app order turned: the check fails on the order after the crash', () => {
      const r = clone(control);
      const after = r.ledger.filter((e) => e.uptime > r.crash.crashUptime!);
      const a = after.find((e) => e.container === 'init-a' && e.event === 'started')!;
      const b = after.find((e) => e.container === 'init-b' && e.event === 'started')!;
      [a.container, b.container] = ['init-b', 'init-a'];
      const err = thrown(() => checkEveryInitReran(r));
      expect(err.name).to.equal('AssertionError');
      expect(err.message).to.match(/^expected the containers to start after the crash in the order init-a → init-b → app; observed init-b → init-a → app; after the crash: started init-b → init-a → app; at the end: /);
    });
  });

  describe('broken: no verdict without the precondition and agreeing witnesses', () => {
    it('the crash not proven: no listing after containerd\'s restart, the old sandbox still ready, no new sandbox, the new one the old', () => {
      const noListing = clone(v136);
      delete noListing.crash.afterRuntimeRestart;
      brokenWith(noListing, new RegExp(`observed old sandbox ${OLD}; after containerd's restart: not read; new ready sandbox ${NEW}$`));
      const stillReady = clone(v136);
      stillReady.crash.afterRuntimeRestart!.sandboxes[0]!.state = 'SANDBOX_READY';
      brokenWith(stillReady, new RegExp(`after containerd's restart: sandbox ${OLD} attempt 0 SANDBOX_READY; `));
      const noNew = clone(v136);
      delete noNew.crash.newSandbox;
      brokenWith(noNew, /new ready sandbox none$/);
      const same = clone(v136);
      same.crash.newSandbox = same.crash.oldSandbox;
      brokenWith(same, /new ready sandbox none$/);
      const appStarted = clone(v136);
      appStarted.crash.afterRuntimeRestart!.containers[0]!.state = 'CONTAINER_EXITED';
      brokenWith(appStarted, new RegExp(`app ${STALE} CONTAINER_EXITED in sandbox ${OLD}`));
      const otherSandbox = clone(v136);
      otherSandbox.crash.afterRuntimeRestart!.containers[0]!.sandboxId = 'x'.repeat(64);
      brokenWith(otherSandbox, new RegExp(`app ${STALE} CONTAINER_CREATED in sandbox xxxxxxxxxxxxx`));
      const otherName = clone(v136);
      otherName.crash.app = 'main';
      brokenWith(otherName, /runtime keeps main of the old sandbox/);
    });

    it('the crash\'s uptime not read: broken', () => {
      const r = clone(v136);
      delete r.crash.crashUptime;
      brokenWith(r, /^the crash's uptime was not read: the ledger cannot be split at the crash$/);
    });

    it('the stale container gone at the end: broken (the kubelet may not have seen it); a control needs none', () => {
      const r = clone(v136);
      r.final.containers = r.final.containers.filter((c) => c.state !== CREATED);
      brokenWith(r, new RegExp(`^the stale app of the old sandbox ${OLD} is no longer CONTAINER_CREATED at the end, so the kubelet may not have seen it when it decided; at the end: sandbox ${NEW} attempt 1 SANDBOX_READY; `));
      expect(readStaleSandbox(control).outcome).to.equal('reran');
    });

    it('no app in the new sandbox: the run ended before the pod came back', () => {
      const r = clone(control);
      r.final.containers = r.final.containers.filter((c) => !(c.name === 'app' && c.sandboxId === r.crash.newSandbox));
      brokenWith(r, new RegExp(`^app has no container in the new sandbox ${short(control.crash.newSandbox!)}: the run ended before the pod came back; at the end: `));
    });

    it('the runtime and the ledger disagree, either way: broken, naming both witnesses', () => {
      const ledgerOnly = clone(v136);
      const appStart = ledgerOnly.ledger.find((e) => e.container === 'app' && e.uptime > ledgerOnly.crash.crashUptime!)!;
      ledgerOnly.ledger.push({ ...appStart, container: 'init-b', event: 'ran' });
      brokenWith(ledgerOnly, /^init-b: the runtime has no container of it in the new sandbox, the ledger has run of it after the crash$/);
      const runtimeOnly = clone(control);
      runtimeOnly.ledger = runtimeOnly.ledger.filter((e) => !(e.container === 'init-b' && e.uptime > runtimeOnly.crash.crashUptime!));
      brokenWith(runtimeOnly, /^init-b: the runtime has container of it in the new sandbox, the ledger has no run of it after the crash$/);
      const started = clone(control);
      started.ledger = started.ledger.filter((e) => !(e.container === 'init-b' && e.event === 'ran' && e.uptime > started.crash.crashUptime!));
      brokenWith(started, /^init-b: the runtime has container of it in the new sandbox, the ledger has no run of it after the crash$/);
    });

    it('a ledger line exactly at the crash\'s uptime belongs before it', () => {
      const r = clone(control);
      const after = r.ledger.filter((e) => e.uptime > r.crash.crashUptime!);
      r.crash.crashUptime = after.find((e) => e.container === 'init-a' && e.event === 'started')!.uptime;
      expect(readStaleSandbox(r).startedAfter).to.deep.equal(['init-b', 'app']);
    });
  });

  describe('edges', () => {
    it('a broken reading carries nothing else; the proof keeps the crash\'s evidence', () => {
      const r = clone(v136);
      delete r.crash.crashUptime;
      expect(readStaleSandbox(r)).to.deep.equal({ outcome: 'broken', detail: 'the crash\'s uptime was not read: the ledger cannot be split at the crash', skipped: [], startedAfter: [] });
      expect(crashProof(v136.crash).evidence).to.deep.equal(v136.crash);
    });

    it('the old sandbox is found by its id: another sandbox not ready does not stand in for it; none listed is not proven', () => {
      const other = clone(v136);
      const old = other.crash.afterRuntimeRestart!.sandboxes[0]!;
      old.state = 'SANDBOX_READY';
      other.crash.afterRuntimeRestart!.sandboxes.unshift({ id: 'o'.repeat(64), attempt: 0, state: 'SANDBOX_NOTREADY' });
      expect(crashProof(other.crash).proven).to.equal(false);
      const none = clone(v136);
      none.crash.afterRuntimeRestart!.sandboxes = [];
      expect(crashProof(none.crash).proven).to.equal(false);
      const unread = clone(v136);
      delete unread.crash.oldSandbox;
      expect(crashProof(unread.crash).seen).to.match(/^old sandbox none; /);
    });

    it('nothing ran after the crash: both init containers skipped, named in order; "started nothing"', () => {
      const r = clone(v136);
      r.ledger = r.ledger.filter((e) => e.uptime <= r.crash.crashUptime!);
      r.final.containers = r.final.containers.filter((c) => !(c.name === 'init-a' && c.sandboxId === r.crash.newSandbox));
      const reading = readStaleSandbox(r);
      expect(reading.skipped).to.deep.equal(['init-a', 'init-b']);
      expect(reading.detail).to.match(/^after the crash: started nothing; at the end: /);
      expect(thrown(() => checkEveryInitReran(r)).message).to.match(/^expected every init container \(init-a, init-b\) to run again after the sandbox was recreated; observed init-a, init-b skipped — reproduces /);
    });

    it('runs without their "started" lines: the order check says none started', () => {
      const r = clone(control);
      r.ledger = r.ledger.filter((e) => !(e.event === 'started' && e.uptime > r.crash.crashUptime!));
      expect(thrown(() => checkEveryInitReran(r)).message).to.match(/^expected the containers to start after the crash in the order init-a → init-b → app; observed none; after the crash: started nothing; /);
    });

    it('two disagreements are both named', () => {
      const r = clone(control);
      r.ledger = r.ledger.filter((e) => !(e.event === 'ran' && e.uptime > r.crash.crashUptime!));
      expect(readStaleSandbox(r).detail).to.equal('init-a: the runtime has container of it in the new sandbox, the ledger has no run of it after the crash; init-b: the runtime has container of it in the new sandbox, the ledger has no run of it after the crash');
    });
  });

  describe('crictl JSON', () => {
    const ps = JSON.stringify({
      containers: [
        { id: 'c1', podSandboxId: 's1', metadata: { name: 'app', attempt: 2 }, state: 'CONTAINER_CREATED', labels: {} },
        { id: 'c2', podSandboxId: 's2', metadata: { name: 'init-a' }, state: 'CONTAINER_EXITED' },
      ],
    });
    const pods = JSON.stringify({ items: [{ id: 's1', metadata: { name: 'p', attempt: 1 }, state: 'SANDBOX_NOTREADY' }, { id: 's2', metadata: {}, state: 'SANDBOX_READY' }] });

    it('containers and sandboxes: id, sandbox, name, attempt (0 when absent), state', () => {
      expect(parseCriContainers(ps)).to.deep.equal([
        { id: 'c1', sandboxId: 's1', name: 'app', attempt: 2, state: 'CONTAINER_CREATED' },
        { id: 'c2', sandboxId: 's2', name: 'init-a', attempt: 0, state: 'CONTAINER_EXITED' },
      ]);
      expect(parseCriSandboxes(pods)).to.deep.equal([{ id: 's1', attempt: 1, state: 'SANDBOX_NOTREADY' }, { id: 's2', attempt: 0, state: 'SANDBOX_READY' }]);
      const listing: CriListing = { containers: parseCriContainers(ps), sandboxes: parseCriSandboxes(pods) };
      expect(describeListing(listing)).to.equal('sandbox s1 attempt 1 SANDBOX_NOTREADY; sandbox s2 attempt 0 SANDBOX_READY; app c1 CONTAINER_CREATED in sandbox s1 attempt 2; init-a c2 CONTAINER_EXITED in sandbox s2 attempt 0');
      expect(describeListing({ containers: [], sandboxes: [] })).to.equal('nothing listed');
      expect(parseCriContainers('{"containers":[]}')).to.deep.equal([]);
    });

    it('a listing without its list, or an entry without a field, is refused with what is missing', () => {
      expect(() => parseCriContainers('{}')).to.throw('crictl JSON: no "containers" list');
      expect(() => parseCriSandboxes('{"items":{}}')).to.throw('crictl JSON: no "items" list');
      expect(() => parseCriContainers('{"containers":[{"podSandboxId":"s","metadata":{"name":"a"},"state":"X"}]}')).to.throw('crictl JSON: a container id is not a string');
      expect(() => parseCriContainers('{"containers":[{"id":"c","metadata":{"name":"a"},"state":"X"}]}')).to.throw('crictl JSON: a container\'s podSandboxId is not a string');
      expect(() => parseCriContainers('{"containers":[{"id":"c","podSandboxId":"s","state":"X"}]}')).to.throw('crictl JSON: a container\'s name is not a string');
      expect(() => parseCriContainers('{"containers":[{"id":"c","podSandboxId":"s","metadata":{"name":"a"},"state":""}]}')).to.throw('crictl JSON: a container\'s state is not a string');
      expect(() => parseCriSandboxes('{"items":[{"state":"SANDBOX_READY"}]}')).to.throw('crictl JSON: a sandbox id is not a string');
      expect(() => parseCriSandboxes('{"items":[{"id":"s","state":7}]}')).to.throw('crictl JSON: a sandbox\'s state is not a string');
    });
  });
});
