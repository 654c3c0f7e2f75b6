import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '../backend.manager';
import { gradientsOn, randomTensor, relativeError } from './backend-comparison.testing';
import { conv2dBackpropFilterKernel } from './conv2d-backprop-filter.kernel';
import { conv2dBackpropInputKernel } from './conv2d-backprop-input.kernel';

interface ConvCase {
  input: [number, number, number, number];
  kernel: number;
  outChannels: number;
  stride: number;
  pad: 'same' | 'valid';
}

const cases: ConvCase[] = [];
for (const kernel of [1, 3]) {
  for (const stride of [1, 2] as const) {
    for (const pad of ['same', 'valid'] as const) {
      // Odd and even sizes: odd ones leave rows the forward pass never reads (valid) or pad unevenly (same).
      cases.push({ input: [2, 7, 7, 3], kernel, outChannels: 4, stride, pad });
      cases.push({ input: [2, 8, 6, 5], kernel, outChannels: 2, stride, pad });
    }
  }
}
cases.push({ input: [1, 9, 9, 2], kernel: 5, outChannels: 3, stride: 2, pad: 'same' });
// Patches (filter = stride, a ViT's patch embedding): exact tiling, rows left unread (valid), a padded last
// patch (same, padding only at the bottom/right) and one padded at the top-left (same, 7 px in patches of 3).
cases.push({ input: [2, 8, 8, 3], kernel: 4, outChannels: 5, stride: 4, pad: 'valid' });
cases.push({ input: [2, 10, 9, 3], kernel: 4, outChannels: 5, stride: 4, pad: 'valid' });
cases.push({ input: [2, 8, 8, 2], kernel: 3, outChannels: 4, stride: 3, pad: 'same' });
cases.push({ input: [1, 7, 7, 2], kernel: 3, outChannels: 4, stride: 3, pad: 'same' });
// Strided, decomposed into stride x stride phases: a ResNet stem, an even filter, and a filter smaller than its
// stride (phases no tap reaches).
cases.push({ input: [2, 12, 11, 3], kernel: 7, outChannels: 4, stride: 2, pad: 'same' });
cases.push({ input: [1, 9, 10, 2], kernel: 4, outChannels: 3, stride: 2, pad: 'same' });
cases.push({ input: [1, 10, 11, 2], kernel: 2, outChannels: 3, stride: 3, pad: 'valid' });

describe('wasm Conv2DBackpropFilter / Conv2DBackpropInput', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  });

  it('are the composed kernels registered for wasm', () => {
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')?.kernelFunc).toBe(
      conv2dBackpropFilterKernel.kernelFunc,
    );
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc).toBe(
      conv2dBackpropInputKernel.kernelFunc,
    );
  });

  it('compute a strided input gradient without spreading dy onto the stride grid', async () => {
    const x = tf.randomNormal<tf.Rank.R4>([1, 32, 32, 3]);
    const filter = tf.randomNormal<tf.Rank.R4>([7, 7, 3, 8]);
    const dy = tf.randomNormal<tf.Rank.R4>([1, 16, 16, 8]);
    const profile = await tf.profile(() =>
      tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, filter, 2, 'same'), dy)))(
        x,
      ),
    );
    // The forward pass reads x (3 channels); the input gradient's convolutions read dy (8 channels).
    const convolutions = profile.kernels.filter(
      (kernel) => kernel.name === tf.Conv2D && kernel.inputShapes[0]?.[3] === 8,
    );
    // Four phases, each reading dy (16x16) plus the sub-filter's reach, never the 32x32 spread grid.
    expect(convolutions).toHaveLength(4);
    for (const convolution of convolutions) expect(convolution.inputShapes[0]?.[1]).toBeLessThan(20);
    tf.dispose([x, filter, dy, profile.result]);
  });

  it.each(cases)(
    'match cpu gradients for x $input, $kernel x $kernel -> $outChannels, stride $stride, $pad',
    async ({ input, kernel, outChannels, stride, pad }) => {
      const x = randomTensor(input, 1);
      const filterShape: [number, number, number, number] = [kernel, kernel, input[3], outChannels];
      const filter = randomTensor(filterShape, 2);
      const outShape = tf.tidy(
        () => tf.conv2d(tf.zeros<tf.Rank.R4>(input), tf.zeros<tf.Rank.R4>(filterShape), stride, pad).shape,
      );
      const weights = randomTensor(outShape, 3);
      const loss = (xs: tf.Tensor, f: tf.Tensor, r: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(tf.conv2d(xs as tf.Tensor4D, f as tf.Tensor4D, stride, pad), r));

      const [dxWasm, dfWasm] = await gradientsOn('wasm', loss, [x, filter, weights]);
      const [dxCpu, dfCpu] = await gradientsOn('cpu', loss, [x, filter, weights]);

      expect(relativeError(dxWasm, dxCpu)).toBeLessThan(1e-4);
      expect(relativeError(dfWasm, dfCpu)).toBeLessThan(1e-4);
    },
  );
});
