import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { initBackend, withBackend, type BackendName } from '../backend';
import { FastBatchNorm } from './fast-batch-norm.layer';

function random(shape: number[], seed: number, scale = 1, offset = 0): tf.Tensor {
  return tf.add(tf.mul(tf.randomUniform(shape, -1, 1, 'float32', seed), scale), offset);
}

function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function maxRelativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => {
    const difference = tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0];
    const scale = tf.max(tf.abs(expected)).dataSync()[0];
    return difference / Math.max(scale, 1e-12);
  });
}

/** A FastBatchNorm and a tfjs-layers BatchNormalization with the same (non-trivial) weights. */
function twinLayers(inputShape: number[]): { fast: FastBatchNorm; reference: tfl.layers.Layer } {
  const channels = inputShape[inputShape.length - 1];
  const fast = new FastBatchNorm({ momentum: 0.9, epsilon: 1e-3 });
  const reference = tfl.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-3 });
  fast.build(inputShape);
  reference.build(inputShape);
  const weights = [
    random([channels], 1, 0.5, 1),
    random([channels], 2, 0.5),
    random([channels], 3, 0.3),
    random([channels], 4, 0.3, 1),
  ];
  fast.setWeights(weights);
  reference.setWeights(weights);
  tf.dispose(weights);
  return { fast, reference };
}

describe.each<BackendName>(['wasm', 'cpu'])('FastBatchNorm on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  });

  it.each([[[4, 5, 5, 3]], [[6, 7]], [[2, 3, 4, 5]]])(
    'trains like tf.layers.batchNormalization for input %j',
    async (shape) => {
      await withBackend(backend, () => {
        const { fast, reference } = twinLayers(shape);
        // An offset and scale far from 0/1 make a wrong mean or variance visible.
        const x = tf.variable(random(shape, 5, 3, 2));
        const upstream = random(shape, 6);
        const lossOf = (layer: tfl.layers.Layer) => () =>
          tf.sum<tf.Scalar>(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, upstream));
        const variablesOf = (layer: tfl.layers.Layer): tf.Variable[] => [
          x,
          ...layer.trainableWeights.map((w) => w.read() as tf.Variable),
        ];

        const fastOutput = fast.apply(x, { training: true }) as tf.Tensor;
        const referenceOutput = reference.apply(x, { training: true }) as tf.Tensor;
        expect(maxRelativeError(fastOutput, referenceOutput)).toBeLessThan(1e-4);

        const fastGrads = tf.variableGrads(lossOf(fast), variablesOf(fast)).grads;
        const referenceGrads = tf.variableGrads(lossOf(reference), variablesOf(reference)).grads;
        expect(Object.keys(fastGrads)).toHaveLength(3);
        const [dxFast, dGammaFast, dBetaFast] = variablesOf(fast).map((v) => fastGrads[v.name]);
        const [dxRef, dGammaRef, dBetaRef] = variablesOf(reference).map((v) => referenceGrads[v.name]);
        expect(maxRelativeError(dxFast, dxRef)).toBeLessThan(1e-4);
        expect(maxRelativeError(dGammaFast, dGammaRef)).toBeLessThan(1e-4);
        expect(maxRelativeError(dBetaFast, dBetaRef)).toBeLessThan(1e-4);

        // Two training-mode calls each: the moving statistics moved, and moved the same.
        const [fastMean, fastVariance] = fast.getWeights().slice(2);
        const [refMean, refVariance] = reference.getWeights().slice(2);
        expect(maxRelativeError(fastMean, refMean)).toBeLessThan(1e-4);
        expect(maxRelativeError(fastVariance, refVariance)).toBeLessThan(1e-4);
        expect(
          tf.max(tf.abs(tf.sub(fastVariance, random([shape[shape.length - 1]], 4, 0.3, 1)))).dataSync()[0],
        ).toBeGreaterThan(0.01);

        const fastInference = fast.apply(x, { training: false }) as tf.Tensor;
        const referenceInference = reference.apply(x, { training: false }) as tf.Tensor;
        expect(maxRelativeError(fastInference, referenceInference)).toBeLessThan(1e-4);
      });
    },
  );
});

