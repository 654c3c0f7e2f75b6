import * as tf from '@tensorflow/tfjs-core';

export interface CrossEntropyOptions {
  /** Targets become (1 - e) on the true class plus e / C everywhere. */
  labelSmoothing?: number;
  /** Per-class loss weights; the mean is then taken over the weights, so a uniform prediction still costs ln(C). */
  classWeights?: tf.Tensor1D | null;
}

/** Softmax cross-entropy of logits [N, C] against integer labels [N], averaged (weighted by class when asked). */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: CrossEntropyOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const smoothing = options.labelSmoothing ?? 0;
    let targets = tf.cast(tf.oneHot(tf.cast<tf.Tensor1D>(labels, 'int32'), numClasses), 'float32');
    if (smoothing > 0) targets = tf.add(tf.mul(targets, 1 - smoothing), smoothing / numClasses);
    const perSample = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1));
    const weights = options.classWeights;
    if (!weights) return tf.mean(perSample);
    const sampleWeights = tf.gather(weights, tf.cast(labels, 'int32'));
    return tf.div(tf.sum(tf.mul(perSample, sampleWeights)), tf.sum(sampleWeights));
  });
}

/**
 * KL(p || q) with p = softmax(teacher / tau) and q = softmax(student / tau), summed over classes and averaged
 * over the batch (PyTorch's reduction 'batchmean'); no tau^2 factor here.
 */
export function softTargetKl(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, tau: number): tf.Scalar {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(tf.div(teacherLogits, tau));
    const logQ = tf.logSoftmax(tf.div(studentLogits, tau));
    return tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), 1));
  });
}

/** Number of rows whose argmax is the label. */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'float32')));
}
