import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { predictLogits } from '@linescope/vision/models';
import { scoreViews, type TestTimeView } from '@linescope/vision/test-time';
import { accuracy, argmaxRows } from '../metrics/classification.metrics';
import { logLoss } from '../metrics/log-loss.metrics';
import { rocAuc } from '../metrics/ranking.metrics';
import { chunkBatches, normalizedPixels, type BatchSource } from './batch.pipeline';
import { yieldToEventLoop } from './training.step';

/**
 * Class probabilities in inference mode, exactly as the inference service computes them: cached pixels through
 * `normalizePixels`, the zoo's `predictLogits` (DeiT heads averaged), softmax; with test-time views, the
 * probabilities of each image's views averaged (`scoreViews`, as the inference workers score them).
 * `batchSize` bounds the images of one forward pass, views included.
 */
export async function predictProbabilities(
  model: tfl.LayersModel,
  source: BatchSource,
  indices: readonly number[],
  batchSize: number,
  views: readonly TestTimeView[] = ['identity'],
): Promise<number[][]> {
  const rows: number[][] = [];
  const { height, width } = source.cache;
  const imagesPerPass = Math.max(1, Math.floor(batchSize / views.length));
  for (const batch of chunkBatchesKeepAll(indices, imagesPerPass)) {
    const pixels = normalizedPixels(source.cache, batch, source.normalization);
    const { probabilities, classes } = await scoreViews(
      pixels,
      batch.length,
      [height, width],
      views,
      async (inputs, n) => {
        const softmax = tf.tidy(() =>
          tf.softmax(predictLogits(model, tf.tensor4d(inputs, [n, height, width, 3]))),
        );
        try {
          return { probabilities: (await softmax.data()) as Float32Array, classes: softmax.shape[1] };
        } finally {
          softmax.dispose();
        }
      },
    );
    for (let i = 0; i < batch.length; i++)
      rows.push(Array.from(probabilities.subarray(i * classes, (i + 1) * classes)));
    await yieldToEventLoop();
  }
  return rows;
}

function chunkBatchesKeepAll(indices: readonly number[], size: number): number[][] {
  // Inference has no batch statistics: a single-image last batch is fine here.
  const batches = chunkBatches(indices, size);
  const covered = batches.reduce((n, b) => n + b.length, 0);
  if (covered < indices.length) batches.push(indices.slice(covered));
  return batches;
}

/** Which classes count as defect, and the defect score of a probability row (their summed probability). */
export interface DefectScoring {
  positive: boolean[];
}

export function defectScoring(
  classNames: readonly string[],
  positiveClasses: readonly string[],
): DefectScoring | null {
  const positive = classNames.map((name) => positiveClasses.includes(name));
  return positive.some(Boolean) && positive.some((p) => !p) ? { positive } : null;
}

export function defectScores(
  probabilities: readonly (readonly number[])[],
  scoring: DefectScoring,
): number[] {
  return probabilities.map((row) =>
    Math.min(
      1,
      Math.max(
        0,
        row.reduce((sum, p, c) => (scoring.positive[c] ? sum + p : sum), 0),
      ),
    ),
  );
}

export function defectLabels(labels: readonly number[], scoring: DefectScoring): number[] {
  return labels.map((label) => (scoring.positive[label] ? 1 : 0));
}

export interface SplitMetrics {
  loss: number;
  accuracy: number;
  rocAuc?: number;
}

/** Log loss, accuracy and (with an ok class and both kinds present) the defect score's ROC AUC. */
export function splitMetrics(
  probabilities: readonly (readonly number[])[],
  labels: readonly number[],
  scoring: DefectScoring | null,
): SplitMetrics {
  const finite = probabilities.every((row) => row.every(Number.isFinite));
  if (!finite) return { loss: Number.NaN, accuracy: accuracy(argmaxRows(probabilities), labels) };
  const metrics: SplitMetrics = {
    loss: logLoss(probabilities, labels),
    accuracy: accuracy(argmaxRows(probabilities), labels),
  };
  if (scoring) {
    const binary = defectLabels(labels, scoring);
    if (binary.includes(0) && binary.includes(1))
      metrics.rocAuc = rocAuc(defectScores(probabilities, scoring), binary);
  }
  return metrics;
}
