/**
 * Back-off intervals in the results model and the comparison: read from real recorded timelines
 * with the checks' own logic, absent from older results (which still load and compare), and told
 * apart between runs only beyond the timestamps' one-second resolution.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { expectedBackoff, restartIntervalsOf } from '../../lib/checks/backoff.js';
import type { RecordedRow } from '../../lib/checks/recording.js';
import { BACKOFF_TOLERANCE_SEC, compareRuns, differencesOf, loadRun } from '../../lib/report/compare.js';
import type { CompareCell, Comparison, LoadedRun } from '../../lib/report/compare.js';
import { backoffTableHtml, compareHtml } from '../../lib/report/html.js';
import { BACKOFF_LEGEND, backoffText, backoffsLine, formatSeconds, latenessText } from '../../lib/report/format.js';
import { compareMarkdown } from '../../lib/report/markdown.js';
import { buildResultsModel } from '../../lib/report/build-model.js';
import { modelJson } from '../../lib/report/model.js';
import { backoffsOf, observe } from '../../lib/report/observation.js';
import type { ContainerBackoffs, PodObservation, ResultsModel } from '../../lib/report/model.js';
import { projectRoot } from '../../lib/util/paths.js';
import { load } from '../support/controls.js';

const RUN_134 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.34');
const RUN_136 = path.join(projectRoot(), 'test', 'fixtures', 'runs', 'v1.36');
const revision = async () => 'x';

/** A container's restarts, each `late` seconds after the kubelet's back-off for it. */
const lateBy = (container: string, ...late: number[]): ContainerBackoffs => ({
  container,
  intervals: late.map((lateSec, i) => ({ restart: i + 1, intervalSec: expectedBackoff(i) + lateSec, backoffSec: expectedBackoff(i), lateSec })),
  unendedAttempt: null,
});

const observation = (backoffs?: ContainerBackoffs[]): PodObservation => ({
  pod: 'p',
  statusSequence: ['Pending', 'Init:CrashLoopBackOff'],
  restarts: [{ container: 'init-1', kind: 'init', restartCount: 3 }],
  ...(backoffs ? { backoffs } : {}),
  finalPhase: 'Pending',
  points: [],
  marks: [],
});

const cell = (backoffs?: ContainerBackoffs[]): CompareCell => ({ status: 'passed', message: null, durationMs: 1, observed: [observation(backoffs)], missingEvidence: [], evidenceProblems: [] });

const backoffDiffs = (c: Comparison) => c.rows.flatMap((r) => r.differences.filter((d) => d.kind === 'backoff').map((d) => ({ suite: r.suite, detail: d.detail })));

/** A copy of a model as results.json files written before back-offs were recorded hold it. */
function withoutBackoffs(model: ResultsModel): ResultsModel {
  const old = structuredClone(model);
  for (const t of old.tests) for (const o of t.observed) delete o.backoffs;
  return old;
}

