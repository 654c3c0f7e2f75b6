import { createRng } from '@linescope/training/random';
import { invertSymmetricPositiveDefinite } from './spd-inverse';

function randomCovariance(size: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const samples = Array.from({ length: size * 3 }, () => Array.from({ length: size }, () => rng.normal()));
  const matrix = new Float64Array(size * size);
  for (const sample of samples)
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) matrix[i * size + j] += (sample[i] * sample[j]) / samples.length;
  for (let i = 0; i < size; i++) matrix[i * size + i] += 0.01;
  return matrix;
}

describe('invertSymmetricPositiveDefinite', () => {
  it.each([1, 3, 40])('gives A x inverse = identity for a %i x %i covariance', (size) => {
    const matrix = randomCovariance(size, size);
    const inverse = invertSymmetricPositiveDefinite(matrix, size);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        let product = 0;
        for (let k = 0; k < size; k++) product += matrix[i * size + k] * inverse[k * size + j];
        expect(product).toBeCloseTo(i === j ? 1 : 0, 8);
      }
      expect(inverse[i * size + (size - 1 - i)]).toBe(inverse[(size - 1 - i) * size + i]);
    }
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => invertSymmetricPositiveDefinite(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(
      /positive definite/,
    );
  });
});