describe('FastBatchNorm', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  });

  it('has the Keras BatchNormalization weights, names and order', () => {
    const { fast, reference } = twinLayers([2, 3, 3, 4]);
    const suffixes = (layer: tfl.layers.Layer): string[] =>
      layer.weights.map((w) => w.originalName.slice(w.originalName.lastIndexOf('/') + 1));
    expect(suffixes(fast)).toEqual(['gamma', 'beta', 'moving_mean', 'moving_variance']);
    expect(suffixes(fast)).toEqual(suffixes(reference));
    expect(fast.trainableWeights.map((w) => w.shape)).toEqual(reference.trainableWeights.map((w) => w.shape));
    expect(fast.nonTrainableWeights).toHaveLength(2);
  });

  it('round-trips through model serialisation with its config and weights', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3 }),
        new FastBatchNorm({ momentum: 0.8, epsilon: 1e-2, name: 'fast_bn' }),
      ],
    });
    const x = random([2, 6, 6, 2], 7);
    model.predict(x); // builds
    const bn = model.getLayer('fast_bn');
    bn.setWeights([random([3], 8, 0.5, 1), random([3], 9), random([3], 10), random([3], 11, 0.2, 1)]);

    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler((artifacts) => {
        saved = artifacts;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    if (saved === undefined) {
      throw new Error('model was not saved');
    }
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved));

    const restored = loaded.getLayer('fast_bn');
    expect(restored).toBeInstanceOf(FastBatchNorm);
    expect(restored.getConfig()).toMatchObject({ momentum: 0.8, epsilon: 1e-2, name: 'fast_bn' });
    const before = model.predict(x) as tf.Tensor;
    const after = loaded.predict(x) as tf.Tensor;
    expect(maxRelativeError(after, before)).toBeLessThan(1e-6);
  });

  it('loads tf.layers.batchNormalization weights by name', async () => {
    const build = (norm: tfl.layers.Layer): tfl.LayersModel =>
      tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3, name: 'dense' }), norm] });
    const source = build(tfl.layers.batchNormalization({ name: 'norm' }));
    const target = build(new FastBatchNorm({ name: 'norm' }));
    source
      .getLayer('norm')
      .setWeights([random([3], 12, 0.5, 1), random([3], 13), random([3], 14), random([3], 15, 0.2, 1)]);

    let saved: tf.io.ModelArtifacts | undefined;
    await source.save(
      tf.io.withSaveHandler((artifacts) => {
        saved = artifacts;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    if (saved?.weightData === undefined || saved.weightSpecs === undefined) {
      throw new Error('model was not saved');
    }
    const named = tf.io.decodeWeights(saved.weightData, saved.weightSpecs);
    target.loadWeights(named);

    const x = random([5, 4], 16);
    expect(maxRelativeError(target.predict(x) as tf.Tensor, source.predict(x) as tf.Tensor)).toBeLessThan(
      1e-6,
    );
  });

  it('runs a frozen layer in inference mode: moving statistics used, and not updated, by a training call', () => {
    const shape = [4, 3, 3, 2];
    const { fast: frozen } = twinLayers(shape);
    frozen.trainable = false;
    const x = random(shape, 18, 3, 2);
    // getWeights returns the live variables: copies, to compare with later.
    const statsBefore = frozen
      .getWeights()
      .slice(2)
      .map((stat) => tf.clone(stat));
    const expected = frozen.apply(x, { training: false }) as tf.Tensor;
    const output = frozen.apply(x, { training: true }) as tf.Tensor;
    expect(maxAbsDifference(output, expected)).toBe(0);
    frozen
      .getWeights()
      .slice(2)
      .forEach((stat, index) => {
        expect(maxAbsDifference(stat, statsBefore[index])).toBe(0);
      });

    // The same weights unfrozen: batch statistics (another output) and moved moving statistics.
    frozen.trainable = true;
    const unfrozenOutput = frozen.apply(x, { training: true }) as tf.Tensor;
    expect(maxAbsDifference(unfrozenOutput, expected)).toBeGreaterThan(0.1);
    expect(maxAbsDifference(frozen.getWeights()[2], statsBefore[0])).toBeGreaterThan(0.01);
  });

  it('freezes through a frozen parent model, whose training-mode calls leave its statistics alone', () => {
    const model = tfl.sequential({
      layers: [new FastBatchNorm({ inputShape: [3], momentum: 0.5, name: 'bn' })],
    });
    model.trainable = false;
    const x = random([8, 3], 19, 3, 2);
    const before = tf.clone(model.getLayer('bn').getWeights()[2]);
    const output = model.apply(x, { training: true }) as tf.Tensor;
    expect(maxAbsDifference(output, model.predict(x) as tf.Tensor)).toBe(0);
    expect(maxAbsDifference(model.getLayer('bn').getWeights()[2], before)).toBe(0);
  });

  it('keeps no tensors from a training call beyond its output', () => {
    const layer = new FastBatchNorm();
    const x = random([2, 4, 4, 3], 17);
    layer.apply(x, { training: true });
    const before = tf.memory().numTensors;
    const output = layer.apply(x, { training: true }) as tf.Tensor;
    expect(tf.memory().numTensors).toBe(before + 1);
    output.dispose();
  });
});
