import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../backend.manager';
import { gradientsOn, randomTensor, relativeError } from './backend-comparison.testing';
import { depthwiseConv2dBackpropFilterKernel } from './depthwise-conv2d-backprop-filter.kernel';
import { depthwiseConv2dBackpropInputKernel } from './depthwise-conv2d-backprop-input.kernel';

interface DepthwiseCase {
  input: [number, number, number, number];
  kernel: number;
  multiplier: number;
  stride: 1 | 2;
  pad: 'same' | 'valid';
}

const cases: DepthwiseCase[] = [];
for (const kernel of [1, 3]) {
  for (const stride of [1, 2] as const) {
    for (const pad of ['same', 'valid'] as const) {
      cases.push({ input: [2, 7, 7, 3], kernel, multiplier: 1, stride, pad });
      cases.push({ input: [3, 8, 6, 4], kernel, multiplier: 1, stride, pad });
    }
  }
}
cases.push({ input: [2, 7, 7, 3], kernel: 3, multiplier: 2, stride: 2, pad: 'same' });
cases.push({ input: [1, 10, 10, 2], kernel: 5, multiplier: 1, stride: 2, pad: 'same' });

describe('wasm DepthwiseConv2dNativeBackpropFilter / DepthwiseConv2dNativeBackpropInput', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  });

  it('are the composed kernels registered for wasm', () => {
    expect(tf.getKernel(tf.DepthwiseConv2dNativeBackpropFilter, 'wasm')?.kernelFunc).toBe(
      depthwiseConv2dBackpropFilterKernel.kernelFunc,
    );
    expect(tf.getKernel(tf.DepthwiseConv2dNativeBackpropInput, 'wasm')?.kernelFunc).toBe(
      depthwiseConv2dBackpropInputKernel.kernelFunc,
    );
  });

  it.each(cases)(
    'match cpu gradients for x $input, $kernel x $kernel, multiplier $multiplier, stride $stride, $pad',
    async ({ input, kernel, multiplier, stride, pad }) => {
      const x = randomTensor(input, 11);
      const filterShape: [number, number, number, number] = [kernel, kernel, input[3], multiplier];
      const filter = randomTensor(filterShape, 12);
      const outShape = tf.tidy(
        () =>
          tf.depthwiseConv2d(tf.zeros<tf.Rank.R4>(input), tf.zeros<tf.Rank.R4>(filterShape), stride, pad)
            .shape,
      );
      const weights = randomTensor(outShape, 13);
      const loss = (xs: tf.Tensor, f: tf.Tensor, r: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(tf.depthwiseConv2d(xs as tf.Tensor4D, f as tf.Tensor4D, stride, pad), r));

      const [dxWasm, dfWasm] = await gradientsOn('wasm', loss, [x, filter, weights]);
      const [dxCpu, dfCpu] = await gradientsOn('cpu', loss, [x, filter, weights]);

      expect(relativeError(dxWasm, dxCpu)).toBeLessThan(1e-4);
      expect(relativeError(dfWasm, dfCpu)).toBeLessThan(1e-4);
    },
  );
});
