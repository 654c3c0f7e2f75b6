/**
 * Row-wise softmax of `rows x classes` logits (row-major), as TensorFlow.js's softmax computes it: the row's max
 * is subtracted first, so large logits cannot overflow.
 */
export function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  if (classes < 1 || logits.length % classes !== 0)
    throw new RangeError(`${logits.length} logits are not rows of ${classes} classes`);
  const probabilities = new Float32Array(logits.length);
  for (let start = 0; start < logits.length; start += classes) {
    let max = -Infinity;
    for (let index = start; index < start + classes; index++) max = Math.max(max, logits[index]);
    let sum = 0;
    for (let index = start; index < start + classes; index++) sum += Math.exp(logits[index] - max);
    for (let index = start; index < start + classes; index++)
      probabilities[index] = Math.exp(logits[index] - max) / sum;
  }
  return probabilities;
}
