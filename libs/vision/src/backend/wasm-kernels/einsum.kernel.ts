import * as tf from '@tensorflow/tfjs-core';

import { composedKernel } from './composed-kernel.util';

/**
 * Einsum for one or two operands (tfjs supports no more), as one batched matMul:
 * labels found in one operand only and absent from the output are summed first; the rest are batch
 * (both operands, output), contracted (both, not output) or free (one operand, output) labels.
 * Labels are numbered as tfjs numbers them: output labels first, then summed ones.
 */
export function einsum(equation: string, operands: tf.Tensor[]): tf.Tensor {
  const { allDims, summedDims, idDims } = tf.backend_util.decodeEinsumEquation(equation, operands.length);
  tf.backend_util.checkEinsumDimSizes(allDims.length, idDims, operands);
  const outputLabelCount = allDims.length - summedDims.length;
  const outputLabels = Array.from({ length: outputLabelCount }, (_, label) => label);
  const labelSizes = new Map<number, number>();
  operands.forEach((operand, i) =>
    idDims[i].forEach((label, axis) => labelSizes.set(label, operand.shape[axis])),
  );

  if (operands.length === 1) {
    const reduced = sumLabelsAway(operands[0], idDims[0], (label) => label >= outputLabelCount);
    return transposeToLabels(reduced.tensor, reduced.labels, outputLabels);
  }

  const [first, second] = operands;
  const inSecond = new Set(idDims[1]);
  const inFirst = new Set(idDims[0]);
  const isOutput = (label: number): boolean => label < outputLabelCount;
  const a = sumLabelsAway(first, idDims[0], (label) => !isOutput(label) && !inSecond.has(label));
  const b = sumLabelsAway(second, idDims[1], (label) => !isOutput(label) && !inFirst.has(label));
  const shared = a.labels.filter((label) => b.labels.includes(label));
  const batch = shared.filter(isOutput);
  const contracted = shared.filter((label) => !isOutput(label));
  const freeA = a.labels.filter((label) => !shared.includes(label));
  const freeB = b.labels.filter((label) => !shared.includes(label));
  const size = (labels: number[]): number =>
    labels.reduce((product, label) => product * (labelSizes.get(label) ?? 1), 1);

  const aMatrix = tf.reshape(transposeToLabels(a.tensor, a.labels, [...batch, ...freeA, ...contracted]), [
    size(batch),
    size(freeA),
    size(contracted),
  ]);
  const bMatrix = tf.reshape(transposeToLabels(b.tensor, b.labels, [...batch, ...contracted, ...freeB]), [
    size(batch),
    size(contracted),
    size(freeB),
  ]);
  const product = tf.matMul(aMatrix, bMatrix);
  const productLabels = [...batch, ...freeA, ...freeB];
  const unflattened = tf.reshape(
    product,
    productLabels.map((label) => labelSizes.get(label) ?? 1),
  );
  return transposeToLabels(unflattened, productLabels, outputLabels);
}

function sumLabelsAway(
  tensor: tf.Tensor,
  labels: number[],
  shouldSum: (label: number) => boolean,
): { tensor: tf.Tensor; labels: number[] } {
  const axes = labels.flatMap((label, axis) => (shouldSum(label) ? [axis] : []));
  if (axes.length === 0) {
    return { tensor, labels };
  }
  return { tensor: tf.sum(tensor, axes), labels: labels.filter((label) => !shouldSum(label)) };
}

function transposeToLabels(tensor: tf.Tensor, labels: number[], wanted: number[]): tf.Tensor {
  const permutation = wanted.map((label) => labels.indexOf(label));
  const isIdentity = permutation.every((axis, i) => axis === i);
  return isIdentity ? tensor : tf.transpose(tensor, permutation);
}

export const einsumKernel = composedKernel<tf.EinsumAttrs>(tf.Einsum, (inputs, attrs) =>
  einsum(attrs.equation, Object.values(inputs)),
);
