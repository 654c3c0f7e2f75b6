import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@linescope/training/random';
import { greedyCoreset } from './coreset';
import { type PatchGrid } from './patch-features';

export interface PatchCoreOptions {
  /** Share of all good patches kept in the memory bank (the paper: 1–25%; 10% on MVTec). */
  coresetRatio: number;
  /** Upper bound on the bank, whatever the ratio: what an exact search at line speed affords on a CPU. */
  maxBankSize: number;
  /** Random projection used only to choose the coreset (the paper's Johnson–Lindenstrauss trick). */
  projectionDimensions: number;
  /** b in the paper's reweighting: bank neighbours of the nearest bank patch that the score is weighed against. */
  reweightNeighbours: number;
  seed: number;
}

export const PATCHCORE_DEFAULTS: PatchCoreOptions = {
  coresetRatio: 0.1,
  maxBankSize: 16_384,
  projectionDimensions: 128,
  reweightNeighbours: 9,
  seed: 1,
};

/**
 * PatchCore (Roth et al., "Towards Total Recall in Industrial Anomaly Detection", CVPR 2022): a memory bank of good
 * patch features, sub-sampled by a greedy coreset so it covers the good patches with few vectors; a patch's score is
 * its distance to the nearest bank vector, and the image's score is its worst patch's, reweighed by how isolated
 * that nearest bank vector is. Position-free, so it also suits parts that move in the frame.
 */
export interface PatchCoreModel {
  kind: 'patchcore';
  grid: Omit<PatchGrid, 'count'>;
  /** [bankSize, depth]. */
  bank: Float32Array;
  bankSize: number;
  reweightNeighbours: number;
}

export interface PatchCoreScores {
  /** Distance of each patch to its nearest bank vector: [count, height, width]. */
  patches: tf.Tensor3D;
  /** The reweighed image scores. */
  images: Float32Array;
}

export function fitPatchCore(features: tf.Tensor4D, options: Partial<PatchCoreOptions> = {}): PatchCoreModel {
  const settings = { ...PATCHCORE_DEFAULTS, ...options };
  const [count, height, width, depth] = features.shape;
  const total = count * height * width;
  const target = Math.max(1, Math.min(settings.maxBankSize, Math.round(total * settings.coresetRatio)));
  const patches = tf.tidy(() => tf.reshape(features, [total, depth]));
  const dimensions = Math.min(depth, settings.projectionDimensions);
  const projected = tf.tidy(() => {
    const rng = createRng(settings.seed);
    const projection = Float32Array.from({ length: depth * dimensions }, () => rng.normal(0, 1));
    return tf.matMul(patches, tf.tensor2d(projection, [depth, dimensions]));
  });
  const chosen = greedyCoreset(
    projected.dataSync() as Float32Array,
    dimensions,
    target,
    createRng(settings.seed + 1).int(total),
  );
  projected.dispose();
  const bank = tf.tidy(() => tf.gather(patches, tf.tensor1d(chosen, 'int32')));
  const model: PatchCoreModel = {
    kind: 'patchcore',
    grid: { height, width, depth },
    bank: Float32Array.from(bank.dataSync()),
    bankSize: chosen.length,
    reweightNeighbours: settings.reweightNeighbours,
  };
  bank.dispose();
  patches.dispose();
  return model;
}

/** Squared euclidean distances between the rows of `a` [n, d] and `b` [m, d]: [n, m], clipped at 0. */
function squaredDistances(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() =>
    tf.relu(
      tf.add<tf.Tensor2D>(
        tf.sub(tf.sum(tf.square(a), 1, true), tf.mul(2, tf.matMul(a, b, false, true))),
        tf.reshape(tf.sum(tf.square(b), 1), [1, -1]),
      ),
    ),
  );
}

export function scorePatchCore(model: PatchCoreModel, features: tf.Tensor4D): PatchCoreScores {
  const [count, height, width, depth] = features.shape;
  const { grid } = model;
  if (height !== grid.height || width !== grid.width || depth !== grid.depth) {
    throw new RangeError(
      `features are ${height}x${width}x${depth}, the model was fitted on ${grid.height}x${grid.width}x${grid.depth}`,
    );
  }
  const perImage = height * width;
  const bank = tf.tensor2d(model.bank, [model.bankSize, depth]);
  const images = new Float32Array(count);
  const patchScores = new Float32Array(count * perImage);
  try {
    for (let image = 0; image < count; image++) {
      const [nearestDistance, nearestIndex] = tf.tidy((): [tf.Tensor, tf.Tensor] => {
        const patches = tf.reshape<tf.Rank.R2>(
          tf.slice(features, [image, 0, 0, 0], [1, height, width, depth]),
          [perImage, depth],
        );
        const distances = squaredDistances(patches, bank);
        return [tf.sqrt(tf.min(distances, 1)), tf.argMin(distances, 1)];
      });
      const distances = nearestDistance.dataSync() as Float32Array;
      const indices = nearestIndex.dataSync() as Int32Array;
      nearestDistance.dispose();
      nearestIndex.dispose();
      patchScores.set(distances, image * perImage);
      let worst = 0;
      for (let patch = 1; patch < perImage; patch++) if (distances[patch] > distances[worst]) worst = patch;
      images[image] = reweighed(model, bank, features, image, worst, indices[worst], distances[worst]);
    }
  } finally {
    bank.dispose();
  }
  return { patches: tf.tensor3d(patchScores, [count, height, width]), images };
}

/**
 * The paper's eq. 7: s = (1 − exp‖m_test − m*‖ / Σ_{m ∈ N_b(m*)} exp‖m_test − m‖) · s*, where N_b(m*) are the b
 * bank vectors nearest to m* (m* itself included, as in anomalib). A worst patch whose nearest good patch sits in a
 * dense cluster of good patches counts a little less than one whose nearest good patch is itself rare.
 */
function reweighed(
  model: PatchCoreModel,
  bank: tf.Tensor2D,
  features: tf.Tensor4D,
  image: number,
  patch: number,
  nearest: number,
  score: number,
): number {
  const neighbours = Math.min(model.reweightNeighbours, model.bankSize);
  if (neighbours < 2) return score;
  const weight = tf.tidy(() => {
    const [, , width, depth] = features.shape;
    const row = Math.floor(patch / width);
    const column = patch % width;
    const testPatch = tf.reshape<tf.Rank.R2>(tf.slice(features, [image, row, column, 0], [1, 1, 1, depth]), [
      1,
      depth,
    ]);
    const anchor = tf.slice(bank, [nearest, 0], [1, depth]);
    const support = tf.topk(tf.neg(squaredDistances(anchor, bank)), neighbours).indices;
    const toSupport = tf.sqrt(
      squaredDistances(testPatch, tf.gather<tf.Tensor2D>(bank, tf.reshape(support, [-1]))),
    );
    // Softmax over the support distances; support[0] is m* itself (distance 0 to the anchor).
    return 1 - tf.softmax(toSupport).dataSync()[0];
  });
  return weight * score;
}
