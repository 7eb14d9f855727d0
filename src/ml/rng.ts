/**
 * A small seeded PRNG (mulberry32) used for every random choice in src/ml, so a given seed always
 * gives the same model. Not cryptographic.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export function createRng(seed: number): Rng {
  // Mix the seed so that nearby seeds (0, 1, 2...) do not start in similar states.
  let a = (Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace(a: { length: number; [i: number]: number }, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** A seed for a sub-task (tree k, bootstrap...) derived from a parent seed, stable across runs. */
export function deriveSeed(seed: number, k: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) + Math.imul(k + 1, 0x85ebca77)) | 0;
}
