import * as tfl from '@tensorflow/tfjs-layers';

import { transferWeightsByName, type TransferReport } from '../artifacts';

const POOLED_FEATURE_CLASSES = new Set(['GlobalAveragePooling2D', 'GlobalMaxPooling2D']);

/**
 * Name of the layer producing a CNN's pooled features: its last global pooling layer (the zoo's MobileNetV2:
 * `global_average_pooling2d`, ResNet: `avgpool`). Everything up to it is the backbone, everything after it the head.
 */
export function featureLayerName(model: tfl.LayersModel): string {
  const pooling = model.layers.filter((layer) => POOLED_FEATURE_CLASSES.has(layer.getClassName()));
  const last = pooling[pooling.length - 1];
  if (last === undefined) {
    throw new RangeError(`model ${model.name} has no global pooling layer to take features from`);
  }
  return last.name;
}

/** A model sharing `model`'s weights that outputs the features of `layerName` (default: the pooled features). */
export function featureExtractor(
  model: tfl.LayersModel,
  layerName: string = featureLayerName(model),
): tfl.LayersModel {
  const layer = model.getLayer(layerName);
  const output = layer.output;
  if (!(output instanceof tfl.SymbolicTensor)) {
    throw new RangeError(`layer ${layerName} of ${model.name} has more than one output`);
  }
  return tfl.model({ inputs: model.inputs, outputs: output, name: `${model.name}_features` });
}

export class BackboneTransferError extends Error {
  constructor(
    message: string,
    readonly report: TransferReport,
  ) {
    super(message);
    this.name = 'BackboneTransferError';
  }
}

/**
 * Copies `source`'s weights into `target` by layer name (`transferWeightsByName`) and insists that the whole
 * backbone came across: every weighted target layer up to `featureLayer` (default: the target's pooled-feature
 * layer) must be copied, while head layers after it may stay as initialised (e.g. a new number of classes).
 * A silently half-transferred backbone would train, just worse, so it is an error here (the layers that matched
 * have been copied by then: discard the target).
 */
export function transferBackbone(
  source: tfl.LayersModel,
  target: tfl.LayersModel,
  featureLayer: string = featureLayerName(target),
): TransferReport {
  const boundary = target.layers.findIndex((layer) => layer.name === featureLayer);
  if (boundary === -1) {
    throw new RangeError(`model ${target.name} has no layer named ${JSON.stringify(featureLayer)}`);
  }
  const backbone = new Set(target.layers.slice(0, boundary + 1).map((layer) => layer.name));
  const report = transferWeightsByName(source, target);
  const missed = report.skipped.filter((skip) => backbone.has(skip.layer));
  if (missed.length > 0) {
    const shown = missed
      .slice(0, 5)
      .map((skip) => `${skip.layer} (${skip.reason}: ${skip.detail})`)
      .join('; ');
    throw new BackboneTransferError(
      `${missed.length} backbone layer(s) of ${target.name} were not copied from ${source.name}: ${shown}${missed.length > 5 ? '; ...' : ''}`,
      report,
    );
  }
  return report;
}
