import { ExplainError } from './explain.error';
import { type ModelGraph } from './model.graph';

/** Layers that collapse a spatial feature map into a vector for the classifier. */
const SPATIAL_COLLAPSE_LAYERS: ReadonlySet<string> = new Set([
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Flatten',
]);

export interface TargetTensor {
  layerName: string;
  /** Symbolic id of the layer's output in the model graph. */
  tensorId: number;
}

/**
 * The Grad-CAM target: the named layer, or by default the layer whose 4-D output the last global pooling
 * (or flatten) reads — the last convolutional feature map, where the class evidence is most semantic and
 * still spatial.
 */
export function selectTargetLayer(graph: ModelGraph, layerName?: string): TargetTensor {
  return layerName === undefined ? lastPooledFeatureMap(graph) : namedFeatureMap(graph, layerName);
}

function lastPooledFeatureMap(graph: ModelGraph): TargetTensor {
  const collapse = graph.nodes.findLast(
    (node) =>
      SPATIAL_COLLAPSE_LAYERS.has(node.layer.getClassName()) &&
      node.inputIds.length === 1 &&
      graph.ranks.get(node.inputIds[0]) === 4,
  );
  if (collapse === undefined) {
    throw new ExplainError(
      'cnn_only',
      'Grad-CAM is for CNNs: the model pools no 4-D feature map into its classifier (a ViT has token ' +
        'sequences); use gradientTimesInput, or name a 4-D layer explicitly',
    );
  }
  const tensorId = collapse.inputIds[0];
  const producer = graph.nodes.find((node) => node.outputIds.includes(tensorId));
  if (producer === undefined) {
    throw new ExplainError(
      'cnn_only',
      'the pooled feature map is the model input itself; nothing to explain',
    );
  }
  return { layerName: producer.layer.name, tensorId };
}

function namedFeatureMap(graph: ModelGraph, layerName: string): TargetTensor {
  const nodes = graph.nodes.filter((node) => node.layer.name === layerName);
  if (nodes.length === 0) {
    throw new ExplainError('unknown_layer', `no layer named "${layerName}" in the model`);
  }
  if (nodes.length > 1 || nodes[0].outputIds.length !== 1) {
    throw new ExplainError(
      'unusable_layer',
      `layer "${layerName}" is applied ${nodes.length} times or has several outputs; Grad-CAM needs one feature map`,
    );
  }
  const tensorId = nodes[0].outputIds[0];
  const rank = graph.ranks.get(tensorId);
  if (rank !== 4) {
    throw new ExplainError(
      'unusable_layer',
      `layer "${layerName}" outputs a rank-${rank} tensor; Grad-CAM needs a 4-D feature map [batch, h, w, channels]`,
    );
  }
  return { layerName, tensorId };
}
