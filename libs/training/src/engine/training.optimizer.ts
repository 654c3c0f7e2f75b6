import * as tf from '@tensorflow/tfjs-core';
import { type LayerVariable } from '@tensorflow/tfjs-layers';
import { type OptimizerKind, type TrainingConfig } from './training.config';

/** A tensor with its name, as tfjs optimizers' getWeights / setWeights exchange them. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface OptimizerSettings {
  kind: OptimizerKind;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

export function optimizerSettingsOf(config: TrainingConfig): OptimizerSettings {
  return { ...config.optimizer, weightDecay: config.weightDecay };
}

/**
 * A tfjs optimizer (sgd / momentum / adam) with the learning rate set per step and weight decay on kernels only.
 * AdamW is Adam plus decoupled decay: w <- w - lr * wd * w after the Adam update, on kernels; SGD and Adam get
 * classic L2 (wd * w added to the kernels' gradients). Biases, normalisation scales and offsets, class tokens and
 * position embeddings are never decayed.
 */
export interface TrainingOptimizer {
  readonly settings: OptimizerSettings;
  /** Applies one update with the given learning rate. Gradients are keyed by variable name; not disposed here. */
  apply(gradients: tf.NamedTensorMap, lr: number): void;
  /** Slots (momentum, Adam moments) and the iteration count, in tfjs' order. */
  getState(): Promise<NamedTensor[]>;
  setState(state: NamedTensor[]): Promise<void>;
  dispose(): void;
}

/** Weights that weight decay applies to: convolution and dense kernels (`kernel`, `depthwise_kernel`). */
export function isDecayedWeight(weight: Pick<LayerVariable, 'originalName'>): boolean {
  const last = weight.originalName.split('/').pop() ?? '';
  return /(^|_)kernel$/.test(last);
}

export function createTrainingOptimizer(
  settings: OptimizerSettings,
  trainableWeights: readonly LayerVariable[],
): TrainingOptimizer {
  const decayed = new Map(
    trainableWeights.filter(isDecayedWeight).map((w) => {
      const variable = w.read() as tf.Variable;
      return [variable.name, variable] as const;
    }),
  );
  const initialLr = 1e-3;
  const sgd =
    settings.kind === 'sgd'
      ? settings.momentum > 0
        ? tf.train.momentum(initialLr, settings.momentum, settings.nesterov)
        : tf.train.sgd(initialLr)
      : null;
  const adam =
    sgd === null ? tf.train.adam(initialLr, settings.beta1, settings.beta2, settings.epsilon) : null;
  const optimizer: tf.Optimizer = sgd ?? (adam as tf.Optimizer);
  const decoupled = settings.kind === 'adamw';
  const wd = settings.weightDecay;

  const setLr = (lr: number): void => {
    if (sgd) sgd.setLearningRate(lr);
    // tfjs' Adam reads this field on every update but has no setter.
    else (adam as unknown as { learningRate: number }).learningRate = lr;
  };

  return {
    settings,
    apply(gradients, lr) {
      setLr(lr);
      if (wd > 0 && !decoupled) {
        tf.tidy(() => {
          const withL2: tf.NamedTensorMap = {};
          for (const [name, gradient] of Object.entries(gradients)) {
            const variable = decayed.get(name);
            withL2[name] = variable ? tf.add(gradient, tf.mul(variable, wd)) : gradient;
          }
          optimizer.applyGradients(withL2);
        });
      } else {
        optimizer.applyGradients(gradients);
      }
      if (wd > 0 && decoupled) {
        tf.tidy(() => {
          for (const [name, variable] of decayed) {
            if (name in gradients) variable.assign(tf.mul(variable, 1 - lr * wd));
          }
        });
      }
    },
    getState: () => optimizer.getWeights(),
    setState: (state) => optimizer.setWeights(state),
    dispose: () => optimizer.dispose(),
  };
}

/** Scales the gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping. */
export function clipByGlobalNorm(
  gradients: tf.NamedTensorMap,
  maxNorm: number,
): { gradients: tf.NamedTensorMap; norm: number } {
  const normTensor = tf.tidy(() =>
    tf.sqrt(tf.addN(Object.values(gradients).map((g) => tf.sum(tf.square(g))))),
  );
  const norm = normTensor.dataSync()[0];
  normTensor.dispose();
  if (!(norm > maxNorm)) return { gradients, norm };
  const scale = maxNorm / (norm + 1e-6);
  const clipped: tf.NamedTensorMap = {};
  for (const [key, gradient] of Object.entries(gradients)) clipped[key] = tf.mul(gradient, scale);
  return { gradients: clipped, norm };
}
