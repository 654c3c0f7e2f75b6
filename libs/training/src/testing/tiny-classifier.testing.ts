import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's CommonJS entry registers no gradients and its register_all_gradients is ESM-only;
// the tfjs-layers bundle registers all of them in the shared global registry.
import '@tensorflow/tfjs-layers';
import path from 'node:path';
import sharp from 'sharp';
import { createRng } from '../random/rng';
import { NEU_CLS } from './shared-datasets.testing';

/** Real images shrunk to side x side greyscale, flattened, pixel values in [0, 255]. */
export interface TinyImageSet {
  features: number[][];
  labels: number[];
  numClasses: number;
}

const CLASSES = ['crazing', 'inclusion', 'patches', 'pitted_surface', 'rolled-in_scale', 'scratches'];

/** `perClass` images of each neu-cls class, starting at file index `offset` (e.g. Cr_1.png). */
export async function loadTinyNeuSet(perClass: number, offset = 1, side = 8): Promise<TinyImageSet> {
  const prefixes = ['Cr', 'In', 'Pa', 'PS', 'RS', 'Sc'];
  const features: number[][] = [];
  const labels: number[] = [];
  for (const [label, className] of CLASSES.entries()) {
    for (let i = 0; i < perClass; i++) {
      const file = path.join(NEU_CLS, className, `${prefixes[label]}_${offset + i}.png`);
      const pixels = await sharp(file).greyscale().resize(side, side).raw().toBuffer();
      features.push(Array.from(pixels));
      labels.push(label);
    }
  }
  return { features, labels, numClasses: CLASSES.length };
}

export interface TinyTrainingOptions {
  lr: number;
  steps: number;
  optimizer: 'sgd' | 'adam';
  /** Scale pixels to roughly zero mean, unit range; off = raw [0, 255] inputs. */
  normalise: boolean;
  hidden?: number;
  seed?: number;
}

export interface TinyStep {
  step: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
}

/** Full-batch training of a one-hidden-layer MLP with tfjs-core on the cpu backend; logs every step. */
export async function trainTinyClassifier(
  train: TinyImageSet,
  validation: TinyImageSet,
  options: TinyTrainingOptions,
): Promise<TinyStep[]> {
  await tf.setBackend('cpu');
  const rng = createRng(options.seed ?? 0);
  const inputs = train.features[0].length;
  const hidden = options.hidden ?? 16;
  const init = (rows: number, cols: number) =>
    tf.variable(
      tf.tensor2d(
        Array.from({ length: rows * cols }, () => rng.normal(0, Math.sqrt(2 / rows))),
        [rows, cols],
      ),
    );
  const w1 = init(inputs, hidden);
  const b1 = tf.variable(tf.zeros([hidden]));
  const w2 = init(hidden, train.numClasses);
  const b2 = tf.variable(tf.zeros([train.numClasses]));
  const optimizer = options.optimizer === 'sgd' ? tf.train.sgd(options.lr) : tf.train.adam(options.lr);

  const toTensors = (set: TinyImageSet) =>
    tf.tidy(() => {
      const x = tf.tensor2d(set.features);
      return {
        x: options.normalise ? tf.div(tf.sub(x, 128), 64) : x,
        y: tf.oneHot(tf.tensor1d(set.labels, 'int32'), set.numClasses),
      };
    });
  const trainTensors = toTensors(train);
  const valTensors = toTensors(validation);
  const logits = (x: tf.Tensor) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2);
  const evaluate = (t: { x: tf.Tensor; y: tf.Tensor }) =>
    tf.tidy(() => {
      const out = logits(t.x);
      const loss = tf.losses.softmaxCrossEntropy(t.y, out).dataSync()[0];
      const accuracy = tf
        .mean(tf.cast(tf.equal(tf.argMax(out, 1), tf.argMax(t.y, 1)), 'float32'))
        .dataSync()[0];
      return { loss, accuracy };
    });

  const history: TinyStep[] = [];
  try {
    for (let step = 0; step < options.steps; step++) {
      const before = evaluate(trainTensors);
      const val = evaluate(valTensors);
      history.push({
        step,
        loss: before.loss,
        accuracy: before.accuracy,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
      });
      tf.tidy(() => {
        optimizer.minimize(() =>
          tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(trainTensors.y, logits(trainTensors.x)),
        );
      });
    }
  } finally {
    tf.dispose([w1, b1, w2, b2, trainTensors.x, trainTensors.y, valTensors.x, valTensors.y]);
    optimizer.dispose();
  }
  return history;
}
