import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@linescope/vision/backend';
import { distillationLoss } from './distillation.loss';

beforeAll(() => initBackend({ preferred: 'wasm', logger: () => undefined }));

/**
 * One sample, three classes, worked by hand:
 *   class logits [2, 0, 0], true label 0:        CE = -ln(e^2 / (e^2 + 2)) = ln(1 + 2e^-2)      = 0.2395447662
 *   distillation logits [0, 1, 0]
 *   teacher logits [0, 0, 3] -> teacher label 2: CE(dist, 2) = -ln(1 / (e + 2)) = ln(e + 2)     = 1.5514447139
 *   hard = 0.5 * 0.2395447662 + 0.5 * 1.5514447139                                              = 0.8954947401
 * Soft with tau = 2, alpha = 0.5:
 *   p = softmax([0, 0, 1.5])  = [0.1542807730, 0.1542807730, 0.6914384540]
 *   q = softmax([0, 0.5, 0])  = [0.2740686191, 0.4518627619, 0.2740686191]
 *   KL(p || q) = sum p ln(p / q)                                                                 = 0.3854129286
 *   soft = (1 - 0.5) * 0.2395447662 + 0.5 * 2^2 * 0.3854129286                                   = 0.8905982403
 */
describe('distillationLoss', () => {
  const one = () => ({
    classLogits: tf.tensor2d([[2, 0, 0]]),
    distLogits: tf.tensor2d([[0, 1, 0]]),
    labels: tf.tensor1d([0], 'int32'),
    teacher: tf.tensor2d([[0, 0, 3]]),
  });

  it('hard: 0.5 CE(class, y) + 0.5 CE(distillation, argmax teacher), by hand', () => {
    const t = one();
    const loss = distillationLoss(t.classLogits, t.distLogits, t.labels, t.teacher, {
      mode: 'hard',
      alpha: 0.9,
      tau: 7,
    });
    // alpha and tau do not enter the hard variant.
    expect(loss.dataSync()[0]).toBeCloseTo(0.8954947401, 5);
    tf.dispose([loss, ...Object.values(t)]);
  });

  it('hard on a mixed image: the class head learns the mixed labels, the distillation head the teacher label', () => {
    // Label 0 weighs 0.75, label 1 0.25: CE(class, 1) = ln(e^2 + 2) = 2 + 0.2395447662, so the class term is
    // 0.75 * 0.2395447662 + 0.25 * 2.2395447662 = 0.7395447662; the teacher term is unchanged (1.5514447139).
    const t = one();
    const others = tf.tensor1d([1], 'int32');
    const loss = distillationLoss(t.classLogits, t.distLogits, t.labels, t.teacher, {
      mode: 'hard',
      alpha: 0.5,
      tau: 3,
      crossEntropy: { mix: { labels: others, weight: 0.75 } },
    });
    expect(loss.dataSync()[0]).toBeCloseTo(0.5 * 0.7395447662 + 0.5 * 1.5514447139, 5);
    tf.dispose([loss, others, ...Object.values(t)]);
  });

  it('soft: (1 - alpha) CE(class, y) + alpha tau^2 KL(teacher/tau || dist/tau), by hand', () => {
    const t = one();
    const loss = distillationLoss(t.classLogits, t.distLogits, t.labels, t.teacher, {
      mode: 'soft',
      alpha: 0.5,
      tau: 2,
    });
    expect(loss.dataSync()[0]).toBeCloseTo(0.8905982403, 5);
    tf.dispose([loss, ...Object.values(t)]);
  });

  it('soft with alpha 0 is the class cross-entropy alone, alpha 1 the scaled KL alone', () => {
    const t = one();
    const supervised = distillationLoss(t.classLogits, t.distLogits, t.labels, t.teacher, {
      mode: 'soft',
      alpha: 0,
      tau: 2,
    });
    const imitation = distillationLoss(t.classLogits, t.distLogits, t.labels, t.teacher, {
      mode: 'soft',
      alpha: 1,
      tau: 2,
    });
    expect(supervised.dataSync()[0]).toBeCloseTo(0.2395447662, 5);
    expect(imitation.dataSync()[0]).toBeCloseTo(4 * 0.3854129286, 5);
    tf.dispose([supervised, imitation, ...Object.values(t)]);
  });

  /**
   * Adds a second sample: class [0, 1, 0] with label 1, distillation [1, 0, 0], teacher [2, 0, 0] -> label 0.
   *   both of its cross-entropies are -ln(e / (e + 2)) = 0.5514447139
   *   hard = 0.5 * mean(0.2395447662, 0.5514447139) + 0.5 * mean(1.5514447139, 0.5514447139) = 0.7234697270
   */
  it('averages over the batch', () => {
    const loss = tf.tidy(() =>
      distillationLoss(
        tf.tensor2d([
          [2, 0, 0],
          [0, 1, 0],
        ]),
        tf.tensor2d([
          [0, 1, 0],
          [1, 0, 0],
        ]),
        tf.tensor1d([0, 1], 'int32'),
        tf.tensor2d([
          [0, 0, 3],
          [2, 0, 0],
        ]),
        { mode: 'hard', alpha: 0.5, tau: 1 },
      ),
    );
    expect(loss.dataSync()[0]).toBeCloseTo(0.723469727, 5);
    loss.dispose();
  });

  it('the soft imitation term is zero when the distillation head copies the teacher', () => {
    const loss = tf.tidy(() =>
      distillationLoss(
        tf.tensor2d([[0, 0, 0]]),
        tf.tensor2d([[1, -2, 0.5]]),
        tf.tensor1d([0], 'int32'),
        tf.tensor2d([[1, -2, 0.5]]),
        { mode: 'soft', alpha: 1, tau: 3 },
      ),
    );
    expect(loss.dataSync()[0]).toBeCloseTo(0, 6);
    loss.dispose();
  });
});
