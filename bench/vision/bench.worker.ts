import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

import * as tf from '@tensorflow/tfjs-core';

import { initBackend } from '@linescope/vision/backend';
import { buildModel, describeModel } from '@linescope/vision/models';
import { exportToOnnx, OnnxScorer } from '@linescope/vision/onnx';
import { compileForServing } from '@linescope/vision/serving';

import { BENCH_MODELS, budgetsFor } from './bench.catalog';
import {
  type MeasureJob,
  type ServeCommand,
  type ServeLoopJob,
  type WorkerJob,
  type WorkerReport,
} from './bench.protocol';
import { measurePredict, measureServing, measureTraining, randomImages } from './throughput.measure';

/**
 * One worker thread per measured model: a fresh TensorFlow.js and wasm heap each time (wasm memory never shrinks),
 * and a wasm abort (out of memory) kills only this worker, after the results already reported.
 */

function report(message: WorkerReport): void {
  if (parentPort === null) throw new Error('bench.worker.js must run as a worker thread');
  parentPort.postMessage(message);
}

function benchModel(index: number) {
  const model = BENCH_MODELS[index] as (typeof BENCH_MODELS)[number] | undefined;
  if (model === undefined) throw new RangeError(`no bench model #${index}`);
  return model;
}

async function measure(job: MeasureJob): Promise<void> {
  await initBackend({ preferred: job.backend, logger: () => undefined });
  const model = buildModel(benchModel(job.modelIndex).spec);
  const description = describeModel(model);
  report({
    kind: 'described',
    flopsPerImage: description.flopsPerImage,
    trainableParams: description.trainableParams,
  });
  const inputSize = description.inputShape.slice(0, 2);
  const budgets = budgetsFor(job.backend, job.mode);
  const serving = compileForServing(model);
  for (const { path, batch } of job.inference) {
    const budget = budgets.inference[batch];
    const throughput =
      path === 'serving'
        ? measureServing(serving, inputSize, batch, budget)
        : measurePredict(model, inputSize, batch, budget);
    report({ kind: 'inference', path, throughput });
  }
  serving.dispose();
  // Training last: it needs the most memory, and an out-of-memory abort must not cost the inference numbers.
  for (const batch of job.trainingBatches) {
    const warmupBatch = Math.min(budgets.trainingWarmupBatch, batch);
    report({
      kind: 'training',
      throughput: measureTraining(model, inputSize, batch, budgets.training, warmupBatch),
    });
  }
  model.dispose();
}

/** One batch through the job's engine; the model's weights are the same either way. */
async function batchServer(
  job: ServeLoopJob,
): Promise<{ serveOnce: () => Promise<void>; dispose: () => Promise<void> }> {
  await initBackend({ preferred: 'wasm', logger: () => undefined });
  const model = buildModel(benchModel(job.modelIndex).spec);
  const [height, width] = describeModel(model).inputShape.slice(0, 2);
  const images = randomImages(job.batch, [height, width]);
  if (job.engine === 'onnxruntime') {
    const scorer = await OnnxScorer.create(exportToOnnx(model).bytes, { threads: 1 });
    const data = images.dataSync() as Float32Array;
    tf.dispose(images);
    model.dispose();
    return {
      serveOnce: async () => {
        await scorer.run(data, job.batch, height, width);
      },
      dispose: () => scorer.dispose(),
    };
  }
  const serving = compileForServing(model);
  return {
    serveOnce: () => {
      const logits = serving.predict(images);
      logits.dataSync();
      logits.dispose();
      return Promise.resolve();
    },
    dispose: () => {
      tf.dispose(images);
      serving.dispose();
      model.dispose();
      return Promise.resolve();
    },
  };
}

async function serveLoop(job: ServeLoopJob): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('bench.worker.js must run as a worker thread');
  const server = await batchServer(job);
  await server.serveOnce();
  const command = await new Promise<ServeCommand>((resolve) => {
    port.once('message', (message: ServeCommand) => resolve(message));
    report({ kind: 'ready' });
  });
  const start = performance.now();
  let servedImages = 0;
  while (performance.now() - start < command.durationMs) {
    await server.serveOnce();
    servedImages += job.batch;
  }
  report({ kind: 'served', images: servedImages, elapsedMs: performance.now() - start });
  await server.dispose();
}

async function main(): Promise<void> {
  const job = workerData as WorkerJob;
  switch (job.kind) {
    case 'measure':
      await measure(job);
      break;
    case 'serve-loop':
      await serveLoop(job);
      break;
  }
  report({ kind: 'done' });
}

void main();
