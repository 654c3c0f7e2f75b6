import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../backend.manager';
import { randomValues } from '../wasm-kernels/backend-comparison.testing';
import { tileGradConfig, tileGradient } from './tile.gradient';

/** d sum(tile(x, reps) * w) / dx by definition: every copy of x[i] in the tiled output adds its weight. */
function expectedGradient(xShape: number[], reps: number[], weights: Float32Array): Float32Array {
  const outShape = xShape.map((size, axis) => size * reps[axis]);
  const gradient = new Float32Array(xShape.reduce((a, b) => a * b, 1));
  const index = new Array<number>(outShape.length).fill(0);
  for (let flat = 0; flat < weights.length; flat++) {
    let source = 0;
    for (let axis = 0; axis < xShape.length; axis++)
      source = source * xShape[axis] + (index[axis] % xShape[axis]);
    gradient[source] += weights[flat];
    for (let axis = outShape.length - 1; axis >= 0; axis--) {
      if (++index[axis] < outShape[axis]) break;
      index[axis] = 0;
    }
  }
  return gradient;
}

const cases: { xShape: number[]; reps: number[] }[] = [
  { xShape: [5], reps: [3] },
  { xShape: [2, 3], reps: [4, 1] },
  { xShape: [2, 3], reps: [2, 3] },
  // LayerNormalization's patterns: statistics over the last axis, scale over batch and tokens.
  { xShape: [4, 5, 1], reps: [1, 1, 6] },
  { xShape: [1, 1, 6], reps: [4, 5, 1] },
  { xShape: [2, 1, 3, 2], reps: [2, 3, 1, 2] },
  { xShape: [1, 2, 1, 2, 3], reps: [2, 1, 3, 1, 2] },
];

describe.each(['wasm', 'cpu'] as const)('Tile gradient on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ preferred: backend, logger: () => undefined });
  });

  it("replaces tfjs-core's Tile gradient once a backend is initialised", () => {
    expect(tf.getGradient(tf.Tile)).toBe(tileGradConfig);
  });

  it.each(cases)('matches its definition for x $xShape tiled $reps', ({ xShape, reps }) => {
    const outSize = xShape.reduce((a, b, axis) => a * b * reps[axis], 1);
    const weights = randomValues(outSize, 7);
    const x = tf.tensor(
      randomValues(
        xShape.reduce((a, b) => a * b, 1),
        3,
      ),
      xShape,
    );
    const w = tf.tensor(
      weights,
      xShape.map((size, axis) => size * reps[axis]),
    );
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.tile(input, reps), w)))(x);
    const actual = gradient.dataSync();
    const expected = expectedGradient(xShape, reps, weights);
    expect(gradient.shape).toEqual(xShape);
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], 4);
    tf.dispose([x, w, gradient]);
  });

  it('runs a handful of kernels however many copies there are (tfjs-core ran one slice and add per copy)', async () => {
    const x = tf.ones([1, 1, 48]);
    const dy = tf.ones([32, 17, 48]);
    const profile = await tf.profile(() => tileGradient(dy, x.shape, [32, 17, 1]));
    expect(profile.kernels.length).toBeLessThan(10);
    const gradient = tileGradient(dy, x.shape, [32, 17, 1]);
    expect(Array.from(gradient.dataSync()).every((value) => value === 32 * 17)).toBe(true);
    tf.dispose([x, dy, gradient]);
  });
});
