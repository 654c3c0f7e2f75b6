import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../backend.manager';
import { randomTensor, relativeError, valueOn, type HostTensor } from './backend-comparison.testing';

const cases: { equation: string; shapes: number[][] }[] = [
  {
    equation: 'ij,jk->ik',
    shapes: [
      [3, 4],
      [4, 5],
    ],
  },
  {
    equation: 'bij,bjk->bik',
    shapes: [
      [2, 3, 4],
      [2, 4, 5],
    ],
  },
  {
    equation: 'bhqd,bhkd->bhqk',
    shapes: [
      [2, 3, 4, 5],
      [2, 3, 6, 5],
    ],
  },
  {
    equation: 'ij,kj->ik',
    shapes: [
      [3, 4],
      [5, 4],
    ],
  },
  { equation: 'ij,j->i', shapes: [[3, 4], [4]] },
  { equation: 'i,j->ij', shapes: [[3], [4]] },
  { equation: 'ijk,k->ji', shapes: [[2, 3, 4], [4]] },
  {
    equation: 'abc,cd->da',
    shapes: [
      [2, 3, 4],
      [4, 5],
    ],
  },
  { equation: 'ij->ji', shapes: [[3, 4]] },
  { equation: 'ijk->k', shapes: [[2, 3, 4]] },
];

/** Direct sum over every assignment of the labels: slow, obviously right. */
function naiveEinsum(equation: string, operands: HostTensor[]): Float32Array {
  const [inputs, output] = equation.split('->');
  const terms = inputs.split(',');
  const sizes = new Map<string, number>();
  terms.forEach((term, i) => [...term].forEach((label, axis) => sizes.set(label, operands[i].shape[axis])));
  const labels = [...sizes.keys()];
  const outputSize = [...output].reduce((n, label) => n * (sizes.get(label) ?? 1), 1);
  const result = new Float32Array(outputSize);
  const flatIndex = (term: string, shape: number[], at: Map<string, number>): number =>
    [...term].reduce((index, label, axis) => index * shape[axis] + (at.get(label) ?? 0), 0);
  const visit = (depth: number, at: Map<string, number>): void => {
    if (depth === labels.length) {
      const product = terms.reduce(
        (p, term, i) => p * operands[i].values[flatIndex(term, operands[i].shape, at)],
        1,
      );
      const outShape = [...output].map((label) => sizes.get(label) ?? 1);
      result[flatIndex(output, outShape, at)] += product;
      return;
    }
    for (let v = 0; v < (sizes.get(labels[depth]) ?? 1); v++) {
      at.set(labels[depth], v);
      visit(depth + 1, at);
    }
  };
  visit(0, new Map());
  return result;
}

describe('wasm Einsum', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  });

  it.each(cases)('$equation equals the direct sum', async ({ equation, shapes }) => {
    const operands: HostTensor[] = shapes.map((shape, i) => randomTensor(shape, 31 + i));
    const onWasm = await valueOn('wasm', (...xs: tf.Tensor[]) => tf.einsum(equation, ...xs), operands);
    const expected = naiveEinsum(equation, operands);
    expect(onWasm.length).toBe(expected.length);
    expect(relativeError(onWasm, expected)).toBeLessThan(1e-5);
  });
});
