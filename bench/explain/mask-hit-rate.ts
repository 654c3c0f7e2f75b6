/**
 * How often does the explanation of a "defect" prediction point at the real defect?
 *
 * Trains a small CNN (ResNet-10 or MobileNetV2 0.35) for ok-vs-defect on ../shared/datasets/magnetic-tile
 * (training split), explains the defect logit of every defect image of the test split, and plays the pointing
 * game against the pixel masks in ../shared/datasets/magnetic-tile-masks: is the map's peak on the defect, or
 * within --tolerance pixels of it? Baselines: a uniformly random pixel (its exact expected hit rate, the mask's
 * area share) and the image centre. Run after the build: node dist/bench/explain/mask-hit-rate.js --help
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { type Sample } from '../../libs/training/src/data';
import { initBackend } from '../../libs/vision/src/backend';
import { compileForServing, type ServingModel } from '../../libs/vision/src/serving';
import {
  camHeatmap,
  chanceOfPointing,
  renderHeatmapOverlay,
  type Heatmap,
  decodeDefectMask,
  gradCam,
  gradientTimesInput,
  heatmapOf,
  heatmapPeak,
  maskDistances,
  pointsAtDefect,
  type Explanation,
  type MaskDistances,
} from '../../libs/vision/src/explain';
import { buildModel, preprocessingFamilyOf } from '../../libs/vision/src/models';
import { decodeImage, type PreprocessSpec } from '../../libs/vision/src/preprocess';
import { explainerName, parseBenchFlags, USAGE, type BenchFlags, type Explainer } from './bench-flags.parse';
import { predictClasses, trainClassifier } from './classifier.train';
import { hitRateTable, type ImageOutcome } from './hit-rate.table';
import { batchTensor, findRepoRoot, isDefect, loadResized, splitTiles } from './tile-dataset.load';

const DEFECT = 1;

function log(message: string): void {
  console.log(message);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function buildClassifier(flags: BenchFlags): tfl.LayersModel {
  return flags.arch === 'resnet'
    ? buildModel({
        arch: 'resnet',
        depth: 10,
        width: flags.width,
        inputSize: flags.size,
        numClasses: 2,
        dropout: 0.2,
      })
    : buildModel({ arch: 'mobilenetv2', alpha: 0.35, inputSize: flags.size, numClasses: 2, dropout: 0.2 });
}

interface Explained {
  heatmap: Heatmap;
  target: string;
}

function explainDefect(
  model: tfl.LayersModel,
  serving: ServingModel,
  image: tf.Tensor4D,
  explainer: Explainer,
): Explained {
  if (explainer.method === 'cam') {
    const { logits, cam } = serving.predictWithCam(image);
    logits.dispose();
    if (cam === null)
      throw new Error('this model has no CAM output (its head is not global average pooling)');
    const [, height, width, classes] = cam.shape;
    const heatmap = camHeatmap({ values: cam.dataSync() as Float32Array, height, width, classes }, 0, DEFECT);
    cam.dispose();
    return { heatmap, target: `cam output of the serving graph (${height}x${width})` };
  }
  const explanation: Explanation =
    explainer.method === 'grad-cam'
      ? gradCam(model, image, DEFECT, { layerName: explainer.layer })
      : gradientTimesInput(model, image, DEFECT);
  return {
    heatmap: heatmapOf(explanation, 0),
    target: `${explanation.method} on ${explanation.layerName} (${explanation.height}x${explanation.width})`,
  };
}

interface TruthOfImage {
  distances: MaskDistances;
  width: number;
  height: number;
}

/** The defect mask of a test image, at the size of the image as decoded (EXIF orientation applied). */
async function truthOf(sample: Sample, masksRoot: string): Promise<TruthOfImage> {
  const original = await decodeImage(await readFile(sample.path));
  const stem = path.basename(sample.path, path.extname(sample.path));
  const mask = await decodeDefectMask(await readFile(path.join(masksRoot, sample.className, `${stem}.png`)));
  if (mask.width !== original.width || mask.height !== original.height) {
    throw new Error(
      `${sample.path}: mask is ${mask.width}x${mask.height}, image ${original.width}x${original.height}`,
    );
  }
  return { distances: maskDistances(mask), width: original.width, height: original.height };
}

