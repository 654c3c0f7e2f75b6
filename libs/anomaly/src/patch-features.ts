import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Shape of a batch of patch features: `count` images, a `height` x `width` grid, `depth` values per patch. */
export interface PatchGrid {
  count: number;
  height: number;
  width: number;
  depth: number;
}

export class FeatureLayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureLayerError';
  }
}

/**
 * Patch features as PatchCore builds them (Roth et al. 2022, §3.1): the outputs of a few mid-level layers of a
 * pretrained CNN, each averaged over its 3x3 neighbourhood (so a patch sees a little context without the deep
 * layers' ImageNet bias), brought to the grid of the first (finest) layer by bilinear resizing, and concatenated
 * along the channels. PaDiM uses the same multi-layer concatenation without the neighbourhood average.
 */
export class PatchFeatureExtractor {
  private readonly extractor: tfl.LayersModel;
  readonly grid: Omit<PatchGrid, 'count'>;

  constructor(
    backbone: tfl.LayersModel,
    readonly layerNames: readonly string[],
    readonly neighbourhood = 3,
  ) {
    if (layerNames.length === 0) throw new FeatureLayerError('at least one feature layer is needed');
    const outputs = layerNames.map((name) => {
      let layer: tfl.layers.Layer;
      try {
        layer = backbone.getLayer(name);
      } catch {
        throw new FeatureLayerError(`${backbone.name} has no layer named ${name}`);
      }
      const output = layer.output;
      if (!(output instanceof tfl.SymbolicTensor) || output.shape.length !== 4) {
        throw new FeatureLayerError(`layer ${name} of ${backbone.name} does not output one feature map`);
      }
      return output;
    });
    this.extractor = tfl.model({ inputs: backbone.inputs, outputs, name: `${backbone.name}_patches` });
    const [first] = outputs;
    const height = first.shape[1];
    const width = first.shape[2];
    if (height === null || width === null) {
      throw new FeatureLayerError(`layer ${layerNames[0]} has no fixed spatial size`);
    }
    const depth = outputs.reduce((sum, output) => sum + (output.shape[3] ?? 0), 0);
    this.grid = { height, width, depth };
  }

  /** The input side the backbone expects, [height, width]. */
  get inputSize(): [number, number] {
    const shape = this.extractor.inputs[0].shape;
    return [shape[1] ?? 0, shape[2] ?? 0];
  }

  /** Patch features of a preprocessed batch, [count, height, width, depth]. The caller disposes the result. */
  extract(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const raw = this.extractor.predict(images);
      const maps = (Array.isArray(raw) ? raw : [raw]) as tf.Tensor4D[];
      const { height, width } = this.grid;
      const aligned = maps.map((map) => {
        const local = this.neighbourhood > 1 ? tf.avgPool(map, this.neighbourhood, 1, 'same') : map;
        return local.shape[1] === height && local.shape[2] === width
          ? local
          : tf.image.resizeBilinear(local, [height, width]);
      });
      return aligned.length === 1 ? aligned[0] : tf.concat(aligned, 3);
    });
  }
}
