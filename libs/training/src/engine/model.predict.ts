import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { predictLogits } from '@linescope/vision/models';
import { accuracy, argmaxRows } from '../metrics/classification.metrics';
import { logLoss } from '../metrics/log-loss.metrics';
import { rocAuc } from '../metrics/ranking.metrics';
import { chunkBatches, normalizedBatch, type BatchSource } from './batch.pipeline';
import { yieldToEventLoop } from './training.step';

/**
 * Class probabilities in inference mode, exactly as the inference service computes them: cached pixels through
 * `normalizePixels`, the zoo's `predictLogits` (DeiT heads averaged), softmax.
 */
export async function predictProbabilities(
  model: tfl.LayersModel,
  source: BatchSource,
  indices: readonly number[],
  batchSize: number,
): Promise<number[][]> {
  const rows: number[][] = [];
  for (const batch of chunkBatchesKeepAll(indices, batchSize)) {
    const inputs = normalizedBatch(source.cache, batch, source.normalization);
    const probabilities = tf.tidy(() => tf.softmax(predictLogits(model, inputs)));
    const values = await probabilities.array();
    tf.dispose([inputs, probabilities]);
    rows.push(...values);
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
