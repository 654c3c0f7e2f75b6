/**
 * A seeded source of randomness. Every random choice in the training library goes through one,
 * so a run is reproducible from its seed.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Gaussian sample (Box-Muller). */
  normal(mean?: number, std?: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A shuffled copy (Fisher-Yates); the input is not modified. */
  shuffle<T>(items: readonly T[]): T[];
  /** One element drawn uniformly. Throws on an empty array. */
  choice<T>(items: readonly T[]): T;
}

/** 32-bit string hash (FNV-1a) used to turn names and keys into seeds. */
export function hashToSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A seed derived from a parent seed and keys, so independent streams (per class, per epoch) do not interact. */
export function deriveSeed(seed: number, ...keys: (string | number)[]): number {
  return hashToSeed([seed >>> 0, ...keys].join('\u0000'));
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128** (Blackman & Vigna), seeded through splitmix32 so that nearby seeds give unrelated streams. */
function xoshiro128StarStar(seed: number): () => number {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  if ((a | b | c | d) === 0) a = 1;
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Creates a seeded generator. Seeds are taken modulo 2^32; a string seed is hashed. */
export function createRng(seed: number | string): Rng {
  const numericSeed = typeof seed === 'string' ? hashToSeed(seed) : seed;
  if (!Number.isFinite(numericSeed)) throw new RangeError(`seed must be finite, got ${numericSeed}`);
  const nextUint32 = xoshiro128StarStar(Math.floor(numericSeed) >>> 0);
  let spareNormal: number | null = null;

  const next = (): number => nextUint32() / 4294967296;

  const int = (maxExclusive: number): number => {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) {
      throw new RangeError(`int() needs a positive integer bound, got ${maxExclusive}`);
    }
    return Math.floor(next() * maxExclusive);
  };

  const standardNormal = (): number => {
    if (spareNormal !== null) {
      const value = spareNormal;
      spareNormal = null;
      return value;
    }
    // 1 - next() is in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  return {
    next,
    int,
    uniform: (min, max) => min + (max - min) * next(),
    normal: (mean = 0, std = 1) => mean + std * standardNormal(),
    chance: (p) => p > 0 && next() < p,
    shuffle: <T>(items: readonly T[]): T[] => {
      const copy = items.slice();
      for (let i = copy.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy;
    },
    choice: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('choice() on an empty array');
      return items[int(items.length)];
    },
  };
}
