/** `initc check`: how a test ends, how the check exits, why a pod is not Ready, and the outage's proof (pure; no cluster). */
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import { formatStuckInits, stuckInits } from '../../lib/check/diagnose.js';
import { CHECK_PART_LABEL, CheckBroken, Skip, checkVerdict, notCheckedLines, skipReasons, skippedFaults, testEnd } from '../../lib/check/outcome.js';
import { checkBoundedDuringOutage, checkOutageTookEffect, checkProbeWorks, dnsAnswer, recoveryMs } from '../../lib/check/verdicts.js';
import type { RecordedRow } from '../../lib/checks/recording.js';
import type { Recording } from '../../lib/checks/recording.js';
import { ExitCode } from '../../lib/errors.js';
import { serviceGoneProof } from '../../lib/chaos/proof.js';
import type { ResultFile } from '../../lib/report/results.js';
import { load } from '../support/controls.js';

const result = (name: string, status: string, part?: string): ResultFile => ({ name, status, start: 0, stop: 1, labels: part ? [{ name: 'check', value: part }] : [] });

describe('check: how a test ends', () => {
  it('passed only with no failure and no problem', () => {
    expect(testEnd(undefined, [])).to.deep.equal({ kind: 'passed' });
  });
  it('a problem (an undo, missing evidence) breaks a pass, naming each problem', () => {
    const end = testEnd(undefined, ['a fault could not be undone: x', 'evidence missing: y']);
    expect(end.kind).to.equal('failed');
    const error = (end as { error: Error }).error;
    expect(error).to.be.instanceOf(CheckBroken);
    expect(error.message).to.equal('the check held, but its result cannot be trusted as it stands:\n- a fault could not be undone: x\n- evidence missing: y');
  });
  it('a skip stands alone; with a problem it is broken and keeps its reason', () => {
    expect(testEnd(new Skip('no node access'), [])).to.deep.equal({ kind: 'skipped', why: 'no node access' });
    const end = testEnd(new Skip('no node access'), ['evidence missing: z']) as { kind: string; error: Error };
    expect(end.kind).to.equal('failed');
    expect(end.error).to.be.instanceOf(CheckBroken);
    expect(end.error.message).to.equal('skipped (no node access), and then:\n- evidence missing: z');
  });
  it('a failure keeps its own error, the problems added to its message', () => {
    const err = new Error('expected a; observed b');
    const end = testEnd(err, ['evidence missing: q']) as { kind: string; error: Error };
    expect(end.kind).to.equal('failed');
    expect(end.error).to.equal(err);
    expect(end.error.message).to.equal('expected a; observed b\nAlso:\n- evidence missing: q');
    expect((testEnd(err, []) as { error: Error }).error.message).to.equal('expected a; observed b\nAlso:\n- evidence missing: q');
    const plain = testEnd('text', []) as { kind: string; error: Error };
    expect(plain.kind).to.equal('failed');
    expect(plain.error.message).to.equal('text');
  });
});