function scorePeak(
  heatmap: Heatmap,
  truth: TruthOfImage,
  className: string,
  detected: boolean,
  spec: PreprocessSpec,
  tolerance: number,
): ImageOutcome {
  const { distances, width, height } = truth;
  const peak = heatmapPeak(heatmap, { ...spec, sourceWidth: width, sourceHeight: height });
  const centre = { x: Math.floor(width / 2), y: Math.floor(height / 2) };
  return {
    className,
    detected,
    flat: peak.value === 0,
    peakHit: pointsAtDefect(distances, peak),
    peakNear: pointsAtDefect(distances, peak, tolerance),
    randomHit: chanceOfPointing(distances),
    randomNear: chanceOfPointing(distances, tolerance),
    centreHit: pointsAtDefect(distances, centre),
    centreNear: pointsAtDefect(distances, centre, tolerance),
  };
}

/** The wall and main-thread CPU time of one overlay (decode the original, colour, composite, PNG encode). */
async function overlayCost(
  sample: Sample,
  heatmap: Heatmap,
  spec: PreprocessSpec,
  compressionLevel: number,
): Promise<OverlayCost> {
  const original = await readFile(sample.path);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const png = await renderHeatmapOverlay(original, heatmap, spec, { compressionLevel });
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { compressionLevel, wallMs, cpuMs: (used.user + used.system) / 1000, bytes: png.length };
}

interface OverlayCost {
  compressionLevel: number;
  wallMs: number;
  cpuMs: number;
  bytes: number;
}

/** zlib levels compared: sharp's default, and the fast ones. */
const OVERLAY_LEVELS = [6, 2, 1];

