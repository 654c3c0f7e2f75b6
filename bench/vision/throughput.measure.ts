import { performance } from 'node:perf_hooks';

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { type ServingModel } from '@linescope/vision/serving';

/** How long one measurement may run: at least `minRuns` timed runs, then more until `maxRuns` or `budgetMs`. */
export interface RunBudget {
  warmupRuns: number;
  minRuns: number;
  maxRuns: number;
  budgetMs: number;
}

export interface Throughput {
  batch: number;
  /** Timed runs (warm-up excluded). */
  runs: number;
  /** batch / median wall time of a run: robust to a run slowed by a neighbour's burst. */
  imagesPerSecond: number;
  /** Median wall time of one run (one batch), milliseconds. */
  p50Ms: number;
  /**
   * Images per second of CPU time used by the process during the timed runs (user + system). While only the
   * measuring thread works, this is what one core of its own would deliver, whatever else shares the machine.
   */
  imagesPerCpuSecond: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Times `run` (which must finish its work before returning) under `budget`. */
export function timeRuns(batch: number, budget: RunBudget, run: () => void): Throughput {
  for (let index = 0; index < budget.warmupRuns; index++) run();
  const durations: number[] = [];
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  while (
    durations.length < budget.minRuns ||
    (durations.length < budget.maxRuns && performance.now() - start < budget.budgetMs)
  ) {
    const before = performance.now();
    run();
    durations.push(performance.now() - before);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const p50Ms = median(durations);
  return {
    batch,
    runs: durations.length,
    imagesPerSecond: batch / (p50Ms / 1000),
    p50Ms,
    imagesPerCpuSecond: (batch * durations.length) / cpuSeconds,
  };
}

/** Random NHWC images: throughput does not depend on pixel values. */
export function randomImages(batch: number, [height, width]: readonly number[]): tf.Tensor4D {
  return tf.randomNormal([batch, height, width, 3], 0, 1, 'float32', 7);
}

/** Reads the result back, so asynchronous backends count their whole work. */
function settle(output: tf.Tensor | tf.Tensor[]): void {
  const outputs = Array.isArray(output) ? output : [output];
  outputs.forEach((tensor) => tensor.dataSync());
  tf.dispose(outputs);
}

export function measurePredict(
  model: tfl.LayersModel,
  inputSize: readonly number[],
  batch: number,
  budget: RunBudget,
): Throughput {
  const images = randomImages(batch, inputSize);
  try {
    return timeRuns(batch, budget, () => settle(model.predict(images, { batchSize: batch })));
  } finally {
    images.dispose();
  }
}

export function measureServing(
  serving: ServingModel,
  inputSize: readonly number[],
  batch: number,
  budget: RunBudget,
): Throughput {
  const images = randomImages(batch, inputSize);
  try {
    return timeRuns(batch, budget, () => settle(serving.predict(images)));
  } finally {
    images.dispose();
  }
}

/**
 * Training throughput: forward in training mode, softmax cross-entropy on every output, backward and an Adam
 * update of all trainable weights. The first warm-up step also creates Adam's moment slots.
 */
export function measureTraining(
  model: tfl.LayersModel,
  inputSize: readonly number[],
  batch: number,
  budget: RunBudget,
  warmupBatch = batch,
): Throughput {
  const numClasses = model.outputs[0].shape[1] ?? 1;
  const optimizer = tf.train.adam(1e-3);
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const step = (images: tf.Tensor4D, labels: tf.Tensor2D) => {
    const loss = optimizer.minimize(
      () => {
        const output = model.apply(images, { training: true }) as tf.Tensor | tf.Tensor[];
        const logits = Array.isArray(output) ? output : [output];
        return tf.addN(logits.map((each) => tf.losses.softmaxCrossEntropy(labels, each))) as tf.Scalar;
      },
      true,
      variables,
    );
    if (loss === null) throw new Error('minimize returned no loss');
    loss.dataSync();
    loss.dispose();
  };
  const batchOf = (size: number): [tf.Tensor4D, tf.Tensor2D] => [
    randomImages(size, inputSize),
    tf.tidy(() => {
      const labels = tf.tensor1d(
        Array.from({ length: size }, (_, index) => index % numClasses),
        'int32',
      );
      return tf.cast(tf.oneHot(labels, numClasses), 'float32') as tf.Tensor2D;
    }),
  ];
  // A smaller warm-up batch allocates Adam's slots and warms the kernels without paying for a full step.
  const warmup = budget.warmupRuns > 0 ? batchOf(warmupBatch) : undefined;
  const timed = batchOf(batch);
  try {
    for (let index = 0; warmup !== undefined && index < budget.warmupRuns; index++) step(...warmup);
    return timeRuns(batch, { ...budget, warmupRuns: 0 }, () => step(...timed));
  } finally {
    tf.dispose([...(warmup ?? []), ...timed]);
    optimizer.dispose();
  }
}
