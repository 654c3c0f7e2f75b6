import type * as tfl from '@tensorflow/tfjs-layers';

import { withInitSeeds } from './kernel.initializers';
import { buildMobileNetV2 } from './mobilenetv2.model';
import { DEFAULT_DROPOUT, DEFAULT_INIT, VIT_DEFAULTS, resolveInputSize } from './model.defaults';
import { type ModelSpec } from './model.types';
import { buildResNet } from './resnet.model';
import { buildViT } from './vit.model';

function checkCommon(spec: ModelSpec): void {
  if (!Number.isInteger(spec.numClasses) || spec.numClasses < 1) {
    throw new Error(`numClasses must be a positive integer, got ${spec.numClasses}`);
  }
  const dropout = spec.dropout ?? DEFAULT_DROPOUT;
  if (!(dropout >= 0 && dropout < 1)) {
    throw new Error(`dropout must be in [0, 1), got ${dropout}`);
  }
  if (spec.seed !== undefined && !Number.isSafeInteger(spec.seed)) {
    throw new Error(`seed must be an integer, got ${spec.seed}`);
  }
}

/** Builds a zoo model returning logits (no softmax): one output, or two for a ViT with a distillation token. */
export function buildModel(spec: ModelSpec): tfl.LayersModel {
  checkCommon(spec);
  return withInitSeeds(spec.seed, () => buildChecked(spec));
}

function buildChecked(spec: ModelSpec): tfl.LayersModel {
  const common = {
    inputSize: resolveInputSize(spec.inputSize, spec.arch),
    numClasses: spec.numClasses,
    dropout: spec.dropout ?? DEFAULT_DROPOUT,
    init: spec.init ?? DEFAULT_INIT,
  };
  switch (spec.arch) {
    case 'mobilenetv2': {
      const alpha = spec.alpha ?? 1.0;
      return buildMobileNetV2({ ...common, alpha, name: spec.name ?? `mobilenetv2_${alpha}` });
    }
    case 'resnet': {
      const residual = spec.residual ?? true;
      const name = spec.name ?? `${residual ? 'resnet' : 'plain'}${spec.depth}`;
      const pooling = spec.pooling ?? 'avg';
      return buildResNet({ ...common, depth: spec.depth, residual, width: spec.width ?? 64, pooling, name });
    }
    case 'vit':
      return buildViT({
        ...common,
        patchSize: spec.patchSize ?? VIT_DEFAULTS.patchSize,
        dim: spec.dim ?? VIT_DEFAULTS.dim,
        depth: spec.depth ?? VIT_DEFAULTS.depth,
        heads: spec.heads ?? VIT_DEFAULTS.heads,
        mlpRatio: spec.mlpRatio ?? VIT_DEFAULTS.mlpRatio,
        distillationToken: spec.distillationToken ?? false,
        name: spec.name ?? (spec.distillationToken ? 'deit_distilled' : 'vit'),
      });
  }
}
