/**
 * Negative controls of the chaos checks (lib/checks/chaos.ts), in the manner of
 * negative-controls.test.ts: each check runs on the recordings of real chaos runs on the embedded
 * cluster (test/fixtures/recordings/chaos-*.json), first as recorded (it passes), then with one
 * behaviour altered, where it must fail with the message of the expectation that alteration breaks,
 * matched whole (what was expected and what was observed) and with the timeline rows it quotes.
 * Where a check has a limit, a copy altered to sit exactly at the limit must still pass.
 */
import { expect } from 'chai';
import { checkFailedWithoutRestart } from '../../lib/checks/behaviours.js';
import { checkConvergedUnderKills, checkSameTransitions, checkNothingReran, checkOnlyKilledReran, checkRanAgainFromFirst, checkWaitedThroughOutage } from '../../lib/checks/chaos.js';
import { seededRandom } from '../../lib/chaos/random.js';
import type { Recording, RecordedRow } from '../../lib/checks/recording.js';
import { attemptsOf, containerIn } from '../../lib/checks/recording.js';
import type { LedgerEntry } from '../../lib/pod/ledger.js';
import { clone, control, expectFailure, load, passes, seqs } from '../support/controls.js';

const row = (rows: RecordedRow[], seq: number) => {
  const r = rows.find((x) => x.seq === seq);
  if (!r) throw new Error(`recording lacks the row #${seq} this alteration needs`);
  return r;
};
/** The `nth` (0-based) ledger line of `container` with `event`, in ledger order. */
const line = (ledger: LedgerEntry[], container: string, event: string, nth = 0) => {
  const e = ledger.filter((x) => x.container === container && x.event === event)[nth];
  if (!e) throw new Error(`recording lacks the ledger line ${container} ${event} #${nth + 1}`);
  return e;
};
/** `container`'s status in row `seq` (it must have one). */
const status = (r: Recording, seq: number, container: string) => {
  const c = containerIn(row(r.rows, seq), container);
  if (!c) throw new Error(`row #${seq} carries no status of ${container}`);
  return c;
};
/** The containerID `name` first showed: the container before the loss. */
const firstId = (r: Recording, name: string) => r.rows.map((x) => containerIn(x, name)?.containerID).find(Boolean)!;
/** checkRanAgainFromFirst's message when `name` is not a new container in the end (the same containerID, or none). */
const notNew = (r: Recording, name: string, observed: 'same' | 'none') => () =>
  says(`expected ${name}, which had finished before the loss, to be a new container in the end (a containerID other than ${firstId(r, name)}); observed ${observed === 'same' ? `the same ${firstId(r, name)}` : 'no containerID'}`, true);
/** Drops `name` from a row's containers (the row carries no status of it). */
const withoutContainer = (r: RecordedRow, name: string) => (r.containers = r.containers.filter((c) => c.name !== name));
/** Drops the ledger lines from index `from` on. */
const ledgerUpTo = (r: Recording, from: number) => r.ledger.splice(from);
/** Moves a ledger line to the front of the array (its uptime unchanged): the ledger read out of time order. */
const toFront = (r: Recording, e: LedgerEntry) => r.ledger.splice(0, 0, ...r.ledger.splice(r.ledger.indexOf(e), 1));
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The whole message `text`, or `text` followed by the table of quoted rows when `table`. */
const says = (text: string, table = false) => new RegExp(`^${escape(text)}${table ? '\\nTimeline rows:\\n' : '$'}`);

const INITS = ['init-a', 'init-b', 'init-c'];
/** One complete pass of INITS and the app, as the checks print it. */
const PASS = 'init-a started, init-a ran, init-b started, init-b ran, init-c started, init-c ran, app started';

