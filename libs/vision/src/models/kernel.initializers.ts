import * as tfl from '@tensorflow/tfjs-layers';

import { type InitScheme } from './model.types';

export type KernelInitializer = ReturnType<typeof tfl.initializers.zeros>;

/**
 * The seed stream of the model being built, or null for unseeded draws. Models are built synchronously, so a
 * stream scoped to one `withInitSeeds` call cannot leak into another build.
 */
let seedStream: (() => number) | null = null;

/**
 * Runs a (synchronous) model build with every initialiser created inside it drawing from `seed + 1, seed + 2, ...`
 * in creation order, so the same spec and seed give the same weights. Without a seed the draws stay random.
 */
export function withInitSeeds<T>(seed: number | undefined, build: () => T): T {
  if (seed === undefined) return build();
  const outer = seedStream;
  let next = seed;
  seedStream = () => ++next;
  try {
    return build();
  } finally {
    seedStream = outer;
  }
}

/** The next seed of the build in progress (undefined outside a seeded build). */
export function nextInitSeed(): number | undefined {
  return seedStream?.();
}

/**
 * tfjs' 'normal' variance scaling draws from a truncated normal without correcting its std (it comes out
 * ~12% low), so the uniform distribution is used: its variance is exactly `scale / fan`.
 */
function varianceScaling(scale: number, mode: 'fanIn' | 'fanAvg'): KernelInitializer {
  return tfl.initializers.varianceScaling({ scale, mode, distribution: 'uniform', seed: nextInitSeed() });
}

/** Initialiser for conv2d / dense kernels (fan_in = kh * kw * in_channels, or in_features). */
export function kernelInitializer(scheme: InitScheme): KernelInitializer {
  switch (scheme) {
    // He: Var(w) = 2 / fan_in keeps the activation variance constant through ReLUs (which zero half of it), so deep nets neither vanish nor explode at step 0.
    case 'he':
      return varianceScaling(2, 'fanIn');
    case 'xavier':
      return varianceScaling(1, 'fanAvg');
    case 'small-random':
      return tfl.initializers.randomNormal({ mean: 0, stddev: 0.01, seed: nextInitSeed() });
    case 'zeros':
      return tfl.initializers.zeros();
  }
}

/**
 * Initialiser for a depthwise kernel [kh, kw, in, multiplier]. Each output sees kh * kw inputs, but tfjs (like
 * Keras) computes fan_in = kh * kw * in for that shape; the scale is corrected so the variance uses the true fans.
 */
export function depthwiseKernelInitializer(
  scheme: InitScheme,
  inChannels: number,
  depthMultiplier = 1,
): KernelInitializer {
  switch (scheme) {
    case 'he':
      return varianceScaling(2 * inChannels, 'fanIn');
    case 'xavier':
      return varianceScaling((inChannels + depthMultiplier) / (1 + depthMultiplier), 'fanAvg');
    case 'small-random':
    case 'zeros':
      return kernelInitializer(scheme);
  }
}

/** Standard deviation each scheme should produce for a kernel with the given true fans. */
export function expectedKernelStd(scheme: InitScheme, fanIn: number, fanOut: number): number {
  switch (scheme) {
    case 'he':
      return Math.sqrt(2 / fanIn);
    case 'xavier':
      return Math.sqrt(2 / (fanIn + fanOut));
    case 'small-random':
      return 0.01;
    case 'zeros':
      return 0;
  }
}
