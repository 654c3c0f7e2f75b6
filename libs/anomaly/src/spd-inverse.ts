/**
 * Inverse of a symmetric positive-definite matrix (row-major, `size` x `size`) through its Cholesky factor
 * A = L Lᵀ, so A⁻¹ = L⁻ᵀ L⁻¹. TensorFlow.js has no matrix inverse; in double precision this is exact enough for
 * the regularised covariances PaDiM inverts (100 x 100: about 0.7 M multiply-adds each).
 */
export function invertSymmetricPositiveDefinite(matrix: Float64Array, size: number): Float64Array {
  const lower = new Float64Array(size * size);
  for (let row = 0; row < size; row++) {
    for (let column = 0; column <= row; column++) {
      let sum = matrix[row * size + column];
      for (let k = 0; k < column; k++) sum -= lower[row * size + k] * lower[column * size + k];
      if (row === column) {
        if (!(sum > 0)) throw new RangeError('the matrix is not positive definite');
        lower[row * size + row] = Math.sqrt(sum);
      } else {
        lower[row * size + column] = sum / lower[column * size + column];
      }
    }
  }
  // inverseLower = L⁻¹, lower triangular, by forward substitution column by column.
  const inverseLower = new Float64Array(size * size);
  for (let column = 0; column < size; column++) {
    inverseLower[column * size + column] = 1 / lower[column * size + column];
    for (let row = column + 1; row < size; row++) {
      let sum = 0;
      for (let k = column; k < row; k++) sum -= lower[row * size + k] * inverseLower[k * size + column];
      inverseLower[row * size + column] = sum / lower[row * size + row];
    }
  }
  // A⁻¹[i][j] = Σ_k L⁻¹[k][i] L⁻¹[k][j], k ≥ max(i, j).
  const inverse = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = i; k < size; k++) sum += inverseLower[k * size + i] * inverseLower[k * size + j];
      inverse[i * size + j] = sum;
      inverse[j * size + i] = sum;
    }
  }
  return inverse;
}