describe('chaos negative controls (recorded chaos runs, altered behaviour)', () => {
  describe('kill: only the killed init container re-runs', () => {
    const killed = (exitCode: number) => (r: Recording) => checkOnlyKilledReran(r, ['init-a'], 'init-b', ['init-c'], 'app', exitCode);
    const FROM_KILL = 'init-b started, init-b started, init-b ran, init-c started, init-c ran, app started';
    const fromKill = `expected the ledger from the kill on: ${FROM_KILL}; observed `;
    const rec = load('chaos-kill-killed-always-sigkill');
    /** Sets the exit code of init-b's first (killed) attempt wherever a row shows it. */
    const killedExit = (code: number) => (r: Recording) => {
      const first = attemptsOf(r.rows, 'init-b')[0]!.containerID;
      for (const x of r.rows) {
        const c = containerIn(x, 'init-b');
        if (c?.containerID === first && c.exitCode !== undefined) c.exitCode = code;
        if (c?.last?.containerID === first) c.last.exitCode = code;
      }
    };
    control(rec, killed(137), {
      'the killed init container never ran again': [(r) => r.rows.splice(6), says('expected init-b to run again after the kill; observed 1 attempt(s) in the timeline', true), seqs(2, 6)],
      'the killed init container was never seen at all': [(r) => r.rows.forEach((x) => withoutContainer(x, 'init-b')), says('expected init-b to run again after the kill; observed 0 attempt(s) in the timeline', true), seqs(5, 9)],
      'its killed attempt ended with exit code 1 (a failure, not the kill)': [killedExit(1), says("expected init-b's killed attempt to end with exit code 137; observed exit code 1", true), seqs(1, 9)],
      'its killed attempt ended with exit code 143 (SIGTERM, where SIGKILL was sent)': [killedExit(143), says("expected init-b's killed attempt to end with exit code 137; observed exit code 143", true), seqs(1, 9)],
      'it restarted twice (restartCount 2)': [(r) => (status(r, 9, 'init-b').restartCount = 2), says('expected init-b restarted exactly once; observed restartCount 2', true), seqs(7, 9)],
      'the last row carries no status of the killed init container': [(r) => withoutContainer(row(r.rows, 9), 'init-b'), says('expected init-b restarted exactly once; observed restartCount undefined', true), seqs(7, 9)],
      'an earlier init container re-ran after the kill (ledger)': [
        (r) => {
          const bRan = line(r.ledger, 'init-b', 'ran').uptime;
          r.ledger.push({ ...line(r.ledger, 'init-a', 'started'), uptime: bRan + 0.4 }, { ...line(r.ledger, 'init-a', 'ran'), uptime: bRan + 0.5 });
        },
        says('expected init-a, before the killed one, to have run exactly once; observed 2 "ran" ledger lines: init-a started, init-a ran, init-a started, init-a ran'),
        [],
      ],
      'an earlier init container never finished (no "ran" line)': [
        (r) => r.ledger.splice(r.ledger.indexOf(line(r.ledger, 'init-a', 'ran')), 1),
        says('expected init-a, before the killed one, to have run exactly once; observed 0 "ran" ledger lines: init-a started'),
      ],
      'an earlier init container left no ledger line': [
        (r) => (r.ledger = r.ledger.filter((e) => e.container !== 'init-a')),
        says('expected init-a, before the killed one, to have run exactly once; observed 0 "ran" ledger lines: nothing'),
      ],
      'an earlier init container restarted (restartCount 1 in a row before the end)': [
        (r) => (status(r, 8, 'init-a').restartCount = 1),
        says('expected init-a, before the killed one, never restarted; observed restartCount 1', true),
        seqs(1, 9),
      ],
      // The recorded second run started and finished in the same centisecond: it is made to last 0.5 s, the app starting halfway.
      "the app started before the killed one's second run finished": [
        (r) => {
          const second = line(r.ledger, 'init-b', 'started', 1).uptime;
          line(r.ledger, 'init-b', 'ran').uptime = second + 0.5;
          line(r.ledger, 'app', 'started').uptime = second + 0.25;
        },
        says(`${fromKill}init-b started, init-b started, app started, init-b ran, init-c started, init-c ran`),
        [],
      ],
      'the killed attempt had already finished (it wrote "ran" before the second start)': [
        (r) => r.ledger.push({ ...line(r.ledger, 'init-b', 'ran'), uptime: (line(r.ledger, 'init-b', 'started').uptime + line(r.ledger, 'init-b', 'started', 1).uptime) / 2 }),
        says(`${fromKill}init-b started, init-b ran, init-b started, init-b ran, init-c started, init-c ran, app started`),
      ],
      'a later init container ran before the killed one ran again': [
        (r) => {
          const [first, second] = [line(r.ledger, 'init-b', 'started').uptime, line(r.ledger, 'init-b', 'started', 1).uptime];
          line(r.ledger, 'init-c', 'started').uptime = first + (second - first) / 3;
          line(r.ledger, 'init-c', 'ran').uptime = first + (2 * (second - first)) / 3;
        },
        says(`${fromKill}init-b started, init-c started, init-c ran, init-b started, init-b ran, app started`),
      ],
      'a later init container ran twice': [
        (r) => {
          const app = line(r.ledger, 'app', 'started').uptime;
          r.ledger.push({ ...line(r.ledger, 'init-c', 'started'), uptime: app + 1 }, { ...line(r.ledger, 'init-c', 'ran'), uptime: app + 1.5 });
        },
        says(`${fromKill}init-b started, init-b started, init-b ran, init-c started, init-c ran, app started, init-c started, init-c ran`),
      ],
      'the app never started': [(r) => r.ledger.pop(), says(`${fromKill}init-b started, init-b started, init-b ran, init-c started, init-c ran`)],
      'nothing from the kill on reached the ledger': [(r) => ledgerUpTo(r, 2), says(`${fromKill}nothing`)],
      'the pod was not Running in the end': [(r) => (row(r.rows, 9).phase = 'Failed'), says('expected phase Running in the end; observed phase Failed', true), seqs(7, 9)],
    });
    /** No status shows the killed attempt's end (a loaded node: the kubelet published none before removing it). */
    const noStatusShowsTheKill = (r: Recording) => {
      const first = attemptsOf(r.rows, 'init-b')[0]!.containerID;
      for (const x of r.rows) {
        const c = containerIn(x, 'init-b');
        if (c?.containerID === first) delete c.exitCode;
        if (c?.last?.containerID === first) delete c.last;
      }
    };
    const withRuntimeExit = (runtime: number | undefined) => (r: Recording) => checkOnlyKilledReran(r, ['init-a'], 'init-b', ['init-c'], 'app', 137, runtime);
    control(rec, withRuntimeExit(undefined), {
      'no status showed the killed attempt\'s end, and the runtime\'s exit code was not read': [noStatusShowsTheKill, says("expected init-b's killed attempt to end with exit code 137; observed no exit code in any status, and none from the runtime at the kill", true), seqs(1, 9)],
    });
    control(rec, withRuntimeExit(0), {
      'no status showed the killed attempt\'s end, and the runtime reported 0': [noStatusShowsTheKill, says("expected init-b's killed attempt to end with exit code 137; observed no exit code in any status, and exit code 0 from the runtime at the kill", true), seqs(1, 9)],
    });
    control(rec, withRuntimeExit(137), {
      'a status showed 143 (the API decides; the runtime\'s 137 does not stand in for it)': [killedExit(143), says("expected init-b's killed attempt to end with exit code 137; observed exit code 143", true), seqs(1, 9)],
    });
    passes(rec, withRuntimeExit(137), {
      'no status showed the killed attempt\'s end, and the runtime reported 137 at the kill': noStatusShowsTheKill,
    });
    passes(rec, killed(137), {
      'the ledger lines were read out of time order': (r) => toFront(r, line(r.ledger, 'app', 'started')),
      'a later init container finished in the centisecond the killed one finished its second run': (r) => {
        line(r.ledger, 'init-c', 'started').uptime = line(r.ledger, 'init-b', 'ran').uptime;
        line(r.ledger, 'init-c', 'ran').uptime = line(r.ledger, 'init-b', 'ran').uptime;
      },
    });
    // [recording, exit code of the kill, sequence number of its last row]
    for (const [name, exitCode, lastSeq] of [
      ['chaos-kill-killed-always-sigterm', 143, 9],
      ['chaos-kill-killed-onfailure-sigkill', 137, 9],
      ['chaos-kill-killed-onfailure-sigterm', 143, 9],
      ['chaos-sandbox-belief-killed', 137, 10],
    ] as const) {
      describe(name, () =>
        control(load(name), killed(exitCode), {
          [`the exit code of the killed attempt was not ${exitCode}`]: [killedExit(exitCode + 1), says(`expected init-b's killed attempt to end with exit code ${exitCode}; observed exit code ${exitCode + 1}`, true), seqs(1, lastSeq)],
        }),
      );
    }
  });

  describe('kill under restartPolicy Never: the pod fails, nothing after the killed one runs', () => {
    control(load('chaos-kill-killed-never-sigkill'), (r) => checkFailedWithoutRestart(r, 'init-b', 137, ['init-c', 'app']), {
      'the killed init container was restarted': [(r) => (status(r, 7, 'init-b').restartCount = 1), says('expected init-b never restarted; observed restartCount 1', true), seqs(3, 7)],
      'the pod did not fail': [(r) => (row(r.rows, 7).phase = 'Pending'), says('expected phase Failed; observed phase Pending', true), seqs(3, 7)],
      'the app wrote to the ledger': [
        (r) => r.ledger.push({ ...line(r.ledger, 'init-b', 'started'), container: 'app', uptime: line(r.ledger, 'init-b', 'started').uptime + 3 }),
        says('expected no ledger line of app; observed 1'),
      ],
    });
  });

  /** The uptime of the second sandbox's first ledger line (init-a's second start): everything before it ran before the loss. */
  const loss = (r: Recording) => line(r.ledger, 'init-a', 'started', 1).uptime;

  describe('sandbox lost during init: every init container runs again from the first', () => {
    const again = (r: Recording) => checkRanAgainFromFirst(r, INITS, 'app', 'interrupted');
    const rec = load('chaos-sandbox-lost-during-init');
    // Ledger: init-a started, init-a ran, init-b started | (loss) | init-a started, ..., app started.
    control(rec, again, {
      'nothing ran again after the loss (no second pass)': [
        (r) => ledgerUpTo(r, 3),
        says('expected init-a to start exactly twice (once per sandbox); observed 1 times; ledger: init-a started, init-a ran, init-b started'),
        [],
      ],
      'nothing reached the ledger': [(r) => (r.ledger = []), says('expected init-a to start exactly twice (once per sandbox); observed 0 times; ledger: ')],
      'the first init container started a third time': [
        (r) => r.ledger.push({ ...line(r.ledger, 'init-a', 'started'), uptime: line(r.ledger, 'app', 'started').uptime + 1 }),
        says(`expected init-a to start exactly twice (once per sandbox); observed 3 times; ledger: init-a started, init-a ran, init-b started, ${PASS}, init-a started`),
      ],
      'the second pass skipped an init container': [
        (r) => {
          const after = loss(r);
          r.ledger = r.ledger.filter((e) => !(e.container === 'init-b' && e.uptime > after));
        },
        says(`expected a complete second pass from the first init container: ${PASS}; observed init-a started, init-a ran, init-c started, init-c ran, app started`),
      ],
      'the second pass ran two init containers out of order': [
        (r) => {
          const [b, c] = [line(r.ledger, 'init-b', 'started', 1), line(r.ledger, 'init-c', 'started')];
          const [bRan, cRan] = [line(r.ledger, 'init-b', 'ran'), line(r.ledger, 'init-c', 'ran')];
          [b.uptime, c.uptime, bRan.uptime, cRan.uptime] = [c.uptime, b.uptime, cRan.uptime, bRan.uptime];
        },
        says(`expected a complete second pass from the first init container: ${PASS}; observed init-a started, init-a ran, init-c started, init-c ran, init-b started, init-b ran, app started`),
      ],
      'the second pass never reached the app': [(r) => r.ledger.pop(), says(`expected a complete second pass from the first init container: ${PASS}; observed init-a started, init-a ran, init-b started, init-b ran, init-c started, init-c ran`)],
      'the first pass had already reached the app (it was not cut short)': [
        (r) => {
          const { time, uptime } = line(r.ledger, 'init-b', 'started');
          r.ledger.splice(
            3,
            0,
            ...(
              [
                ['init-b', 'ran', 0.1],
                ['init-c', 'started', 0.2],
                ['init-c', 'ran', 0.3],
                ['app', 'started', 0.4],
              ] as const
            ).map(([container, event, later]) => ({ time, container, event, uptime: uptime + later })),
          );
        },
        says(`expected a first pass cut short during init (a prefix of ${PASS} without the app); observed ${PASS}`),
      ],
      'the first pass ran two init containers at once (init-b started before init-a finished)': [
        (r) => (line(r.ledger, 'init-a', 'ran').uptime = (line(r.ledger, 'init-b', 'started').uptime + loss(r)) / 2),
        says(`expected a first pass cut short during init (a prefix of ${PASS} without the app); observed init-a started, init-b started, init-a ran`),
      ],
      'an init container ran before the first one in the first pass': [
        (r) => r.ledger.unshift({ ...line(r.ledger, 'init-c', 'started'), uptime: line(r.ledger, 'init-a', 'started').uptime - 1 }),
        says(`expected a first pass cut short during init (a prefix of ${PASS} without the app); observed init-c started, init-a started, init-a ran, init-b started`),
      ],
      'the first init container, which had finished before the loss, is the same container in the end': [
        (r) => (status(r, 10, 'init-a').containerID = firstId(r, 'init-a')),
        notNew(rec, 'init-a', 'same'),
        seqs(8, 10),
      ],
      'the first init container has no containerID in the end': [
        (r) => delete status(r, 10, 'init-a').containerID,
        notNew(rec, 'init-a', 'none'),
        seqs(8, 10),
      ],
      'the API never showed a containerID of the first init container': [
        (r) => r.rows.forEach((x) => delete containerIn(x, 'init-a')?.containerID),
        says('expected init-a, which had finished before the loss, to be a new container in the end (a containerID other than its first); observed no containerID', true),
        seqs(8, 10),
      ],
      'the last row carries no status of the first init container': [
        (r) => withoutContainer(row(r.rows, 10), 'init-a'),
        notNew(rec, 'init-a', 'none'),
        seqs(8, 10),
      ],
      'the pod was not Running in the end': [(r) => (row(r.rows, 10).phase = 'Failed'), says('expected phase Running in the end; observed phase Failed', true), seqs(8, 10)],
    });
    passes(rec, again, {
      'the first init container shows exactly one restart and init-b, cut short by the loss, none (as after SIGKILL to the pause process)': (r) => {
        status(r, 10, 'init-a').restartCount = 1;
        status(r, 10, 'init-b').restartCount = 0;
      },
      'the first init container shows two restarts': (r) => (status(r, 10, 'init-a').restartCount = 2),
      're-run init containers show no restart (as on kind)': (r) => INITS.forEach((n) => (status(r, 10, n).restartCount = 0)),
      'the ledger lines were read out of time order': (r) => toFront(r, line(r.ledger, 'app', 'started')),
      'the loss cut the first pass short right after the first start': (r) => r.ledger.splice(1, 2),
    });
    for (const name of ['chaos-sandbox-pause-killed', 'chaos-sandbox-belief-sandbox-lost']) {
      describe(name, () =>
        control(load(name), again, {
          'the first init container is the same container in the end': [
            (r) => (containerIn(r.rows.at(-1)!, 'init-a')!.containerID = firstId(r, 'init-a')),
            notNew(load(name), 'init-a', 'same'),
            seqs(8, 10),
          ],
        }),
      );
    }
  });

  describe('sandbox lost after init: two complete passes', () => {
    const again = (r: Recording) => checkRanAgainFromFirst(r, INITS, 'app', 'complete');
    const rec = load('chaos-sandbox-lost-after-init');
    control(rec, again, {
      'the first pass never reached the app': [
        (r) => r.ledger.splice(r.ledger.indexOf(line(r.ledger, 'app', 'started')), 1),
        says(`expected a complete first pass before the loss: ${PASS}; observed init-a started, init-a ran, init-b started, init-b ran, init-c started, init-c ran`),
      ],
      'the first pass skipped an init container': [
        (r) => {
          const before = loss(r);
          r.ledger = r.ledger.filter((e) => !(e.container === 'init-b' && e.uptime < before));
        },
        says(`expected a complete first pass before the loss: ${PASS}; observed init-a started, init-a ran, init-c started, init-c ran, app started`),
      ],
      'the second pass skipped the last init container': [
        (r) => {
          const after = loss(r);
          r.ledger = r.ledger.filter((e) => !(e.container === 'init-c' && e.uptime > after));
        },
        says(`expected a complete second pass from the first init container: ${PASS}; observed init-a started, init-a ran, init-b started, init-b ran, app started`),
      ],
      'the last init container, which had finished before the loss, is the same container in the end': [
        (r) => (status(r, 12, 'init-c').containerID = firstId(r, 'init-c')),
        notNew(rec, 'init-c', 'same'),
        seqs(10, 12),
      ],
      'the pod was not Running in the end': [(r) => (row(r.rows, 12).phase = 'Succeeded'), says('expected phase Running in the end; observed phase Succeeded', true), seqs(10, 12)],
      'the first pass was claimed complete but was cut short': [
        (r) => Object.assign(r, load('chaos-sandbox-lost-during-init')),
        says(`expected a complete first pass before the loss: ${PASS}; observed init-a started, init-a ran, init-b started`),
      ],
    });
    it('fails when a complete first pass is judged as one the loss cut short', () =>
      expectFailure((r: Recording) => checkRanAgainFromFirst(r, INITS, 'app', 'interrupted'), clone(rec), says(`expected a first pass cut short during init (a prefix of ${PASS} without the app); observed ${PASS}`), []));
    passes(rec, again, {
      'every init container shows exactly one restart': (r) => INITS.forEach((n) => (status(r, 12, n).restartCount = 1)),
      'the re-run init containers show no restart (as on kind)': (r) => INITS.forEach((n) => (status(r, 12, n).restartCount = 0)),
    });
  });

  describe('node reboot: every init container runs again from the first', () => {
    const again = (r: Recording) => checkRanAgainFromFirst(r, ['init-a', 'init-writer'], 'app', 'complete');
    const PASS2 = 'init-a started, init-a ran, init-writer started, init-writer ran, app started';
    // The writer's ledger also holds its result lines (attempt-1-wrote-result, ...): only "started" and "ran" count.
    control(load('chaos-node-reboot-idempotent'), again, {
      'the writer did not run again': [
        (r) => {
          const reboot = line(r.ledger, 'init-a', 'started', 1).uptime;
          r.ledger = r.ledger.filter((e) => !(e.container === 'init-writer' && e.uptime > reboot));
        },
        says(`expected a complete second pass from the first init container: ${PASS2}; observed init-a started, init-a ran, app started`),
      ],
      'the writer is the same container in the end': [
        (r) => (status(r, 10, 'init-writer').containerID = firstId(r, 'init-writer')),
        notNew(load('chaos-node-reboot-idempotent'), 'init-writer', 'same'),
        seqs(8, 10),
      ],
    });
  });

  for (const name of ['chaos-node-kubelet-restart', 'chaos-node-containerd-restart']) {
    describe(`${name.replace('chaos-node-', '')}: nothing re-runs`, () => {
      const nothing = (r: Recording) => checkNothingReran(r, INITS, 'app');
      const once = `expected exactly one pass: ${PASS}; observed `;
      const rec = load(name);
      const bStarted = line(rec.ledger, 'init-b', 'started').uptime;
      control(rec, nothing, {
        'the restart re-ran the first init container': [
          (r) => r.ledger.push({ ...line(r.ledger, 'init-a', 'started'), uptime: bStarted + 3 }, { ...line(r.ledger, 'init-a', 'ran'), uptime: bStarted + 3.1 }),
          says(`${once}init-a started, init-a ran, init-b started, init-a started, init-a ran, init-b ran, init-c started, init-c ran, app started`),
          [],
        ],
        'the restart started the running init container again': [
          (r) => r.ledger.push({ ...line(r.ledger, 'init-b', 'started'), uptime: bStarted + 3 }),
          says(`${once}init-a started, init-a ran, init-b started, init-b started, init-b ran, init-c started, init-c ran, app started`),
        ],
        'the app never started': [(r) => r.ledger.pop(), says(`${once}init-a started, init-a ran, init-b started, init-b ran, init-c started, init-c ran`)],
        'nothing reached the ledger': [(r) => (r.ledger = []), says(`${once}nothing`)],
        'an init container shows a restart (in a row before the end)': [(r) => (status(r, 6, 'init-b').restartCount = 1), says('expected init-b never restarted; observed restartCount 1', true), seqs(1, 8)],
        'the last init container shows a restart': [(r) => (status(r, 8, 'init-c').restartCount = 2), says('expected init-c never restarted; observed restartCount 2', true), seqs(1, 8)],
        'the pod was not Running in the end': [(r) => (row(r.rows, 8).phase = 'Failed'), says('expected phase Running in the end; observed phase Failed', true), seqs(6, 8)],
      });
      passes(rec, nothing, {
        'the ledger lines were read out of time order': (r) => toFront(r, line(r.ledger, 'app', 'started')),
        "the app restarted (the check is about the init containers' runs)": (r) => (status(r, 8, 'app').restartCount = 1),
      });
    });
  }

  describe('the belief, checked: a killed init container and a lost sandbox are told apart', () => {
    // The lost sandbox took init-b's first attempt along: no row shows that attempt ending (its
    // lastState, ContainerStatusUnknown 137, carries neither container ID nor times).
    it('a lost sandbox is not a kill: the end of the interrupted attempt was never seen', () =>
      expectFailure(
        (r: Recording) => checkOnlyKilledReran(r, ['init-a'], 'init-b', ['init-c'], 'app', 137),
        load('chaos-sandbox-belief-sandbox-lost'),
        says("expected init-b's killed attempt to end with exit code 137; observed no exit code in any status, and none from the runtime at the kill", true),
        seqs(1, 10),
      ));
    it('a kill is not a lost sandbox: the first init container started once', () =>
      expectFailure(
        (r: Recording) => checkRanAgainFromFirst(r, INITS, 'app', 'interrupted'),
        load('chaos-sandbox-belief-killed'),
        says(`expected init-a to start exactly twice (once per sandbox); observed 1 times; ledger: init-a started, init-a ran, init-b started, init-b started, init-b ran, init-c started, init-c ran, app started`),
        [],
      ));
    it('a lost sandbox is no kubelet restart: every init container ran again', () =>
      expectFailure((r: Recording) => checkNothingReran(r, INITS, 'app'), load('chaos-sandbox-lost-after-init'), says(`expected exactly one pass: ${PASS}; observed ${PASS}, ${PASS}`), []));
  });

  describe('checkWaitedThroughOutage (a dependency\'s Service deleted while the init container waited)', () => {
    const rec = load('chaos-outage-waiter');
    const { backAtMs } = load<{ backAtMs: number }>('chaos-outage-back-at');
    const W = 'wait-for-backend';
    const check = (r: Recording) => checkWaitedThroughOutage(r, W, 'app', backAtMs);
    const events = (r: Recording) => r.ledger.filter((e) => e.container === W);
    const rowAt = (r: Recording, seq: number) => r.rows.find((x) => x.seq === seq)!;
    control(rec, check, {
      'the waiter never saw the dependency go': [(r) => (r.ledger = r.ledger.filter((e) => e.event !== 'dependency-lost')), /^expected wait-for-backend to see the dependency up, then lose it; observed started, dependency-up, ran$/, []],
      'the waiter never saw the dependency up': [(r) => (r.ledger = r.ledger.filter((e) => e.event !== 'dependency-up')), /^expected wait-for-backend to see the dependency up, then lose it; observed started, dependency-lost, ran$/, []],
      'it lost the dependency before it ever came up': [
        (r) => {
          const [up, lost] = [events(r).find((e) => e.event === 'dependency-up')!, events(r).find((e) => e.event === 'dependency-lost')!];
          [up.event, lost.event] = ['dependency-lost', 'dependency-up'];
        },
        /^expected wait-for-backend to see the dependency up, then lose it; observed started, dependency-lost, dependency-up, ran$/,
        [],
      ],
      'it never saw the dependency up, and its last line is the loss': [
        (r) => (r.ledger = r.ledger.filter((e) => !(e.container === W && (e.event === 'dependency-up' || e.event === 'ran')))),
        /^expected wait-for-backend to see the dependency up, then lose it; observed started, dependency-lost$/,
        [],
      ],
      'the waiter wrote nothing': [(r) => (r.ledger = r.ledger.filter((e) => e.container !== W)), /^expected wait-for-backend to see the dependency up, then lose it; observed nothing$/, []],
      'the waiter never finished': [(r) => (r.ledger = r.ledger.filter((e) => !(e.container === W && e.event === 'ran'))), /^expected wait-for-backend to finish once the dependency was back; observed started, dependency-up, dependency-lost$/, []],
      'the waiter failed and was restarted instead of waiting': [(r) => (containerIn(rowAt(r, 5), W)!.restartCount = 1), /^expected wait-for-backend to wait through the outage, not fail; observed restartCount 1\nTimeline rows:\n/, seqs(1, 6)],
      'the pod was initialized during the outage': [(r) => (rowAt(r, 4).conditions.Initialized = 'True'), new RegExp(`^expected the pod initializing until the dependency was back at t\\+${(backAtMs / 1000).toFixed(2)}s; observed row #4 at t\\+1\\.00s: Init:0/1\\nTimeline rows:\\n`), [4]],
      'the app ran during the outage': [(r) => (containerIn(rowAt(r, 4), 'app')!.state = 'running'), /^expected the pod initializing until the dependency was back .*; observed row #4 at/, [4]],
      'the pod was not Running in the end': [(r) => (r.rows.at(-1)!.phase = 'Pending'), /^expected phase Running in the end; observed phase Pending\nTimeline rows:\n/, seqs(4, 6)],
      'the pod was not Running in the end (the first row missing: the message quotes the last three rows)': [
        (r) => {
          r.rows.shift();
          r.rows.at(-1)!.phase = 'Pending';
        },
        /^expected phase Running in the end; observed phase Pending\nTimeline rows:\n/,
        seqs(4, 6),
      ],
    });
    passes(rec, check, {
      'the pod was initialized exactly when the dependency was back': (r) => {
        rowAt(r, 4).elapsedMs = backAtMs;
        rowAt(r, 4).conditions.Initialized = 'True';
      },
      "the waiter's status is missing from the first rows": (r) => r.rows.slice(0, 3).forEach((x) => (x.containers = [])),
      'the dependency came up at the waiter\'s very first line (no "started" line)': (r) => (r.ledger = r.ledger.filter((e) => !(e.container === W && e.event === 'started'))),
    });
  });

  describe('checkConvergedUnderKills (a flaky init container killed at seeded random moments; recorded with --seed 12345)', () => {
    const rec = load('chaos-kill-flaky-under-kills');
    // Seed 12345's plan: attempts 1 and 2 killed, attempt 3 the scripted failure, attempt 4 succeeds.
    const PLAN = [137, 137, 1];
    const check = (r: Recording) => checkConvergedUnderKills(r, 'init-flaky', PLAN);
    const last = (r: Recording) => containerIn(r.rows.at(-1)!, 'init-flaky')!;
    control(rec, check, {
      'an attempt ended otherwise than planned (the scripted failure came first)': [
        (r) =>
          r.rows.forEach((x) =>
            x.containers.forEach((c) => {
              if (c.name !== 'init-flaky') return;
              if (c.exitCode === 1) c.exitCode = 137;
              if (c.last?.exitCode === 1) c.last.exitCode = 137;
            }),
          ),
        /^expected the attempts of init-flaky to end with exit codes 137, 137, 1, 0 \(kills 137, scripted failures 1, then success\); observed 137, 137, 137, 0\nTimeline rows:\n/,
      ],
      'the restart count is off by one': [(r) => (last(r).restartCount = 4), /^expected init-flaky restartCount 3 \(kills plus scripted failures\); observed restartCount 4\nTimeline rows:\n/, seqs(12, 14)],
      'the last row carries no status of it': [(r) => (r.rows.at(-1)!.containers = r.rows.at(-1)!.containers.filter((c) => c.name !== 'init-flaky')), /^expected init-flaky restartCount 3 \(kills plus scripted failures\); observed restartCount undefined\nTimeline rows:\n/, seqs(12, 14)],
      'it finished twice': [(r) => r.ledger.push({ ...r.ledger.find((e) => e.event === 'ran')!, uptime: 1e9 }), /^expected init-flaky to finish exactly once; observed 2 "ran" ledger lines$/, []],
      'the pod was not Running in the end': [(r) => (r.rows.at(-1)!.phase = 'Pending'), /^expected phase Running in the end; observed phase Pending\nTimeline rows:\n/, seqs(12, 14)],
    });
    it('fails when the plan had one kill fewer than the cluster saw', () =>
      expectFailure((r: Recording) => checkConvergedUnderKills(r, 'init-flaky', [137, 1]), clone(rec), /^expected the attempts of init-flaky to end with exit codes 137, 1, 0 .*; observed 137, 137, 1, 0\n/));
    it('the seed gives the same plan every time, and another seed another one', () => {
      const draws = (seed: number) => Array.from({ length: 5 }, seededRandom(seed, 'flaky-under-kills'));
      expect(draws(12345)).to.deep.equal(draws(12345));
      expect(draws(12345)).not.to.deep.equal(draws(12346));
      expect(draws(12345)).not.to.deep.equal(Array.from({ length: 5 }, seededRandom(12345, 'another test')));
      for (const x of draws(7)) expect(x).to.be.within(0, 1);
    });
  });

  describe('checkSameTransitions (the recorder against an independent watch, through an API server restart)', () => {
    type Seen = Array<{ rv: string; status: string }>;
    const rec = { rows: load('chaos-node-apiserver-restart').rows, independent: load<Seen>('chaos-node-apiserver-restart-independent') };
    const check = (r: typeof rec) => checkSameTransitions(r.rows, r.independent);
    const ALL = '922 Pending, 923 Pending, 925 Init:0/3, 930 Init:1/3, 944 Init:1/3, 948 Running';
    control(rec, check, {
      'the recorder lost a transition': [
        (r) => (r.rows = r.rows.filter((x) => x.resourceVersion !== '944' && x.resourceVersion !== '930')),
        new RegExp(`^expected the recorder's transitions to be exactly those of the independent watch, in order; observed missing from the recorder: 930 Init:1/3; 944 Init:1/3; only in the recorder: none; recorder: 922 Pending, 923 Pending, 925 Init:0/3, 948 Running; independent: ${ALL}$`),
        [],
      ],
      'the recorder has a transition the other watch never saw': [
        (r) => (r.independent = r.independent.filter((x) => x.rv !== '925' && x.rv !== '923')),
        /; observed missing from the recorder: none; only in the recorder: 923 Pending; 925 Init:0\/3; recorder: /,
        [],
      ],
      'the recorder computed another STATUS': [(r) => (r.rows.find((x) => x.resourceVersion === '930')!.status = 'Init:0/3'), /; observed missing from the recorder: 930 Init:1\/3; only in the recorder: 930 Init:0\/3; /, []],
      'the two saw the same transitions in another order': [
        (r) => {
          const [a, b] = [r.independent[2]!, r.independent[3]!];
          [r.independent[2], r.independent[3]] = [b, a];
        },
        /; observed missing from the recorder: none; only in the recorder: none; recorder: 922 Pending, 923 Pending, 925 Init:0\/3, 930 Init:1\/3, /,
        [],
      ],
    });
    passes(rec, check, {
      'the recorder saw an object twice (a row, then the same object listed after 410 Gone)': (r) => r.rows.splice(5, 0, { ...clone(r.rows[4]!), event: 'LISTED' }),
    });
  });
});