describe('back-off intervals in the results model', () => {
  it('reads a recorded crash loop against the kubelet\'s back-off: interval, back-off and lateness per restart', () => {
    expect(backoffsOf(load('always-crashloop-always').rows)).to.deep.equal([
      {
        container: 'init-b',
        intervals: [
          { restart: 1, intervalSec: 1, backoffSec: 0, lateSec: 1 },
          { restart: 2, intervalSec: 17, backoffSec: 10, lateSec: 7 },
          { restart: 3, intervalSec: 27, backoffSec: 20, lateSec: 7 },
          { restart: 4, intervalSec: 44, backoffSec: 40, lateSec: 4 },
        ],
        unendedAttempt: null,
      },
    ]);
  });

  it('uses the checks\' intervals and schedule, not a second copy of them', () => {
    for (const name of ['always-crashloop-always', 'onfailure-crashloop-onfailure', 'flaky-flaky', 'chaos-kill-flaky-under-kills']) {
      const rows = load(name).rows;
      const backoffs = backoffsOf(rows);
      expect(backoffs, name).to.not.deep.equal([]);
      for (const b of backoffs) {
        expect(b.intervals.map((x) => x.intervalSec), `${name} ${b.container}`).to.deep.equal(restartIntervalsOf(rows, b.container).seconds);
        expect(b.intervals.map((x) => x.backoffSec)).to.deep.equal(b.intervals.map((_, i) => expectedBackoff(i)));
      }
    }
  });

  it('names an attempt never seen ending instead of guessing past it (a lost sandbox took init-b along)', () => {
    expect(backoffsOf(load('chaos-sandbox-lost-during-init').rows)).to.deep.equal([
      { container: 'init-a', intervals: [{ restart: 1, intervalSec: 3, backoffSec: 0, lateSec: 3 }], unendedAttempt: null },
      { container: 'init-b', intervals: [], unendedAttempt: 1 },
    ]);
  });

  it('keeps lateness to the millisecond, negative when a restart came before its back-off ran out', () => {
    const snapshot = (containerID: string, startedAt: string, finishedAt: string) => ({ name: 'init-1', kind: 'init', state: 'terminated', restartCount: 0, containerID, startedAt, finishedAt });
    const row = (seq: number, c: ReturnType<typeof snapshot>) => ({ seq, containers: [c] }) as unknown as RecordedRow;
    const rows = [
      row(1, snapshot('a', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.500Z')),
      row(2, snapshot('b', '2026-01-01T00:00:01.200Z', '2026-01-01T00:00:01.200Z')),
      row(3, snapshot('c', '2026-01-01T00:00:10.200Z', '2026-01-01T00:00:10.200Z')),
      row(4, snapshot('d', '2026-01-01T00:00:35.100Z', '2026-01-01T00:00:35.100Z')),
    ];
    expect(backoffsOf(rows)[0]!.intervals).to.deep.equal([
      { restart: 1, intervalSec: 0.7, backoffSec: 0, lateSec: 0.7 },
      { restart: 2, intervalSec: 9, backoffSec: 10, lateSec: -1 },
      { restart: 3, intervalSec: 24.9, backoffSec: 20, lateSec: 4.9 },
    ]);
  });

  it('each pod observation of a run carries them; an empty list where nothing restarted', async () => {
    const m = await buildResultsModel(RUN_134, { suitesRevision: 'x' });
    const observed = (suite: string) => m.tests.find((t) => t.suite === suite)!.observed[0]!;
    expect(observed('onfailure').backoffs).to.deep.equal([lateBy('init-b', 1, 7, 10, 9)]);
    expect(observed('flaky').backoffs).to.deep.equal([lateBy('init-flaky', 1, 3)]);
    expect(observed('never').backoffs).to.deep.equal([]);
    expect(observe('p', [], []).backoffs).to.deep.equal([]);
  });
});

describe('back-off intervals in the comparison', function () {
  this.timeout(30_000);
  const labels = ['v1.34.12', 'v1.36.5'];

  it('reports a restart that came later on one run than on another, saying how late on each', () => {
    expect(differencesOf([cell([lateBy('init-1', 1, 4.9, 3)]), cell([lateBy('init-1', 1, 0.3, 3)])], labels)).to.deep.equal([
      { kind: 'backoff', pod: 'p', detail: 'back-off of init-1 in pod p: restart 2 came 4.9 s late on v1.34.12, 0.3 s late on v1.36.5' },
    ]);
    expect(differencesOf([cell([lateBy('init-1', 1, 15, 9)]), cell([lateBy('init-1', 0, 2, -1)])], labels)).to.deep.equal([
      { kind: 'backoff', pod: 'p', detail: 'back-off of init-1 in pod p: restart 2 came 15 s late on v1.34.12, 2 s late on v1.36.5; restart 3 came 9 s late on v1.34.12, 1 s early on v1.36.5' },
    ]);
    expect(differencesOf([cell([lateBy('init-1', 0, 5)]), cell([lateBy('init-1', 0, 0)])], labels)[0]!.detail).to.equal('back-off of init-1 in pod p: restart 2 came 5 s late on v1.34.12, on time on v1.36.5');
  });

  it(`does not report differences of at most ${BACKOFF_TOLERANCE_SEC} s (the timestamps' resolution), and does just above`, () => {
    expect(BACKOFF_TOLERANCE_SEC).to.equal(1);
    expect(differencesOf([cell([lateBy('init-1', 1, 7, 10)]), cell([lateBy('init-1', 1, 7, 10)])], labels)).to.deep.equal([]);
    expect(differencesOf([cell([lateBy('init-1', 1, 5, 10)]), cell([lateBy('init-1', 0, 4, 9)])], labels)).to.deep.equal([]);
    expect(differencesOf([cell([lateBy('init-1', 1, 4.9)]), cell([lateBy('init-1', 1, 3.9)])], labels)).to.deep.equal([]);
    expect(differencesOf([cell([lateBy('init-1', 1, 5)]), cell([lateBy('init-1', 1, 3.9)])], labels).map((d) => d.detail)).to.deep.equal(['back-off of init-1 in pod p: restart 2 came 5 s late on v1.34.12, 3.9 s late on v1.36.5']);
  });

  it('compares each restart between the runs that have it, each container on its own', () => {
    const three = ['a', 'b', 'c'];
    expect(differencesOf([cell([lateBy('init-1', 1, 2)]), cell([lateBy('init-1', 1, 2)]), cell([lateBy('init-1', 1, 9)])], three).map((d) => d.detail)).to.deep.equal([
      'back-off of init-1 in pod p: restart 2 came 2 s late on a, 2 s late on b, 9 s late on c',
    ]);
    // A restart only one run made is no lateness to compare (the restart counts tell that story).
    expect(differencesOf([cell([lateBy('init-1', 1, 2, 40)]), cell([lateBy('init-1', 1, 2)])], labels)).to.deep.equal([]);
    expect(differencesOf([cell([]), cell([lateBy('init-1', 1, 2)])], labels)).to.deep.equal([]);
    expect(differencesOf([cell([lateBy('init-1', 1, 2), lateBy('init-2', 5)]), cell([lateBy('init-1', 1, 8), lateBy('init-2', 1)])], labels).map((d) => d.detail)).to.deep.equal([
      'back-off of init-1 in pod p: restart 2 came 2 s late on v1.34.12, 8 s late on v1.36.5',
      'back-off of init-2 in pod p: restart 1 came 5 s late on v1.34.12, 1 s late on v1.36.5',
    ]);
  });

  it('leaves runs whose results predate back-offs out of it: no reading is not a difference', () => {
    expect(differencesOf([cell(undefined), cell([lateBy('init-1', 1, 9)])], labels)).to.deep.equal([]);
    expect(differencesOf([cell(undefined), cell([lateBy('init-1', 1, 2)]), cell([lateBy('init-1', 1, 9)])], ['old', ...labels]).map((d) => d.detail)).to.deep.equal([
      'back-off of init-1 in pod p: restart 2 came 2 s late on v1.34.12, 9 s late on v1.36.5',
    ]);
  });

  describe('of the sample runs (v1.34.12, v1.36.5)', () => {
    let runs: LoadedRun[];
    let comparison: Comparison;
    before(async () => {
      runs = [await loadRun(RUN_134, revision), await loadRun(RUN_136, revision)];
      comparison = compareRuns(runs, '/reports/compare');
    });

    it('reports the crash loop whose restarts came at other times, not the one within a second', () => {
      expect(backoffDiffs(comparison)).to.deep.equal([
        {
          suite: 'onfailure',
          detail:
            'back-off of init-b in pod crashloop-onfailure: restart 2 came 7 s late on v1.34.12, 5 s late on v1.36.5; restart 3 came 10 s late on v1.34.12, 4 s late on v1.36.5; restart 4 came 9 s late on v1.34.12, 18 s late on v1.36.5',
        },
      ]);
      // flaky: restart 2 came 3 s late on v1.34.12, 4 s late on v1.36.5.
      const flaky = comparison.rows.find((r) => r.suite === 'flaky')!;
      expect(flaky.cells.map((c) => c!.observed[0]!.backoffs)).to.deep.equal([[lateBy('init-flaky', 1, 3)], [lateBy('init-flaky', 1, 4)]]);
      expect(flaky.differences.map((d) => d.kind)).to.deep.equal(['statusSequence']);
    });

    it('ranks a test whose back-offs alone differ with the differing rows, before tests only some runs ran', () => {
      const later = structuredClone(runs[0]!);
      later.model.tests = later.model.tests.filter((t) => t.suite !== 'slow');
      later.model.tests.find((t) => t.suite === 'flaky')!.observed[0]!.backoffs = [lateBy('init-flaky', 1, 9)];
      const c = compareRuns([runs[0]!, later], '/r');
      expect(c.rows.slice(0, 2).map((r) => [r.suite, r.differences.map((d) => d.kind)])).to.deep.equal([
        ['flaky', ['backoff']],
        ['slow', ['onlyInSome']],
      ]);
      expect(c.rows.slice(2).every((r) => !r.differs)).to.equal(true);
    });

    it('shows them in compare.md: each cell\'s intervals and lateness, the legend, and how they differ', () => {
      const md = compareMarkdown(comparison);
      expect(md).to.include(`\n${BACKOFF_LEGEND}\n`);
      expect(md).to.include('restarts: init-b 4<br>back-off: init-b 1 s (+1 s), 17 s (+7 s), 30 s (+10 s), 49 s (+9 s) |');
      expect(md).to.include('restarts: init-b 4<br>back-off: init-b 2 s (+2 s), 15 s (+5 s), 24 s (+4 s), 58 s (+18 s) |');
      expect(md).to.include('\n  - back-off of init-b in pod crashloop-onfailure: restart 2 came 7 s late on v1.34.12, 5 s late on v1.36.5;');
      // Where no cell recorded a back-off, neither the legend nor a back-off line.
      const none = compareMarkdown(compareRuns(runs.map((r) => ({ ...r, model: withoutBackoffs(r.model) })), '/r'));
      expect(none).to.not.include(BACKOFF_LEGEND).and.not.include('back-off:');
    });

    it('shows them in compare.html: in each cell, and per restart beside the charts, still self-contained', () => {
      const html = compareHtml(comparison);
      expect(html).to.include(`<span class="backoff" title="${BACKOFF_LEGEND.replace(/'/g, '&#39;')}">back-off: init-b 1 s (+1 s), 17 s (+7 s), 30 s (+10 s), 49 s (+9 s)</span>`);
      expect(html).to.include('<table class="backoffs"><caption>Back-off of pod crashloop-onfailure:');
      expect(html).to.include('<tr><td>init-b</td><td>4</td><td>40 s</td><td>49 s, 9 s late</td><td>58 s, 18 s late</td></tr>');
      expect(html).to.include('<tr><td>init-flaky</td><td>2</td><td>10 s</td><td>13 s, 3 s late</td><td>14 s, 4 s late</td></tr>');
      expect(html).not.to.match(/<script|<link|@import|url\(|src=/i);
      // The version headers of the runs and tests tables stay the only ones of their class.
      expect([...html.matchAll(/<th class="version">/g)]).to.have.length(4);
    });
  });

  it('the per-restart table says which runs have no timeline, did not record back-offs, or made fewer restarts', () => {
    const columns = ['old', 'a', 'b', 'c', 'skipped'].map((label) => ({ label }) as Parameters<typeof backoffTableHtml>[2][number]);
    const table = backoffTableHtml('p', [observation(undefined), observation([lateBy('init-1', 1, 7)]), observation([lateBy('init-1', 2)]), observation([]), undefined], columns);
    expect(table).to.include('<tr><th>container</th><th>restart</th><th>back-off</th><th>old</th><th>a</th><th>b</th><th>c</th><th>skipped</th></tr>');
    const absent = (why: string) => `<td class="absent">${why}</td>`;
    expect(table).to.include(`<tr><td>init-1</td><td>1</td><td>0 s</td>${absent('not recorded')}<td>1 s, 1 s late</td><td>2 s, 2 s late</td>${absent('no such restart')}${absent('no timeline')}</tr>`);
    expect(table).to.include(`<tr><td>init-1</td><td>2</td><td>10 s</td>${absent('not recorded')}<td>17 s, 7 s late</td>${absent('no such restart')}${absent('no such restart')}${absent('no timeline')}</tr>`);
    expect(backoffTableHtml('p', [observation(undefined), observation([]), undefined], columns)).to.equal('');
  });

  it('words seconds and lateness plainly', () => {
    expect([17, 4.9, 0.04, 300].map(formatSeconds)).to.deep.equal(['17 s', '4.9 s', '0 s', '300 s']);
    expect([7, 4.9, -1, 0, 0.04, -0.04, -2.5].map(latenessText)).to.deep.equal(['7 s late', '4.9 s late', '1 s early', 'on time', 'on time', 'on time', '2.5 s early']);
    expect(backoffText(lateBy('init-b', 1, 7, -1))).to.equal('init-b 1 s (+1 s), 17 s (+7 s), 19 s (−1 s)');
    expect(backoffText({ container: 'init-b', intervals: [{ restart: 1, intervalSec: 3, backoffSec: 0, lateSec: 3 }], unendedAttempt: 2 })).to.equal('init-b 3 s (+3 s), end of attempt 2 not seen');
    expect(backoffsLine(observation([lateBy('init-a', 0), lateBy('init-b', 2)]))).to.equal('init-a 0 s (+0 s); init-b 2 s (+2 s)');
    expect(backoffsLine(observation([]))).to.equal(null);
    expect(backoffsLine(observation(undefined))).to.equal(null);
  });
});

describe('an older results.json without back-offs', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'initc-old-results-'));
    await fs.writeFile(path.join(dir, 'results.json'), modelJson(withoutBackoffs(await buildResultsModel(RUN_136, { suitesRevision: 'x' }))));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('loads, and compares like a new one but for the back-offs it never recorded', async () => {
    const old = await loadRun(dir, revision);
    expect(old.model.tests.flatMap((t) => t.observed).some((o) => 'backoffs' in o)).to.equal(false);
    const fresh = [await loadRun(RUN_134, revision), await loadRun(RUN_136, revision)];
    const withOld = compareRuns([fresh[0]!, old], '/r');
    const withNew = compareRuns(fresh, '/r');
    expect(backoffDiffs(withNew)).to.have.length(1);
    expect(backoffDiffs(withOld)).to.deep.equal([]);
    const withoutBackoffKind = (c: Comparison) => c.rows.map((r) => [r.id, r.differences.filter((d) => d.kind !== 'backoff')]);
    expect(withoutBackoffKind(withOld)).to.deep.equal(withoutBackoffKind(withNew));
    expect(compareHtml(withOld)).to.include('<td class="absent">not recorded</td>');
  });
});
