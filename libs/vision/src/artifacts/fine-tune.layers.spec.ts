import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { randomImages, tinyConvNet, TINY_SIZE, weightValues } from './artifacts.fixture';
import { freezeUpTo, setTrainable, transferWeightsByName } from './fine-tune.layers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const trainableNames = (model: tfl.LayersModel) =>
  model.trainableWeights.map((weight) => weight.originalName);

describe('setTrainable / freezeUpTo', () => {
  it('setTrainable changes trainableWeights by predicate', () => {
    const model = tinyConvNet();
    // conv kernel+bias, batch-norm gamma+beta, dense kernel+bias
    expect(model.trainableWeights).toHaveLength(6);

    const summary = setTrainable(model, (layer) => layer.name !== 'stem_conv');
    expect(summary.frozen).toEqual(['stem_conv']);
    expect(model.trainableWeights).toHaveLength(4);
    expect(trainableNames(model).some((name) => name.startsWith('stem_conv'))).toBe(false);
    model.dispose();
  });

  it('freezeUpTo freezes the backbone and leaves the head trainable', () => {
    const model = tinyConvNet();
    const summary = freezeUpTo(model, 'pool');
    expect(summary.trainable).toEqual(['head']);
    expect(trainableNames(model)).toEqual(['head/kernel', 'head/bias']);

    freezeUpTo(model, 'stem_bn', { inclusive: false });
    expect(trainableNames(model)).toEqual(['stem_bn/gamma', 'stem_bn/beta', 'head/kernel', 'head/bias']);
    expect(() => freezeUpTo(model, 'no_such_layer')).toThrow(/no layer named "no_such_layer"/);
    model.dispose();
  });

  it('after recompiling, training moves only the unfrozen weights', async () => {
    const model = tinyConvNet();
    freezeUpTo(model, 'pool');
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const conv = model.getLayer('stem_conv');
    const head = model.getLayer('head');
    const convBefore = weightValues(conv);
    const headBefore = weightValues(head);

    const images = randomImages(4);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    await model.fit(images, labels, { epochs: 1, batchSize: 4, verbose: 0 });

    expect(weightValues(conv)).toEqual(convBefore);
    expect(weightValues(head)).not.toEqual(headBefore);
    tf.dispose([images, labels]);
    model.dispose();
  });
});

describe('transferWeightsByName', () => {
  it('copies same-name, same-shape layers and reports the new head as skipped', () => {
    const pretrained = tinyConvNet({ seed: 11, classes: 3 });
    const fresh = tinyConvNet({ seed: 99, classes: 2 });
    const freshHead = weightValues(fresh.getLayer('head'));

    const report = transferWeightsByName(pretrained, fresh);

    expect(report.copied).toEqual([
      { layer: 'stem_conv', weights: 2 },
      { layer: 'stem_bn', weights: 4 },
    ]);
    expect(report.skipped).toEqual([
      { layer: 'head', reason: 'shape_mismatch', detail: 'source [4,3] [3], target [4,2] [2]' },
    ]);
    expect(report.unusedSource).toEqual(['head']);
    expect(weightValues(fresh.getLayer('stem_conv'))).toEqual(weightValues(pretrained.getLayer('stem_conv')));
    expect(weightValues(fresh.getLayer('stem_bn'))).toEqual(weightValues(pretrained.getLayer('stem_bn')));
    expect(weightValues(fresh.getLayer('head'))).toEqual(freshHead);
    pretrained.dispose();
    fresh.dispose();
  });

  it('finds layers inside a backbone nested as one layer, and reports names the source lacks', () => {
    const backbone = tinyConvNet({ seed: 5 });
    const input = tfl.input({ shape: [TINY_SIZE, TINY_SIZE, 3] });
    const features = backbone.apply(input) as tfl.SymbolicTensor;
    const extra = tfl.layers.dense({ units: 2, name: 'defect_head' }).apply(features) as tfl.SymbolicTensor;
    const nestedSource = tfl.model({ inputs: input, outputs: extra });

    const target = tinyConvNet({ seed: 6, headName: 'defect_head', classes: 2 });
    const report = transferWeightsByName(nestedSource, target);
    expect(report.copied.map((entry) => entry.layer)).toEqual(['stem_conv', 'stem_bn']);
    expect(report.skipped.map((entry) => [entry.layer, entry.reason])).toEqual([
      ['defect_head', 'shape_mismatch'],
    ]);
    expect(weightValues(target.getLayer('stem_conv'))).toEqual(weightValues(backbone.getLayer('stem_conv')));

    const unrelated = tfl.sequential({
      layers: [tfl.layers.dense({ units: 2, inputShape: [4], name: 'other' })],
    });
    expect(transferWeightsByName(unrelated, target).skipped.map((entry) => entry.reason)).toEqual([
      'not_in_source',
      'not_in_source',
      'not_in_source',
    ]);
    nestedSource.dispose();
    target.dispose();
    unrelated.dispose();
  });

  it('keeps the copy when the source model is disposed afterwards', () => {
    const source = tinyConvNet({ seed: 21 });
    const target = tinyConvNet({ seed: 22 });
    const expected = weightValues(source.getLayer('stem_conv'));
    transferWeightsByName(source, target);
    source.dispose();
    expect(weightValues(target.getLayer('stem_conv'))).toEqual(expected);
    target.dispose();
  });
});