function overlayTable(costs: readonly OverlayCost[]): string {
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const p = (values: number[], q: number) =>
    sorted(values)[Math.min(values.length - 1, Math.floor(q * values.length))];
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const lines = [
    '| PNG zlib level | overlays | wall ms p50 | wall ms p95 | process CPU ms mean (all threads) | PNG KiB mean |',
    '| -------------: | -------: | ----------: | ----------: | --------------------------------: | -----------: |',
  ];
  for (const level of OVERLAY_LEVELS) {
    const rows = costs.filter((cost) => cost.compressionLevel === level);
    const wall = rows.map((row) => row.wallMs);
    const cpu = rows.map((row) => row.cpuMs);
    lines.push(
      `| ${level} | ${rows.length} | ${p(wall, 0.5).toFixed(1)} | ${p(wall, 0.95).toFixed(1)} | ${mean(cpu).toFixed(1)} | ${(mean(rows.map((row) => row.bytes)) / 1024).toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

function accuracyOf(predicted: readonly number[], samples: readonly Sample[]): string {
  const labels = samples.map((sample) => (isDefect(sample) ? 1 : 0));
  const correct = predicted.filter((value, index) => value === labels[index]).length;
  const defects = labels.filter((label) => label === 1).length;
  const found = predicted.filter((value, index) => value === 1 && labels[index] === 1).length;
  const falseAlarms = predicted.filter((value, index) => value === 1 && labels[index] === 0).length;
  return (
    `accuracy ${((100 * correct) / samples.length).toFixed(1)}% (${correct}/${samples.length}), ` +
    `defect recall ${((100 * found) / defects).toFixed(1)}%, false alarms ${falseAlarms}/${samples.length - defects}`
  );
}

/** Indices of the defect test images, at most `perClass` of each defect type (0 = all). */
function defectTestIndices(test: readonly Sample[], perClass: number): number[] {
  const taken = new Map<string, number>();
  return test.flatMap((sample, index) => {
    const count = taken.get(sample.className) ?? 0;
    if (!isDefect(sample) || (perClass > 0 && count >= perClass)) return [];
    taken.set(sample.className, count + 1);
    return [index];
  });
}

async function main(): Promise<void> {
  const flags = parseBenchFlags(process.argv.slice(2));
  if (flags === 'help') {
    log(USAGE);
    return;
  }
  const started = Date.now();
  const datasets = path.resolve(findRepoRoot(__dirname), '..', 'shared', 'datasets');
  const backend = await initBackend({ preferred: flags.backend, logger: () => undefined });
  log(
    `backend ${backend.name} (${backend.threads} thread${backend.threads === 1 ? '' : 's'}); flags ${JSON.stringify(flags)}`,
  );

  const spec: PreprocessSpec = {
    inputSize: [flags.size, flags.size],
    resize: flags.resize,
    normalization: preprocessingFamilyOf(flags.arch),
  };
  const split = await splitTiles(path.join(datasets, 'magnetic-tile'), flags.seed);
  const loading = Date.now();
  const trainPixels = await loadResized(split.train, spec);
  const testPixels = await loadResized(split.test, spec);
  const validationPixels = await loadResized(split.validation, spec);
  log(
    `images: train ${split.train.length} (${split.train.filter(isDefect).length} defect), validation ` +
      `${split.validation.length}, test ${split.test.length} (${split.test.filter(isDefect).length} defect); ` +
      `decoded and resized in ${seconds(loading)}`,
  );

  const model = buildClassifier(flags);
  const training = Date.now();
  trainClassifier(
    model,
    trainPixels,
    split.train.map((sample) => (isDefect(sample) ? 1 : 0)),
    spec,
    { ...flags, log },
  );
  log(`trained ${model.name} in ${seconds(training)}`);
  log(
    `validation: ${accuracyOf(predictClasses(model, validationPixels, spec, flags.batch), split.validation)}`,
  );
  const testPredicted = predictClasses(model, testPixels, spec, flags.batch);
  log(`test: ${accuracyOf(testPredicted, split.test)}`);

  const explaining = Date.now();
  const chosen = defectTestIndices(split.test, flags.limit);
  const outcomes = flags.explainers.map(() => [] as ImageOutcome[]);
  const targets = flags.explainers.map(explainerName);
  const serving = compileForServing(model);
  const overlays: OverlayCost[] = [];
  for (const index of chosen) {
    const sample = split.test[index];
    const truth = await truthOf(sample, path.join(datasets, 'magnetic-tile-masks'));
    const image = batchTensor(testPixels, [index], spec);
    for (const [which, explainer] of flags.explainers.entries()) {
      const { heatmap, target } = explainDefect(model, serving, image, explainer);
      targets[which] = target;
      const detected = testPredicted[index] === DEFECT;
      outcomes[which].push(scorePeak(heatmap, truth, sample.className, detected, spec, flags.tolerance));
      if (explainer.method === 'cam')
        for (const level of OVERLAY_LEVELS) overlays.push(await overlayCost(sample, heatmap, spec, level));
    }
    image.dispose();
  }
  serving.dispose();
  log(
    `explained ${chosen.length} defect test images ${flags.explainers.length} way(s) in ${seconds(explaining)}`,
  );
  flags.explainers.forEach((_, which) => {
    log('');
    log(`${targets[which]}; peak on the defect mask, or within ${flags.tolerance} px of it:`);
    log(hitRateTable(outcomes[which], flags.tolerance));
  });
  if (overlays.length > 0) {
    log('');
    log('the overlay PNG a flagged CAM verdict now renders on the hot path (original image, sharp):');
    log(overlayTable(overlays));
  }
  log('');
  log(`total ${seconds(started)}; tensors left ${tf.memory().numTensors}`);
  model.dispose();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
