/**
 * The chaos suites' randomness, from one seed per run: `initc run` prints it, and `--seed N` repeats
 * a run's choices exactly (which attempts are interrupted, and when). mulberry32: small, fast and
 * plenty for picking moments; each test salts the seed with its own name so tests don't share draws.
 */
export function seededRandom(seed: number, salt = ''): () => number {
  let a = seed >>> 0;
  for (const ch of salt) a = (Math.imul(a ^ ch.charCodeAt(0), 2654435761) + 1) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for a run that was given none. */
export const newSeed = () => Math.floor(Math.random() * 2 ** 31);
