/**
 * Training steps on wasm with the product's training kernels and gradients against the variants they replaced,
 * side by side in one process, alternating so machine load hits both alike:
 *
 * - Tile: tfjs-backend-wasm's own kernel and tfjs-core's gradient (one slice and add per copy), against the
 *   broadcasting add and the reshape-and-sum gradient (LayerNormalization tiles four tensors per layer);
 * - Conv2DBackpropInput: dy spread onto the stride grid with zeros and one convolution with the whole filter,
 *   against one convolution per stride phase (strided layers) and one matMul (patch embeddings).
 *
 * node dist/bench/vision/training-kernels.bench.js [--steps N]
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  initBackend,
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
} from '@linescope/vision/backend';
import { buildModel, type ModelSpec } from '@linescope/vision/models';
import { simdFeatures } from '../support/cpu-features';
import { markdownTable } from '../support/table';
import {
  convGeometry,
  spreadForInputGradient,
} from '../../libs/vision/src/backend/wasm-kernels/conv-geometry.util';

interface Case {
  label: string;
  spec: ModelSpec;
  batch: number;
}

const CASES: Case[] = [
  {
    label: 'ViT patch 16, dim 48, depth 4 @64 (the bench student)',
    spec: {
      arch: 'vit',
      patchSize: 16,
      dim: 48,
      depth: 4,
      heads: 3,
      mlpRatio: 2,
      inputSize: 64,
      numClasses: 6,
    },
    batch: 32,
  },
  {
    label: 'ResNet-10 width 16 @224',
    spec: { arch: 'resnet', depth: 10, width: 16, inputSize: 224, numClasses: 2 },
    batch: 16,
  },
];

/** The input gradient as before: dy spread with zeros onto the stride grid, one convolution with the whole filter. */
const spreadInputGradient: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) =>
    tf.tidy(() => {
      const { dy, filter } = inputs as unknown as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const geometry = convGeometry(a.inputShape, filter.shape, a.strides, a.pad, a.dimRoundingMode, false);
      const { spread, padding } = spreadForInputGradient(dy, geometry);
      return tf.conv2d(spread, tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]), 1, padding);
    }),
};

interface Variant {
  name: string;
  tileKernel: tf.KernelConfig;
  tileGradient: tf.GradConfig;
  inputGradient: tf.KernelConfig;
}

function install(variant: Variant): void {
  for (const kernel of [variant.tileKernel, variant.inputGradient]) {
    tf.unregisterKernel(kernel.kernelName, 'wasm');
    tf.registerKernel(kernel);
  }
  tf.registerGradient(variant.tileGradient);
}

function stepMs(spec: ModelSpec, batch: number, steps: number): () => number {
  const model = buildModel({ ...spec, seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const size = spec.inputSize as number;
  const images = tf.randomNormal<tf.Rank.R4>([batch, size, size, 3], 0, 1, 'float32', 2);
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % spec.numClasses),
      'int32',
    ),
    spec.numClasses,
  );
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const step = (): void => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor),
      true,
      variables,
    );
    loss?.dataSync();
    loss?.dispose();
  };
  return () => {
    step();
    const start = performance.now();
    for (let i = 0; i < steps; i++) step();
    return (performance.now() - start) / steps;
  };
}

async function main(): Promise<void> {
  const stepsFlag = process.argv.indexOf('--steps');
  const steps = stepsFlag === -1 ? 4 : Number(process.argv[stepsFlag + 1]);
  // Captured before the product installs its own.
  const tfjsTileGradient = tf.getGradient(tf.Tile);
  await initBackend({ preferred: 'wasm', logger: () => undefined });
  const wasmTile = tf.getKernel(tf.Tile, 'wasm');
  const product: Variant = {
    name: 'product',
    tileKernel: wasmTile,
    tileGradient: tf.getGradient(tf.Tile),
    inputGradient: tf.getKernel(tf.Conv2DBackpropInput, 'wasm'),
  };
  // wasm's own Tile, put back for a moment by the registry's restore.
  unregisterWasmTrainingKernels();
  const originalTile = tf.getKernel(tf.Tile, 'wasm');
  registerWasmTrainingKernels();
  const before: Variant = {
    name: 'before',
    tileKernel: originalTile,
    tileGradient: tfjsTileGradient,
    inputGradient: spreadInputGradient,
  };

  console.log(
    `# Training step on wasm, 1 thread (${simdFeatures().join(', ') || 'no vector extensions listed'})\n`,
  );
  const rows: (string | number)[][] = [];
  for (const { label, spec, batch } of CASES) {
    const measure = stepMs(spec, batch, steps);
    const times: Record<string, number[]> = { before: [], product: [] };
    for (let round = 0; round < 2; round++) {
      for (const variant of [before, product]) {
        install(variant);
        times[variant.name].push(measure());
      }
    }
    install(product);
    const best = (name: string) => Math.min(...times[name]);
    rows.push([label, String(batch), best('before'), best('product'), best('before') / best('product')]);
  }
  console.log(markdownTable(['model', 'batch', 'ms/step before', 'ms/step now', 'speed-up'], rows));
}

void main();
