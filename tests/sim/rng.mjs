/**
 * A seeded pseudo-random generator (mulberry32): everything random in a simulated run — latencies,
 * ids made by the bundle's nanoid, its Math.random jitter, coin flips of the network — comes from one
 * seed, so a run replays exactly.
 */
export function createRng(seed) {
  let state = seed >>> 0 || 0x9e3779b9
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    /** An integer in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    /** A new generator whose stream does not overlap this one's next values in any way that matters here. */
    fork: () => createRng(Math.floor(next() * 4294967296)),
  }
}
