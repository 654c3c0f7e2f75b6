import * as tf from '@tensorflow/tfjs-core';

export interface CrossEntropyOptions {
  /** Targets become (1 - e) on the true class plus e / C everywhere. */
  labelSmoothing?: number;
  /** Per-class loss weights; the mean is then taken over the weights, so a uniform prediction still costs ln(C). */
  classWeights?: tf.Tensor1D | null;
  /** Mixed targets: `weight` on the labels, 1 - weight on `labels` here; class weights are mixed alike. */
  mix?: { labels: tf.Tensor1D; weight: number };
}

/**
 * Softmax cross-entropy of logits [N, C] against integer labels [N] (or a mix of two labels per row), averaged
 * (weighted by class when asked).
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: CrossEntropyOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const smoothing = options.labelSmoothing ?? 0;
    const oneHot = (values: tf.Tensor1D) =>
      tf.cast(tf.oneHot(tf.cast<tf.Tensor1D>(values, 'int32'), numClasses), 'float32');
    const mix = options.mix;
    let targets = mix
      ? tf.add(tf.mul(oneHot(labels), mix.weight), tf.mul(oneHot(mix.labels), 1 - mix.weight))
      : oneHot(labels);
    if (smoothing > 0) targets = tf.add(tf.mul(targets, 1 - smoothing), smoothing / numClasses);
    const perSample = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1));
    const weights = options.classWeights;
    if (!weights) return tf.mean(perSample);
    const weightOf = (values: tf.Tensor1D) => tf.gather(weights, tf.cast(values, 'int32'));
    const sampleWeights = mix
      ? tf.add(tf.mul(weightOf(labels), mix.weight), tf.mul(weightOf(mix.labels), 1 - mix.weight))
      : weightOf(labels);
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
