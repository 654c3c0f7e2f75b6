import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { nextInitSeed } from './kernel.initializers';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Kwargs = Parameters<tfl.layers.Layer['call']>[1];
type Shape = tfl.Shape;

/** DeiT / timm initialise tokens and position embeddings with a truncated normal of std 0.02. */
const EMBEDDING_STD = 0.02;

function singleShape(inputShape: Shape | Shape[]): Shape {
  const isList = Array.isArray(inputShape[0]);
  return isList ? (inputShape as Shape[])[0] : (inputShape as Shape);
}

function singleTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

function knownDim(shape: Shape, axis: number, what: string): number {
  const value = shape[axis];
  if (value == null) {
    throw new Error(`${what}: dimension ${axis} of [${shape.join(', ')}] must be known`);
  }
  return value;
}

function embeddingInitializer(): ReturnType<typeof tfl.initializers.truncatedNormal> {
  return tfl.initializers.truncatedNormal({ mean: 0, stddev: EMBEDDING_STD, seed: nextInitSeed() });
}

export interface PrependTokensArgs extends LayerArgs {
  /** 1: class token; 2: class and distillation tokens (DeiT). */
  numTokens: number;
}

/** Prepends learned tokens ([class, distillation]) to a [batch, tokens, dim] sequence. */
export class PrependTokens extends tfl.layers.Layer {
  static className = 'PrependTokens';
  readonly numTokens: number;
  private tokens: tfl.LayerVariable | null = null;

  constructor(args: PrependTokensArgs) {
    super(args);
    this.numTokens = args.numTokens;
  }

  override build(inputShape: Shape | Shape[]): void {
    const dim = knownDim(singleShape(inputShape), 2, this.name);
    this.tokens = this.addWeight('tokens', [1, this.numTokens, dim], 'float32', embeddingInitializer());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [batch, length, dim] = singleShape(inputShape);
    return [batch, length == null ? null : length + this.numTokens, dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs);
      const tokens = tf.tile(this.weightOrThrow().read(), [x.shape[0], 1, 1]);
      return tf.concat([tokens, x], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numTokens: this.numTokens };
  }

  private weightOrThrow(): tfl.LayerVariable {
    if (this.tokens === null) throw new Error(`${this.name} is not built`);
    return this.tokens;
  }
}

/** Adds a learned position embedding of shape [1, tokens, dim]. */
export class PositionEmbedding extends tfl.layers.Layer {
  static className = 'PositionEmbedding';
  private embedding: tfl.LayerVariable | null = null;

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const tokens = knownDim(shape, 1, this.name);
    const dim = knownDim(shape, 2, this.name);
    this.embedding = this.addWeight('pos_embed', [1, tokens, dim], 'float32', embeddingInitializer());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    if (this.embedding === null) throw new Error(`${this.name} is not built`);
    const embedding = this.embedding.read();
    return tf.tidy(() => tf.add(singleTensor(inputs), embedding));
  }
}

export interface SelfAttentionArgs extends LayerArgs {
  numHeads: number;
}

/**
 * Multi-head scaled dot-product attention on a packed [batch, tokens, 3 * dim] query/key/value tensor (the output
 * of one `qkv` dense layer). Weight-free, so the projections stay plain dense layers the serving graph can fuse.
 */
export class MultiHeadSelfAttention extends tfl.layers.Layer {
  static className = 'MultiHeadSelfAttention';
  readonly numHeads: number;

  constructor(args: SelfAttentionArgs) {
    super(args);
    this.numHeads = args.numHeads;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [batch, tokens, packed] = singleShape(inputShape);
    return [batch, tokens, packed == null ? null : packed / 3];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const qkv = singleTensor(inputs);
      const [batch, tokens, packed] = qkv.shape;
      const dim = packed / 3;
      const headDim = dim / this.numHeads;
      const toHeads = (t: tf.Tensor): tf.Tensor =>
        tf.transpose(tf.reshape(t, [batch, tokens, this.numHeads, headDim]), [0, 2, 1, 3]);
      const [q, k, v] = tf.split(qkv, 3, 2).map(toHeads);
      const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(headDim)), k, false, true);
      const context = tf.matMul(tf.softmax(scores), v);
      return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, tokens, dim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads };
  }
}

export interface TokenSelectArgs extends LayerArgs {
  index: number;
}

/** Picks one token of a [batch, tokens, dim] sequence: [batch, dim]. */
export class TokenSelect extends tfl.layers.Layer {
  static className = 'TokenSelect';
  readonly index: number;

  constructor(args: TokenSelectArgs) {
    super(args);
    this.index = args.index;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [batch, , dim] = singleShape(inputShape);
    return [batch, dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs);
      const [batch, , dim] = x.shape;
      return tf.reshape(tf.slice(x, [0, this.index, 0], [batch, 1, dim]), [batch, dim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), index: this.index };
  }
}

tf.serialization.registerClass(PrependTokens);
tf.serialization.registerClass(PositionEmbedding);
tf.serialization.registerClass(MultiHeadSelfAttention);
tf.serialization.registerClass(TokenSelect);
