/**
 * The replace suite's checks on the embedded cluster's recordings (v1.34.12): a StatefulSet pod
 * deleted and made again on its kept claim. The idempotent seed's recording passes; the appending
 * seed's recording, and alterations of the idempotent one, fail with the expectation they break.
 */
import { expect } from 'chai';
import type { ReplaceRecording } from '../../lib/checks/replace.js';
import { SEED_PREFIX, checkReplaced, checkSeenOnce, replaceVerdict } from '../../lib/checks/replace.js';
import { clone, control, expectFailure, load } from '../support/controls.js';

const once = load<ReplaceRecording>('replace-seed-once');
const append = load<ReplaceRecording>('replace-seed-append');
const seed = (uid: string) => `${SEED_PREFIX}${uid}`;

describe('replace: the verdict on what the new pod found', () => {
  it('the first pod\'s seed alone is seen once; more is applied again; without it, data lost; none, nothing to judge', () => {
    expect(replaceVerdict([seed('a')], 'a')).to.equal('seen once');
    expect(replaceVerdict([seed('a'), seed('b')], 'a')).to.equal('applied again');
    expect(replaceVerdict([seed('a'), seed('a')], 'a')).to.equal('applied again');
    expect(replaceVerdict([seed('b')], 'a')).to.equal('data lost');
    expect(replaceVerdict([], 'a')).to.equal('nothing to judge');
  });

  it('reads only seed lines: other printed lines are not seeds', () => {
    expect(replaceVerdict(['== /data/seed', seed('a'), 'something else'], 'a')).to.equal('seen once');
    expect(replaceVerdict(['== /data/seed'], 'a')).to.equal('nothing to judge');
    expect(replaceVerdict([` ${seed('a')}`], 'a')).to.equal('nothing to judge');
  });

  it('on the recordings: the idempotent seed seen once, the appending one applied again', () => {
    expect(replaceVerdict(once.seedLines, once.before.uid)).to.equal('seen once');
    expect(replaceVerdict(append.seedLines, append.before.uid)).to.equal('applied again');
  });
});

describe('replace: checkSeenOnce (controls on the recording)', () => {
  control(once, checkSeenOnce, {
    'the pod kept its UID (not replaced)': [(r) => (r.after.uid = r.before.uid), /^expected a new pod \(another UID\) after the delete; observed the same UID 169b6d80-1177-4a2c-99c5-798c9850b080$/],
    'the new pod ran on another node': [(r) => (r.after.node = 'other-node'), /^expected the new pod on the claim's node initc-sui-node; observed on other-node$/],
    'the new pod\'s init container did not run': [(r) => (r.ledger = r.ledger.filter((e) => e.container !== 'init-seed')), /^expected init-seed ran again in the new pod, once \("started" and "ran" once each in its ledger\); observed no ledger line$/],
    'it ran twice': [(r) => r.ledger.push({ ...r.ledger[0]! }, { ...r.ledger[2]! }), /observed started, kept-seed, ran, started, ran$/],
    'it started but never finished': [(r) => (r.ledger = r.ledger.filter((e) => e.event !== 'ran')), /observed started, kept-seed$/],
    'it finished without a start': [(r) => (r.ledger = r.ledger.filter((e) => e.event !== 'started')), /observed kept-seed, ran$/],
    'the re-run appended a second seed': [(r) => r.seedLines.push(seed(r.after.uid)), /^expected the first pod's seed \(seed written by pod 169b6d80-1177-4a2c-99c5-798c9850b080\) alone in the claim after the replacement \(seen once\); observed applied again: seed written by pod 169b6d80-1177-4a2c-99c5-798c9850b080 \| seed written by pod daccde1f-9cbd-4398-8835-353a4640ad99$/],
    'the claim came back empty and the new pod seeded it': [(r) => (r.seedLines = [seed(r.after.uid)]), /observed data lost: seed written by pod daccde1f-9cbd-4398-8835-353a4640ad99$/],
    'no seed was printed': [(r) => (r.seedLines = []), /observed nothing to judge: no seed line$/],
  });

  it('fails on the appending seed\'s recording (the negative control): applied again', () => {
    expectFailure(checkSeenOnce, clone(append), /^expected the first pod's seed \(seed written by pod a45d6701-5ed8-4f5a-8081-babafa73b4ef\) alone in the claim after the replacement \(seen once\); observed applied again: seed written by pod a45d6701-5ed8-4f5a-8081-babafa73b4ef \| seed written by pod d73d8128-1841-478a-ad34-308881335c58$/);
  });

  it('the appending seed\'s pod was replaced all the same (the replacement is not what fails it)', () => {
    checkReplaced(clone(append));
  });
});
