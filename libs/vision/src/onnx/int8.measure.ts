/**
 * fp32 vs int8 ONNX Runtime on MobileNetV2-1.0 (not a test: run after `npm run build`, on a quiet machine):
 *   node dist/libs/vision/src/onnx/int8.measure.js [size=224] [runs=200]
 * The backbone is nsfwjs' trained MobileNetV2 when the devDependency is installed (else random weights with batch
 * norm statistics fitted to the images), with a 6-class head trained on magnetic-tile images (a linear probe).
 * Prints the agreement of int8 with fp32 on held-out real images and batch-1 images/s on 1 and 2 threads.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { initBackend } from '../backend';
import { buildModel } from '../models';
import { NsfwjsMobileNetSource, transferBackbone } from '../pretrained';
import { quantizeOnnx } from './int8.quantize';
import { countOpTypes } from './onnx-model.read';
import { exportToOnnx } from './onnx.export';
import { OnnxScorer } from './onnx.scorer';
import {
  confidentAgreement,
  fitBatchNormStatistics,
  realImages,
  relativeRmsError,
  topOneAgreement,
  trainClassifiers,
} from './onnx.testing';

const CLASSES = 6;

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function backboneOf(model: tfl.LayersModel, images: tf.Tensor4D): Promise<string> {
  try {
    const source = await tfl.loadLayersModel(new NsfwjsMobileNetSource({ batchNorm: 'zoo' }));
    transferBackbone(source, model);
    source.dispose();
    return 'nsfwjs pretrained';
  } catch (error) {
    fitBatchNormStatistics(model, images);
    return `random (${error instanceof Error ? error.message : String(error)})`;
  }
}

async function timeBlock(
  scorer: OnnxScorer,
  image: Float32Array,
  size: number,
  runs: number,
): Promise<number> {
  const start = process.hrtime.bigint();
  for (let run = 0; run < runs; run++) await scorer.run(image, 1, size, size);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Batch-1 images/s of each model, timed in alternating blocks so all see the same machine load, keeping each
 * model's best block (on a shared machine the least disturbed one).
 */
async function compareSpeed(
  models: Uint8Array[],
  threads: number,
  size: number,
  runs: number,
  rounds = 5,
): Promise<number[]> {
  const scorers = await Promise.all(
    models.map((bytes) => OnnxScorer.create(bytes, { threads, optimizationLevel: 'all' })),
  );
  const sample = await realImages(size, 1, { dataset: 'magnetic-tile', normalization: 'unit' });
  sample.tensor.dispose();
  const image = sample.data;
  for (const scorer of scorers) await timeBlock(scorer, image, size, 20);
  const best = scorers.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    for (const [index, scorer] of scorers.entries()) {
      const blockRuns = Math.ceil(runs / rounds);
      best[index] = Math.max(best[index], blockRuns / (await timeBlock(scorer, image, size, blockRuns)));
    }
  }
  await Promise.all(scorers.map((scorer) => scorer.dispose()));
  return best;
}

async function main(): Promise<void> {
  const size = Number(process.argv[2] ?? 224);
  const runs = Number(process.argv[3] ?? 200);
  await initBackend({ preferred: 'wasm', logger: () => undefined });
  const model = buildModel({
    arch: 'mobilenetv2',
    alpha: 1.0,
    inputSize: size,
    numClasses: CLASSES,
    dropout: 0,
  });
  const train = await realImages(size, 48, { dataset: 'magnetic-tile', normalization: 'unit', offset: 100 });
  const backbone = await backboneOf(model, train.tensor);
  trainClassifiers(
    model,
    train.tensor,
    Array.from({ length: 48 }, (_, index) => index % CLASSES),
    100,
  );
  const calibration = await realImages(size, 16, { dataset: 'magnetic-tile', normalization: 'unit' });
  const held = await realImages(size, 60, { dataset: 'magnetic-tile', normalization: 'unit', offset: 40 });

  const fp32 = exportToOnnx(model).bytes;
  const quantizeStart = Date.now();
  const int8 = await quantizeOnnx(fp32, [
    calibration.data.subarray(0, 8 * size * size * 3),
    calibration.data.subarray(8 * size * size * 3),
  ]);
  const quantizeSeconds = (Date.now() - quantizeStart) / 1000;

  const scorers = await Promise.all([OnnxScorer.create(fp32), OnnxScorer.create(int8)]);
  const [reference, quantized] = await Promise.all(
    scorers.map((scorer) => scorer.run(held.data, 60, size, size)),
  );
  const pixelStep = 1 / 255;
  let seed = 1;
  const noisy = held.data.map((value) => {
    seed = (seed * 16807) % 2147483647;
    return value + (seed / 2147483647 - 0.5) * pixelStep;
  });
  const perturbed = await scorers[0].run(noisy, 60, size, size);
  await Promise.all(scorers.map((scorer) => scorer.dispose()));
  const { agreement: confident, count: confidentCount } = confidentAgreement(
    reference,
    quantized,
    CLASSES,
    1,
  );

  print(`MobileNetV2-1.0 @ ${size}x${size}, backbone: ${backbone}`);
  print(
    `file size: fp32 ${(fp32.length / 1e6).toFixed(2)} MB, int8 ${(int8.length / 1e6).toFixed(2)} MB; quantised in ${quantizeSeconds.toFixed(1)} s`,
  );
  print(`int8 ops: ${JSON.stringify(countOpTypes(int8))}`);
  print(
    `int8 vs fp32 on 60 held-out magnetic-tile images: top-1 agreement ${topOneAgreement(reference, quantized, CLASSES).toFixed(3)}, ` +
      `on the ${confidentCount} with fp32 margin >= 1: ${confident.toFixed(3)}, relative RMS logit error ${relativeRmsError(reference, quantized).toFixed(3)}`,
  );
  print(
    `(fp32 itself under +-half a pixel level of noise: agreement ${topOneAgreement(reference, perturbed, CLASSES).toFixed(3)}, ` +
      `relative RMS ${relativeRmsError(reference, perturbed).toFixed(3)})`,
  );
  for (const threads of [1, 2]) {
    const [fp32Speed, int8Speed] = await compareSpeed([fp32, int8], threads, size, runs);
    print(
      `batch 1, ${threads} thread(s), best of 5 alternating blocks: fp32 ${fp32Speed.toFixed(0)} images/s, ` +
        `int8 ${int8Speed.toFixed(0)} images/s (x${(int8Speed / fp32Speed).toFixed(2)})`,
    );
  }
  tf.dispose([train.tensor, calibration.tensor, held.tensor]);
  model.dispose();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