describe('check: the exit (a check that injected no fault is not a pass)', () => {
  const staticOk = result('static findings: none', 'passed', 'static');
  const readyOk = result('Ready: Pod/p', 'passed', 'ready');
  const skipped = (n: string) => result(`${n} (skipped: no node access)`, 'skipped', 'fault');
  it('exit 12 when every fault was skipped (the documentation example on a cluster without node access)', () => {
    const v = checkVerdict([staticOk, readyOk, skipped('sandbox lost'), skipped('node reboot'), result('dependency outage (skipped: the manifests define no Service to take away)', 'skipped', 'fault')], { faultsAsked: 4, mochaFailures: 0 });
    expect(v?.exitCode).to.equal(ExitCode.nothingRan);
    expect(v?.message).to.equal('no fault was injected, so nothing shows how the init containers behave under failure: 2 skipped: no node access; 1 skipped: the manifests define no Service to take away');
    expect(skipReasons([result('a', 'skipped', 'fault'), result('b (skipped: x (y))', 'skipped', 'fault')]), 'a title without its reason says its status').to.equal('1 skipped: a (skipped); 1 skipped: x (y)');
    // Most first, then by reason, whatever order the result files came in (the file system's: it flaked in CI).
    const other = result('dependency outage (skipped: a Service)', 'skipped', 'fault');
    expect(skipReasons([other, skipped('x'), skipped('y')])).to.equal('2 skipped: no node access; 1 skipped: a Service');
    expect(skipReasons([skipped('x'), other, skipped('y')])).to.equal('2 skipped: no node access; 1 skipped: a Service');
    expect(skipReasons([result('b (skipped: b)', 'skipped', 'fault'), result('a (skipped: a)', 'skipped', 'fault')])).to.equal('1 skipped: a; 1 skipped: b');
  });
  it('exit 12 when faults were asked for and no fault test was made at all', () => {
    expect(checkVerdict([staticOk, readyOk], { faultsAsked: 1, mochaFailures: 0 })?.message).to.match(/: no fault test was made$/);
  });
  it('exit 0 when at least one fault held; the skipped ones named by the summary', () => {
    const results = [staticOk, readyOk, result('sandbox lost', 'passed', 'fault'), skipped('node reboot')];
    expect(checkVerdict(results, { faultsAsked: 2, mochaFailures: 0 })).to.equal(undefined);
    expect(skippedFaults(results)).to.deep.equal(['node reboot (skipped: no node access)']);
    expect(notCheckedLines(results, 'cat /x')).to.deep.equal(['', '  NOT CHECKED node reboot (skipped: no node access)']);
  });
  it('a passing app-level test is no fault: exit 12 although static and Ready passed', () => {
    const v = checkVerdict([staticOk, readyOk, result('sandbox lost', 'skipped', 'fault')], { faultsAsked: 1, mochaFailures: 0 });
    expect(v?.exitCode).to.equal(ExitCode.nothingRan);
  });
  it('exit 0 with --faults none when static findings and Ready held', () => {
    expect(checkVerdict([staticOk, readyOk], { faultsAsked: 0, mochaFailures: 0 })).to.equal(undefined);
  });
  it('exit 1 on a failed or broken test, or a failure only Mocha counted', () => {
    const failed = checkVerdict([staticOk, result('sandbox lost', 'failed', 'fault')], { faultsAsked: 1, mochaFailures: 0 });
    expect(failed?.exitCode).to.equal(ExitCode.testsFailed);
    expect(failed?.message).to.equal('1 check(s) failed or broke; see the summary and the report');
    expect(checkVerdict([staticOk, result('b', 'broken', 'fault'), result('c', 'broken', 'fault')], { faultsAsked: 1, mochaFailures: 0 })?.message).to.match(/^2 check/);
    expect(checkVerdict([staticOk, readyOk, result('sandbox lost', 'passed', 'fault')], { faultsAsked: 1, mochaFailures: 3 })?.message).to.match(/^3 check/);
  });
  it('exit 12 when nothing passed or nothing was written', () => {
    expect(checkVerdict([], { faultsAsked: 0, mochaFailures: 0 })?.message).to.equal('no check ran: no result was written');
    expect(checkVerdict([result('x', 'skipped', 'static')], { faultsAsked: 0, mochaFailures: 0 })?.message).to.equal('no check ran: all 1 were skipped');
  });
  it('without --probe a fault that held says idempotency was not compared', () => {
    const results = [readyOk, result('sandbox lost', 'passed', 'fault')];
    expect(notCheckedLines(results, undefined)).to.deep.equal(['', '  NOT CHECKED idempotency: no --probe was given, so the state the init containers leave was not compared after any fault']);
    expect(notCheckedLines(results, 'cat /x')).to.deep.equal([]);
    expect(notCheckedLines([readyOk, skipped('sandbox lost')], undefined)).to.deep.equal(['', '  NOT CHECKED sandbox lost (skipped: no node access)']);
  });
});

const status = (name: string, s: Record<string, unknown>, restartCount = 0) => ({ name, ready: false, restartCount, image: 'x', imageID: '', ...s });
const podWith = (inits: unknown[]): V1Pod => ({ metadata: { name: 'p' }, status: { phase: 'Pending', initContainerStatuses: inits } }) as unknown as V1Pod;

