/**
 * The replace suite's checks: a StatefulSet's pod replaced (deleted through the API) while its
 * PersistentVolumeClaim is kept. The new pod runs every init container again, against the data
 * the first pod's init container left. Pure functions of what the suite recorded: the two pods'
 * UIDs and nodes, the new pod's init ledger, and the seed lines its app printed from the claim.
 */
import type { LedgerEntry } from '../pod/ledger.js';
import { fail } from './recording.js';

/** What a seeding init container writes, followed by the UID of the pod it ran in. */
export const SEED_PREFIX = 'seed written by pod ';

export interface PodIdentity {
  uid: string;
  node: string;
}

export interface ReplaceRecording {
  /** The pod before it was deleted, and the one its controller made after. */
  before: PodIdentity;
  after: PodIdentity;
  /** The seeding init container's name. */
  init: string;
  /** The new pod's ledger (its containers' logs). */
  ledger: LedgerEntry[];
  /** The seed file's lines, as the new pod's app printed them from the claim. */
  seedLines: string[];
}

/**
 * What the new pod found: the first pod's seed and nothing else ("seen once"); the first pod's seed
 * and more ("applied again": the re-run added its effect to the kept one); the first pod's seed
 * missing while another is there ("data lost": the claim was not kept); no seed at all ("nothing to
 * judge": the writer never wrote, or its output was never read, so neither claim is shown).
 */
export type ReplaceVerdict = 'seen once' | 'applied again' | 'data lost' | 'nothing to judge';

export function replaceVerdict(seedLines: readonly string[], firstUid: string): ReplaceVerdict {
  const seeds = seedLines.filter((l) => l.startsWith(SEED_PREFIX));
  if (seeds.length === 0) return 'nothing to judge';
  if (!seeds.includes(`${SEED_PREFIX}${firstUid}`)) return 'data lost';
  return seeds.length === 1 ? 'seen once' : 'applied again';
}

const eventsOf = (ledger: readonly LedgerEntry[], container: string) => ledger.filter((e) => e.container === container).map((e) => e.event);

/**
 * The pod was replaced: a new UID, on the claim's node (a `local` volume pins it), and the new pod
 * ran its init container again, once, to the end (its ledger: one "started", one "ran").
 */
export function checkReplaced(rec: ReplaceRecording): void {
  if (rec.after.uid === rec.before.uid) fail('a new pod (another UID) after the delete', `the same UID ${rec.before.uid}`);
  if (rec.after.node !== rec.before.node) fail(`the new pod on the claim's node ${rec.before.node}`, `on ${rec.after.node}`);
  const events = eventsOf(rec.ledger, rec.init);
  const count = (e: string) => events.filter((x) => x === e).length;
  if (count('started') !== 1 || count('ran') !== 1) fail(`${rec.init} ran again in the new pod, once ("started" and "ran" once each in its ledger)`, events.join(', ') || 'no ledger line');
}

/** The new pod's init container re-ran and the claim holds the first pod's seed alone: its effect seen once. */
export function checkSeenOnce(rec: ReplaceRecording): void {
  checkReplaced(rec);
  const verdict = replaceVerdict(rec.seedLines, rec.before.uid);
  if (verdict !== 'seen once') fail(`the first pod's seed (${SEED_PREFIX}${rec.before.uid}) alone in the claim after the replacement (seen once)`, `${verdict}: ${rec.seedLines.join(' | ') || 'no seed line'}`);
}
