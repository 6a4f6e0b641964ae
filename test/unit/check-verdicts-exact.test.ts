/** `initc check`'s pure checks of pod objects and rows, each expectation with the exact message that breaks it. */
import { expect } from 'chai';
import type { V1Pod } from '@kubernetes/client-node';
import { checkInitOrder, checkKilledReranAlone, checkSameProbe, dnsAnswer, dnsTtlSeconds, initContainerIds, isReady, readyWithNewInits, sideBySide } from '../../lib/check/verdicts.js';
import type { RecordedRow } from '../../lib/checks/recording.js';

const ready = (status = 'True', type = 'Ready') => ({ type, status });
const podOf = (spec: unknown[], statuses: unknown[], conditions: unknown[] = [ready()]): V1Pod => ({ spec: { initContainers: spec, containers: [] }, status: { conditions, initContainerStatuses: statuses } }) as unknown as V1Pod;
const ran = (name: string, startedAt: string, finishedAt: string, exitCode = 0, containerID = `c://${name}`, reason?: string) => ({ name, containerID, state: { terminated: { exitCode, startedAt, finishedAt, containerID, ...(reason ? { reason } : {}) } } });
const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}Z`;

describe('check verdicts: Ready and containerIDs', () => {
  it('Ready only from a Ready condition that is True', () => {
    expect(isReady({} as V1Pod)).to.equal(false);
    expect(isReady({ status: {} } as V1Pod)).to.equal(false);
    expect(isReady(podOf([], [], [ready('False')]))).to.equal(false);
    expect(isReady(podOf([], [], [ready('True', 'Initialized')]))).to.equal(false);
    expect(isReady(podOf([], [], [ready('False', 'PodScheduled'), ready('True')])), 'one Ready=True among others').to.equal(true);
  });
  it('containerIDs: a terminated attempt\'s, a running one\'s, none while waiting or without status', () => {
    const p = podOf(
      [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }],
      [ran('a', T(1), T(2), 0, 'c://a1'), { name: 'b', containerID: 'c://b1', state: { running: { startedAt: T(3) } } }, { name: 'c', containerID: 'c://c0', state: { waiting: { reason: 'PodInitializing' } } }],
    );
    expect(initContainerIds(p)).to.deep.equal({ a: 'c://a1', b: 'c://b1', c: undefined, d: undefined });
    expect(initContainerIds({ status: {} } as V1Pod)).to.deep.equal({});
    expect(initContainerIds({ spec: { initContainers: [{ name: 'x' }] } } as unknown as V1Pod)).to.deep.equal({ x: undefined });
  });
  it('Ready with new init containers: every one named before has another id now, and has one', () => {
    const p = podOf([{ name: 'a' }], [ran('a', T(1), T(2), 0, 'c://a2')]);
    expect(readyWithNewInits(p, { a: 'c://a1' })).to.equal(true);
    expect(readyWithNewInits(p, { a: 'c://a2' })).to.equal(false);
    expect(readyWithNewInits(p, { a: 'c://a1', gone: undefined }), 'a container with no id now').to.equal(false);
    expect(readyWithNewInits(podOf([{ name: 'a' }], [ran('a', T(1), T(2), 0, 'c://a2')], [ready('False')]), { a: 'c://a1' })).to.equal(false);
  });
});

describe('check verdicts: init order', () => {
  it('holds in spec order, a sidecar running before the next starts; no spec holds trivially', () => {
    checkInitOrder(podOf([{ name: 'a' }, { name: 's', restartPolicy: 'Always' }, { name: 'b' }], [ran('a', T(1), T(2)), { name: 's', state: { running: { startedAt: T(2) } } }, ran('b', T(3), T(4))]));
    checkInitOrder({ status: {} } as V1Pod);
  });
  it('a container that never ran is named with its status', () => {
    expect(() => checkInitOrder(podOf([{ name: 'a' }], [{ name: 'a', state: { waiting: { reason: 'PodInitializing' } } }]))).to.throw('expected init container a to have run; observed its status: {"waiting":{"reason":"PodInitializing"}}');
    expect(() => checkInitOrder(podOf([{ name: 'a' }], []))).to.throw('expected init container a to have run; observed its status: null');
  });
  it('one starting before the one before it finished is out of order, with both times', () => {
    expect(() => checkInitOrder(podOf([{ name: 'a' }, { name: 'b' }], [ran('a', T(1), T(5)), ran('b', T(4), T(6))]))).to.throw(
      'expected init container b to start after a finished (spec order); observed b started at 2026-01-01T00:00:04.000Z, a finished at 2026-01-01T00:00:05.000Z',
    );
  });
  it('a sidecar must be running; the next may start once it started', () => {
    expect(() => checkInitOrder(podOf([{ name: 's', restartPolicy: 'Always' }], [{ name: 's', state: { terminated: { exitCode: 0, startedAt: T(1), finishedAt: T(2) } } }]))).to.throw('expected sidecar s running; observed {"terminated":{"exitCode":0,"startedAt":"2026-01-01T00:00:01Z","finishedAt":"2026-01-01T00:00:02Z"}}');
    expect(() => checkInitOrder(podOf([{ name: 's', restartPolicy: 'Always' }, { name: 'b' }], [{ name: 's', state: { running: { startedAt: T(3) } } }, ran('b', T(2), T(4))]))).to.throw('expected init container b to start after s finished (spec order)');
    expect(() => checkInitOrder(podOf([{ name: 's', restartPolicy: 'OnFailure' }], [{ name: 's', state: { running: { startedAt: T(1) } } }])), 'not a sidecar: still running is no finish').to.throw('expected init container s finished with exit 0; observed {"running":{"startedAt":"2026-01-01T00:00:01Z"}}');
  });
  it('a plain one must have finished with exit 0: the code and reason are quoted', () => {
    expect(() => checkInitOrder(podOf([{ name: 'a' }], [ran('a', T(1), T(2), 3, 'c://a', 'Error')]))).to.throw('expected init container a finished with exit 0; observed exit 3 (Error)');
    expect(() => checkInitOrder(podOf([{ name: 'a' }], [ran('a', T(1), T(2), 3)]))).to.throw('expected init container a finished with exit 0; observed exit 3 ()');
  });
  it('Date objects from the client are read too', () => {
    const p = podOf([{ name: 'a' }, { name: 'b' }], [
      { name: 'a', state: { terminated: { exitCode: 0, startedAt: new Date(T(1)), finishedAt: new Date(T(5)) } } },
      { name: 'b', state: { terminated: { exitCode: 0, startedAt: new Date(T(3)), finishedAt: new Date(T(6)) } } },
    ]);
    expect(() => checkInitOrder(p)).to.throw('b started at 2026-01-01T00:00:03.000Z, a finished at 2026-01-01T00:00:05.000Z');
  });
});

const snap = (name: string, s: Record<string, unknown>) => ({ name, kind: 'init', restartCount: 0, ready: false, ...s });
const row = (seq: number, containers: unknown[]): RecordedRow => ({ seq, receivedAt: T(seq), elapsedMs: seq * 1000, resourceVersion: String(seq), event: 'MODIFIED', phase: 'Pending', status: 'Init:0/2', ready: '0/1', restarts: 0, conditions: {}, containers }) as unknown as RecordedRow;

describe('check verdicts: a killed init container ran again alone', () => {
  const a = snap('a', { state: 'terminated', exitCode: 0, startedAt: T(1), finishedAt: T(2), containerID: 'c://a1' });
  const bKilled = snap('b', { state: 'terminated', exitCode: 137, startedAt: T(3), finishedAt: T(4), containerID: 'c://b1' });
  const bAgain = snap('b', { state: 'terminated', exitCode: 0, startedAt: T(5), finishedAt: T(6), containerID: 'c://b2', restartCount: 1, last: { exitCode: 137, startedAt: T(3), finishedAt: T(4), containerID: 'c://b1' } });
  const last = podOf([{ name: 'a' }, { name: 'b' }], [ran('a', T(1), T(2)), ran('b', T(5), T(6))]);
  const rows = [row(1, [a, bKilled]), row(2, [a, bAgain])];
  it('holds: the killed attempt 137, one more attempt, the one before ran once, Ready and in order', () => {
    checkKilledReranAlone(rows, last, ['a', 'b'], 'b');
  });
  it('one attempt only: it did not run again', () => {
    expect(() => checkKilledReranAlone([row(1, [a, bKilled])], last, ['a', 'b'], 'b')).to.throw(/^expected b to run again after the kill; observed 1 attempt\(s\) in the timeline\nTimeline rows:\n#1 /);
  });
  it('the killed attempt with another exit code', () => {
    expect(() => checkKilledReranAlone(rows, last, ['a', 'b'], 'b', 143)).to.throw(/^expected b's killed attempt to end with exit code 143; observed exit code 137\nTimeline rows:/);
  });
  it('the one before it ran again', () => {
    const a2 = snap('a', { state: 'terminated', exitCode: 0, startedAt: T(5), finishedAt: T(5), containerID: 'c://a2' });
    expect(() => checkKilledReranAlone([...rows, row(3, [a2, bAgain])], last, ['a', 'b'], 'b')).to.throw(/^expected a, before the killed b, to have run exactly once; observed 2 attempts/);
    checkKilledReranAlone([...rows, row(3, [a, bAgain, snap('c', { state: 'terminated', exitCode: 0, startedAt: T(7), containerID: 'c://c1' }), snap('c', { state: 'terminated', exitCode: 0, startedAt: T(8), containerID: 'c://c2' })])], last, ['a', 'b', 'c'], 'b');
  });
  it('not Ready in the end, or out of order in the end', () => {
    expect(() => checkKilledReranAlone(rows, podOf([{ name: 'a' }, { name: 'b' }], [ran('a', T(1), T(2)), ran('b', T(5), T(6))], [ready('False'), ready('True', 'Initialized')]), ['a', 'b'], 'b')).to.throw('expected the pod Ready in the end; observed conditions ["Ready=False","Initialized=True"]');
    expect(() => checkKilledReranAlone(rows, podOf([{ name: 'a' }, { name: 'b' }], [ran('a', T(1), T(6)), ran('b', T(5), T(6))]), ['a', 'b'], 'b')).to.throw('expected init container b to start after a finished');
    expect(() => checkKilledReranAlone(rows, { status: {} } as V1Pod, ['a', 'b'], 'b')).to.throw('expected the pod Ready in the end; observed conditions undefined');
  });
});

describe('check verdicts: probe outputs side by side', () => {
  it('columns as wide as the longest line before (6 at least, 48 at most), differing lines marked', () => {
    expect(sideBySide('a\n', 'a\nb\n')).to.equal(['  before │ after', '  ───────┼──────', '  a      │ a', '≠        │ b'].join('\n'));
    expect(sideBySide('12345678\nx', 'yy')).to.equal(['  before   │ after', '  ─────────┼──────', '≠ 12345678 │ yy', '≠ x        │ '].join('\n'));
    const long = 'z'.repeat(60);
    const out = sideBySide(long, long, 10).split('\n');
    expect(out[0]).to.equal(`  ${'before'.padEnd(10)} │ after`);
    expect(out[1]).to.equal(`  ${'─'.repeat(10)}─┼─${'─'.repeat(10)}`);
    expect(out[2]).to.equal(`  ${'z'.repeat(10)} │ ${long}`);
  });
  it('the same output with another exit code is not the same; stderr shows beside stdout', () => {
    expect(() => checkSameProbe({ exitCode: 0, stdout: 'x\n', stderr: '' }, { exitCode: 1, stdout: 'x\n', stderr: 'boom' }, 'f')).to.throw('not idempotent: the --probe output after f differs from the one before it (exit 0 before, 1 after)\n  before │ after\n  ───────┼──────────────\n  x      │ x\n≠        │ \n≠        │ [stderr] boom');
    expect(() => checkSameProbe({ exitCode: 0, stdout: 'x', stderr: 'w' }, { exitCode: 0, stdout: 'y', stderr: '' }, 'f')).to.throw(/≠ x\s+│ y\n≠ \[stderr\] w │ $/);
  });
});

describe('check verdicts: DNS answers and the Corefile\'s TTL, exactly', () => {
  const server = 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n';
  it('an address line after the server\'s own two lines; numbered ones (busybox "Address 1:") too', () => {
    expect(dnsAnswer({ exitCode: 0, stdout: `${server}Name:\tdb\nAddress: 10.96.4.7\n`, stderr: '' })).to.equal('resolved');
    expect(dnsAnswer({ exitCode: 0, stdout: `${server}Name:\tdb\nAddress 1: 10.96.4.7 db.ns.svc.cluster.local\n`, stderr: '' })).to.equal('resolved');
    expect(dnsAnswer({ exitCode: 0, stdout: `${server}Name:\tdb\nAddress:\n`, stderr: '' }), 'an empty address').to.equal('other');
    expect(dnsAnswer({ exitCode: 0, stdout: `${server}Name:\tdb\n  Address: 10.96.4.7\n`, stderr: '' }), 'not at a line start').to.equal('other');
    expect(dnsAnswer({ exitCode: 0, stdout: `Name:\tdb\nAddress: 10.96.4.7\n`, stderr: '' }), 'no server lines').to.equal('resolved');
    expect(dnsAnswer({ exitCode: 0, stdout: `${server}Name:\tdb\nAddresses: x\n`, stderr: '' })).to.equal('other');
    expect(dnsAnswer({ exitCode: 1, stdout: '', stderr: 'nslookup: db: NXDOMAIN\n' }), 'NXDOMAIN on stderr').to.equal('nxdomain');
    expect(dnsAnswer({ exitCode: 1, stdout: 'nxdomain', stderr: '' }), 'case matters').to.equal('other');
  });
  it('TTL: kubeadm\'s cache rule exactly; the kubernetes block\'s ttl; 5 otherwise', () => {
    const block = (cache: string, ttl = '') => `.:53 {\n    kubernetes cluster.local {\n       pods insecure\n${ttl}    }\n    ${cache}\n}\n`;
    expect(dnsTtlSeconds(block('cache 30 {\n       disable success cluster.local\n    }'))).to.equal(0);
    expect(dnsTtlSeconds(block('cache 30 {\n       disable denial cluster.local\n    }', '       ttl 7\n'))).to.equal(7);
    expect(dnsTtlSeconds(block('cache 30 {\n       disable success cluster.localx\n    }'))).to.equal(5);
    expect(dnsTtlSeconds(block('cache 30 {\n       disable  success   cluster.local\n    }'))).to.equal(0);
    expect(dnsTtlSeconds(block('nocache 30 {\n       disable success cluster.local\n    }'))).to.equal(5);
    expect(dnsTtlSeconds(block('cache 30', '       ttl 12\n'))).to.equal(12);
    expect(dnsTtlSeconds(block('cache 30', '       xttl 12\n'))).to.equal(5);
    expect(dnsTtlSeconds('.:53 {\n  nokubernetes cluster.local {\n    ttl 9\n  }\n}')).to.equal(5);
    expect(dnsTtlSeconds('.:53 {\n  kubernetes cluster.local {\n    ttl  40\n  }\n}')).to.equal(40);
    expect(dnsTtlSeconds('cache\n{ disable success cluster.local }')).to.equal(5);
  });
});

describe('check verdicts: statuses with parts missing, and what a message quotes', () => {
  it('a status without state, a pod without init container statuses: no id, never ran', () => {
    expect(initContainerIds({ spec: { initContainers: [{ name: 'x' }] }, status: {} } as unknown as V1Pod)).to.deep.equal({ x: undefined });
    expect(initContainerIds(podOf([{ name: 'x' }], [{ name: 'x', containerID: 'c://x' }]))).to.deep.equal({ x: undefined });
    expect(() => checkInitOrder(podOf([{ name: 'x' }], [{ name: 'x' }]))).to.throw('expected init container x to have run; observed its status: null');
    expect(() => checkInitOrder({ spec: { initContainers: [{ name: 'x' }] }, status: {} } as unknown as V1Pod)).to.throw('observed its status: null');
  });
  const a = snap('a', { state: 'terminated', exitCode: 0, startedAt: T(1), finishedAt: T(2), containerID: 'c://a1' });
  it('a failed kill check quotes the last five rows only', () => {
    const rows = [1, 2, 3, 4, 5, 6].map((n) => row(n, [a]));
    const last = podOf([{ name: 'a' }, { name: 'b' }], []);
    for (const [killed, code] of [['b', 137], ['a', 137], ['a', 1]] as const) {
      let message = '';
      try {
        checkKilledReranAlone(rows, last, ['a', 'b'], killed, code);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, `${killed} ${code}`).to.match(/\n#2 t\+2\.00s[\s\S]*\n#6 /);
      expect(message).to.not.match(/\n#1 /);
    }
    expect(() => checkKilledReranAlone(rows, {} as V1Pod, ['a'], 'a')).to.throw(/run again/);
  });
  it('a killed one whose earlier sibling ran twice: the last five rows quoted', () => {
    const b1 = snap('b', { state: 'terminated', exitCode: 137, startedAt: T(3), containerID: 'c://b1' });
    const b2 = snap('b', { state: 'terminated', exitCode: 0, startedAt: T(5), containerID: 'c://b2' });
    const a2 = snap('a', { state: 'terminated', exitCode: 0, startedAt: T(4), containerID: 'c://a2' });
    const rows = [row(1, [a, b1]), row(2, [a, b1]), row(3, [a, b1]), row(4, [a2, b1]), row(5, [a2, b2]), row(6, [a2, b2])];
    expect(() => checkKilledReranAlone(rows, {} as V1Pod, ['a', 'b'], 'b')).to.throw(/have run exactly once; observed 2 attempts\nTimeline rows:\n#2 [\s\S]*#6 /);
    expect(() => checkKilledReranAlone([row(1, [a, b1]), row(2, [a, b2])], {} as V1Pod, ['a', 'b'], 'b')).to.throw('expected the pod Ready in the end; observed conditions undefined');
  });
});

describe('check verdicts: the outage, exactly', () => {
  const running = snap('a', { state: 'running', startedAt: T(1), containerID: 'c://1' });
  const cond = (ready: string) => (r: RecordedRow) => ({ ...r, conditions: { Ready: ready } }) as RecordedRow;
  const pod = { spec: { initContainers: [{ name: 'a' }, { name: 's', restartPolicy: 'Always' }] } } as V1Pod;
  it('Ready seen in any row, its value starting with True', async () => {
    const { checkBoundedDuringOutage } = await import('../../lib/check/verdicts.js');
    expect(checkBoundedDuringOutage([cond('False (ContainersNotReady)')(row(1, [running])), cond('True (x)')(row(2, [running]))], pod, 10_000, 'db')).to.match(/became Ready/);
    expect(checkBoundedDuringOutage([{ ...row(1, [running]), podReason: 'DeadlineExceeded' } as RecordedRow], {} as V1Pod, 10_000, 'db')).to.equal('the pod was ended by its activeDeadlineSeconds (? s) during the outage');
  });
  it('a sidecar that exited is no giving up; an app running is no init container waiting; the last four rows quoted', async () => {
    const { checkBoundedDuringOutage } = await import('../../lib/check/verdicts.js');
    const sidecarDied = snap('s', { kind: 'sidecar', state: 'terminated', exitCode: 1, startedAt: T(1), containerID: 'c://s1' });
    expect(() => checkBoundedDuringOutage([row(1, [running, sidecarDied])], pod, 10_000, 'db')).to.throw(/init container a was still waiting/);
    const app = { ...snap('app', { state: 'running', startedAt: T(1) }), kind: 'app' };
    const waitingInit = snap('a', { state: 'waiting' });
    expect(() => checkBoundedDuringOutage([row(1, [waitingInit, app])], pod, 10_000, 'db')).to.throw(/observed no init container ended; the pod stayed Init:0\/2 with nothing/);
    expect(() => checkBoundedDuringOutage([], pod, 10_000, 'db')).to.throw(/the pod stayed \? with nothing to alert on/);
    expect(() => checkBoundedDuringOutage([], {} as V1Pod, 10_000, 'db')).to.throw(/^expected the init containers to give up/);
    let message = '';
    try {
      checkBoundedDuringOutage([1, 2, 3, 4, 5].map((n) => row(n, [running])), pod, 10_000, 'db');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.match(/Timeline rows:\n#2 [\s\S]*\n#5 /);
    expect(message).to.not.match(/\n#1 /);
  });
  it('the probe\'s failure quotes the first line of stderr and stdout, trimmed', async () => {
    const { checkProbeWorks } = await import('../../lib/check/verdicts.js');
    expect(() => checkProbeWorks({ exitCode: 1, stdout: '\n  out one\nout two', stderr: '  err one  \nerr two' }, 'w')).to.throw(/observed exit 1, stderr: err one, stdout: out one$/);
    expect(() => checkProbeWorks({ exitCode: 1, stdout: '  ', stderr: ' \n' }, 'w')).to.throw(/observed exit 1$/);
  });
  it('nslookup: multi-digit numbered addresses, an address with no blank', () => {
    const server = 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n';
    expect(dnsAnswer({ exitCode: 0, stdout: `${server}Address 12: 10.96.4.7\n`, stderr: '' })).to.equal('resolved');
    expect(dnsAnswer({ exitCode: 0, stdout: `${server}Address:10.96.4.7\n`, stderr: '' })).to.equal('resolved');
    expect(dnsAnswer({ exitCode: 0, stdout: `x${server}`, stderr: '' }), 'server lines not at the start are not taken away: their Address line reads as an answer').to.equal('resolved');
  });
});

describe('check verdicts: the killed attempt\'s exit code, with the last five rows', () => {
  it('quotes rows #2 to #6 of six', () => {
    const a = snap('a', { state: 'terminated', exitCode: 0, startedAt: T(1), finishedAt: T(2), containerID: 'c://a1' });
    const b1 = snap('b', { state: 'terminated', exitCode: 1, startedAt: T(3), containerID: 'c://b1' });
    const b2 = snap('b', { state: 'terminated', exitCode: 0, startedAt: T(5), containerID: 'c://b2' });
    const rows = [row(1, [a, b1]), row(2, [a, b1]), row(3, [a, b1]), row(4, [a, b2]), row(5, [a, b2]), row(6, [a, b2])];
    expect(() => checkKilledReranAlone(rows, {} as V1Pod, ['a', 'b'], 'b')).to.throw(/^expected b's killed attempt to end with exit code 137; observed exit code 1\nTimeline rows:\n#2 [\s\S]*#6 [^\n]*$/);
  });
});