describe('check: why a pod is not Ready, in its init containers\' words', () => {
  const pod = podWith([
    status('done', { state: { terminated: { exitCode: 0, reason: 'Completed' } } }),
    status('fetch', { state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container\nmore' } }, lastState: { terminated: { exitCode: 6, reason: 'Error' } } }, 3),
    status('later', { state: { waiting: { reason: 'PodInitializing' } } }),
  ]);
  it('names the failing one with its exit code, reason and the previous attempt\'s last log lines', () => {
    const stuck = stuckInits(pod);
    expect(stuck).to.deep.equal([
      { name: 'fetch', state: 'waiting: CrashLoopBackOff (back-off 20s restarting failed container); its last attempt ended exit 6 (Error)', restartCount: 3, log: { container: 'fetch', previous: true } },
      { name: 'later', state: 'waiting: PodInitializing', restartCount: 0 },
    ]);
    expect(formatStuckInits(pod, stuck, { fetch: 'a\nb\nc\nd\nwget: bad address \'example.com\'\n' }, 3)).to.equal(
      "  init container fetch: waiting: CrashLoopBackOff (back-off 20s restarting failed container); its last attempt ended exit 6 (Error), restarted 3 time(s)\n    last log lines of its previous attempt:\n      c\n      d\n      wget: bad address 'example.com'\n  init container later: waiting: PodInitializing, restarted 0 time(s)",
    );
  });
  it('a terminated failure and a running one; an empty log says so; none stuck says so', () => {
    const p = podWith([status('a', { state: { terminated: { exitCode: 1 } } }), status('b', { state: { running: { startedAt: '2026-01-01T00:00:00Z' } } })]);
    expect(stuckInits(podWith([status('b', { state: { running: { startedAt: new Date('2026-01-01T00:00:00Z') } } })]))[0]!.state, 'the client gives Dates').to.equal('running since 2026-01-01T00:00:00.000Z');
    const stuck = stuckInits(p);
    expect(stuck.map((s) => [s.name, s.state, s.log?.previous])).to.deep.equal([['a', 'exit 1', false], ['b', 'running since 2026-01-01T00:00:00Z', false]]);
    expect(formatStuckInits(p, stuck, {})).to.contain('init container a: exit 1, restarted 0 time(s)\n    last log lines:\n      (empty)');
    expect(formatStuckInits(podWith([]), [], {})).to.equal('pod p: no init container failed or is stuck (phase Pending)');
    expect(stuckInits(podWith([status('w', { state: { waiting: { reason: 'ErrImageNeverPull', message: 'image x not present' } } })]))).to.deep.equal([{ name: 'w', state: 'waiting: ErrImageNeverPull (image x not present)', restartCount: 0 }]);
  });
});

describe('check: the probe, the recovery time, the outage\'s proof', () => {
  it('the probe must succeed where it is the baseline', () => {
    checkProbeWorks({ exitCode: 0, stdout: '', stderr: '' }, 'at Ready');
    expect(() => checkProbeWorks({ exitCode: 1, stdout: '', stderr: 'cat: can\'t open \'/data/nope\': No such file or directory\n' }, 'on the freshly Ready pod')).to.throw(
      "expected the --probe command to succeed on the freshly Ready pod (exit 0), so that its output says something about the state; observed exit 1, stderr: cat: can't open '/data/nope': No such file or directory",
    );
    expect(() => checkProbeWorks({ exitCode: 2, stdout: 'x\ny', stderr: '' }, 'w')).to.throw(/observed exit 2, stdout: x$/);
  });
  it('a recovery is measured from the fault\'s end and never negative', () => {
    const end = Date.parse('2026-01-01T00:00:10Z');
    expect(recoveryMs('2026-01-01T00:00:12.500Z', end)).to.equal(2500);
    expect(recoveryMs('2026-01-01T00:00:10Z', end)).to.equal(0);
    expect(() => recoveryMs('2026-01-01T00:00:09.999Z', end)).to.throw('the row taken for the recovery (2026-01-01T00:00:09.999Z) is from before the fault ended (2026-01-01T00:00:10.000Z): it cannot show a recovery from it');
    expect(() => recoveryMs('garbage', end)).to.throw(/before the fault ended/);
  });
  // busybox 1.37 nslookup, as the fixture image answers inside a cluster namespace.
  const resolved = { exitCode: 0, stdout: 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tdb.ns.svc.cluster.local\nAddress: 10.96.4.7\n\n', stderr: '' };
  const nx = { exitCode: 1, stdout: 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n** server can\'t find db.ns.svc.cluster.local: NXDOMAIN\n\n', stderr: '' };
  const noServer = { exitCode: 1, stdout: '', stderr: ';; connection timed out; no servers could be reached\n' };
  it('DNS answers read from nslookup: resolved, NXDOMAIN, or neither', () => {
    expect(dnsAnswer(resolved)).to.equal('resolved');
    expect(dnsAnswer(nx)).to.equal('nxdomain');
    expect(dnsAnswer(noServer)).to.equal('other');
    expect(dnsAnswer({ ...resolved, exitCode: 1 }), 'an address with a failed exit is no answer').to.equal('other');
    expect(dnsAnswer({ ...nx, exitCode: 0 }), 'NXDOMAIN with exit 0 is no proof').to.equal('other');
    expect(dnsAnswer({ exitCode: 0, stdout: 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n', stderr: '' }), 'only the server\'s own address').to.equal('other');
  });
  it('the outage is proven only by a name that resolved before and is NXDOMAIN during it', () => {
    checkOutageTookEffect('resolved', 'nxdomain', 'db.ns.svc.cluster.local');
    expect(() => checkOutageTookEffect('resolved', 'resolved', 'db.x')).to.throw(CheckBroken, 'the outage did not take effect: db.x still resolves from inside the namespace after the Service was removed and the DNS cache time passed');
    expect(() => checkOutageTookEffect('resolved', 'other', 'db.x')).to.throw(CheckBroken, 'db.x still gives no NXDOMAIN (other)');
    expect(() => checkOutageTookEffect('other', 'nxdomain', 'db.x')).to.throw(CheckBroken, 'cannot prove the outage: db.x did not resolve from inside the namespace even before the Service was removed (other)');
    expect(() => checkOutageTookEffect('nxdomain', 'nxdomain', 'db.x')).to.throw(CheckBroken, /even before/);
  });
});

describe('check: the outage is bounded only by what the timeline shows', () => {
  const row = (containers: unknown[], ready = 'False', podReason?: string): RecordedRow => ({ seq: 1, receivedAt: '', elapsedMs: 0, resourceVersion: '1', event: 'MODIFIED', phase: 'Pending', podReason, status: 'Init:0/1', ready: '0/1', restarts: 0, conditions: { Ready: ready }, containers }) as unknown as RecordedRow;
  const running = { name: 'a', kind: 'init', state: 'running', restartCount: 0, ready: false, startedAt: '2026-01-01T00:00:01Z', containerID: 'c://1' };
  const pod = { spec: { initContainers: [{ name: 'a' }] } } as V1Pod;
  it('a one-year activeDeadlineSeconds that did not strike bounds nothing', () => {
    expect(() => checkBoundedDuringOutage([row([running])], { spec: { ...pod.spec, activeDeadlineSeconds: 31_536_000 } } as V1Pod, 20_000, 'db')).to.throw(/its activeDeadlineSeconds 31536000 s did not strike within the outage; give --outage-seconds above it/);
  });
  it('a deadline seen striking (the deadline recording: DeadlineExceeded) bounds it', () => {
    const rec = load<Recording>('deadline-deadline');
    expect(checkBoundedDuringOutage(rec.rows, { spec: { initContainers: [{ name: 'init-a' }], activeDeadlineSeconds: 10 } } as V1Pod, 20_000, 'db')).to.equal('the pod was ended by its activeDeadlineSeconds (10 s) during the outage');
    expect(() => checkBoundedDuringOutage(rec.rows.slice(0, -1), { spec: { initContainers: [{ name: 'init-zz' }], activeDeadlineSeconds: 10 } } as V1Pod, 20_000, 'db'), 'the same rows before the deadline struck').to.throw(/did not strike/);
  });
  it('says how it was bounded: given up, or Ready without the Service; waiting through it fails', () => {
    const failed = { ...running, state: 'terminated', exitCode: 143, finishedAt: '2026-01-01T00:00:11Z' };
    expect(checkBoundedDuringOutage([row([running]), row([failed])], pod, 20_000, 'db')).to.equal('init container a gave up (exited non-zero) during the outage');
    expect(checkBoundedDuringOutage([row([running], 'True')], pod, 20_000, 'db')).to.equal('the pod became Ready while Service db was gone: it does not need it to start');
    expect(() => checkBoundedDuringOutage([row([running])], pod, 20_000, 'db')).to.throw(/give up on Service db within the 20s[\s\S]*init container a was still waiting, never ended, never restarted; the pod stayed Init:0\/1 with nothing to alert on: a dependency/);
    const ok = { ...running, state: 'terminated', exitCode: 0 };
    expect(() => checkBoundedDuringOutage([row([ok])], pod, 20_000, 'db'), 'exit 0 is no giving up').to.throw(/no init container ended|still waiting/);
  });
});

describe('check: the Service removal proves itself through the API', () => {
  it('proven when the Service existed and is not found now; not when it is still found or never was', () => {
    expect(serviceGoneProof({ service: 'db', uidBefore: 'u1' })).to.deep.equal({ claim: 'Service db existed and is not found after its deletion', proven: true, seen: 'uid u1 before; not found now', evidence: { service: 'db', uidBefore: 'u1' } });
    const still = serviceGoneProof({ service: 'db', uidBefore: 'u1', uidNow: 'u1' });
    expect([still.proven, still.seen]).to.deep.equal([false, 'uid u1 before; still found now (uid u1)']);
    const never = serviceGoneProof({ service: 'db' });
    expect([never.proven, never.seen]).to.deep.equal([false, 'uid none before; not found now']);
  });
});

describe('check: --faults, and the rest of the wording', () => {
  it('parses names, commas and blanks; all, none; an unknown name is named with the list', async () => {
    const { FAULTS, parseFaults } = await import('../../lib/check/faults.js');
    expect(parseFaults(undefined)).to.deep.equal([...FAULTS]);
    expect(parseFaults([' kill-init , lose-sandbox', ',', 'kill-init'])).to.deep.equal(['kill-init', 'lose-sandbox']);
    expect(parseFaults(['node-reboot,all'])).to.deep.equal([...FAULTS]);
    expect(parseFaults(['all,none'])).to.deep.equal([]);
    expect(parseFaults([' , '])).to.deep.equal([...FAULTS]);
    expect(() => parseFaults(['kill-init,reboot', 'x'])).to.throw('unknown fault reboot, x; faults: all, none, lose-sandbox, kill-init, node-reboot, service-outage');
  });
  it('a skip reason is the title\'s last parenthesis; other text after it is no reason', () => {
    expect(skipReasons([result('x (skipped: a) tail', 'skipped', 'fault')])).to.equal('1 skipped: x (skipped: a) tail (skipped)');
    expect(CHECK_PART_LABEL).to.equal('check');
    expect(skippedFaults([result('f', 'skipped', 'ready'), result('g', 'passed', 'fault'), result('h', 'skipped', 'fault')])).to.deep.equal(['h']);
  });
  it('an init container status with no state, a pod with no status or name, blank log lines', () => {
    expect(stuckInits({} as V1Pod)).to.deep.equal([]);
    expect(stuckInits(podWith([status('n', {})]))).to.deep.equal([]);
    expect(stuckInits(podWith([status('r', { state: { running: {} } })]))[0]!.state).to.equal('running since ?');
    expect(formatStuckInits({} as V1Pod, [], {})).to.equal('pod ?: no init container failed or is stuck (phase ?)');
    const p = podWith([status('a', { state: { terminated: { exitCode: 2, reason: 'Error' } } })]);
    expect(formatStuckInits(p, stuckInits(p), { a: 'one\n   \ntwo\n' })).to.equal('  init container a: exit 2 (Error), restarted 0 time(s)\n    last log lines:\n      one\n      two');
    const waiting = podWith([status('w', { state: { waiting: {} }, lastState: { terminated: { exitCode: 3 } } })]);
    expect(stuckInits(waiting)[0]!.state).to.equal('waiting: ?; its last attempt ended exit 3');
  });
});
