import * as tf from '@tensorflow/tfjs-core';
import { initializers, InputSpec, layers, type LayerVariable } from '@tensorflow/tfjs-layers';

import { batchNormTraining } from './batch-norm.op';

type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
type Shape = (number | null)[];

export interface FastBatchNormArgs extends LayerArgs {
  /** Moving-average momentum, as in Keras: `moving = moving * momentum + batch * (1 - momentum)`. */
  momentum?: number;
  /** Added to the variance before the square root. */
  epsilon?: number;
}

const DEFAULT_MOMENTUM = 0.99;
const DEFAULT_EPSILON = 1e-3;

/**
 * Drop-in replacement for `tf.layers.batchNormalization({ axis: -1 })` with a fast training gradient.
 *
 * Same weights, in the same order and with the same names as Keras `BatchNormalization`
 * (`gamma`, `beta`, `moving_mean`, `moving_variance`), so Keras / tfjs weights load into it.
 * Training mode normalises with the batch statistics through one custom-gradient op and updates the moving
 * averages exactly as tfjs-layers does (biased batch variance); inference mode uses the moving statistics.
 * A frozen layer (`trainable = false`) always runs in inference mode, as Keras does since TF 2.0: fine-tuning on
 * top of a frozen pretrained backbone must neither overwrite its moving statistics nor normalise with the batch's
 * (tfjs-layers' own BatchNormalization does both).
 */
export class FastBatchNorm extends layers.Layer {
  static className = 'FastBatchNorm';

  /** Writable so that a fine-tune can make a pretrained model's slow moving averages follow its new data. */
  momentum: number;
  readonly epsilon: number;

  private gamma?: LayerVariable;
  private beta?: LayerVariable;
  private movingMean?: LayerVariable;
  private movingVariance?: LayerVariable;

  constructor(args: FastBatchNormArgs = {}) {
    super(args);
    this.supportsMasking = true;
    this.momentum = args.momentum ?? DEFAULT_MOMENTUM;
    this.epsilon = args.epsilon ?? DEFAULT_EPSILON;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const channelAxis = shape.length - 1;
    const channels = shape[channelAxis];
    if (shape.length < 2 || channels === null) {
      throw new Error(
        `FastBatchNorm needs a rank >= 2 input with a known channel count, got ${JSON.stringify(shape)}`,
      );
    }
    this.inputSpec = [new InputSpec({ ndim: shape.length, axes: { [channelAxis]: channels } })];
    this.gamma = this.addWeight('gamma', [channels], 'float32', initializers.ones(), undefined, true);
    this.beta = this.addWeight('beta', [channels], 'float32', initializers.zeros(), undefined, true);
    this.movingMean = this.addWeight(
      'moving_mean',
      [channels],
      'float32',
      initializers.zeros(),
      undefined,
      false,
    );
    this.movingVariance = this.addWeight(
      'moving_variance',
      [channels],
      'float32',
      initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const { gamma, beta, movingMean, movingVariance } = this.builtWeights();
    const input = Array.isArray(inputs) ? singleTensor(inputs) : inputs;
    const training = kwargs['training'] === true && !this.frozen(gamma, beta);
    return tf.tidy(() => {
      if (!training) {
        return tf.batchNorm(
          input,
          movingMean.read(),
          movingVariance.read(),
          beta.read(),
          gamma.read(),
          this.epsilon,
        );
      }
      const { output, mean, variance } = batchNormTraining(
        input,
        gamma.read() as tf.Tensor1D,
        beta.read() as tf.Tensor1D,
        this.epsilon,
      );
      updateMovingAverage(movingMean, mean, this.momentum);
      updateMovingAverage(movingVariance, variance, this.momentum);
      return output;
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }

  /**
   * `layer.trainable = false` marks the layer; a frozen parent model (`model.trainable = false`) only marks the
   * layers' weights, so a layer whose gamma and beta are both frozen counts as frozen too.
   */
  private frozen(gamma: LayerVariable, beta: LayerVariable): boolean {
    return !this.trainable || (!gamma.trainable && !beta.trainable);
  }

  private builtWeights(): Record<'gamma' | 'beta' | 'movingMean' | 'movingVariance', LayerVariable> {
    const { gamma, beta, movingMean, movingVariance } = this;
    if (!gamma || !beta || !movingMean || !movingVariance) {
      throw new Error(`FastBatchNorm '${this.name}' was called before it was built`);
    }
    return { gamma, beta, movingMean, movingVariance };
  }
}

tf.serialization.registerClass(FastBatchNorm);

/** Same arithmetic, in the same order, as tfjs-layers' BatchNormalization, so both update identically. */
function updateMovingAverage(variable: LayerVariable, batchValue: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = variable.read();
    variable.write(tf.sub(current, tf.mul(tf.sub(current, batchValue), 1 - momentum)));
  });
}

function singleShape(inputShape: Shape | Shape[]): Shape {
  if (inputShape.length > 0 && Array.isArray(inputShape[0])) {
    const shapes = inputShape as Shape[];
    if (shapes.length !== 1) {
      throw new Error(`FastBatchNorm expects one input, got ${shapes.length}`);
    }
    return shapes[0];
  }
  return inputShape as Shape;
}

function singleTensor(inputs: tf.Tensor[]): tf.Tensor {
  if (inputs.length !== 1) {
    throw new Error(`FastBatchNorm expects one input, got ${inputs.length}`);
  }
  return inputs[0];
}
