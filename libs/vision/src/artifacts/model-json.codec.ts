import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { ModelArtifactError } from './model-artifact.error';

/** File names used for every model written by this module. */
export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Copies a Buffer's bytes into a standalone ArrayBuffer (a Buffer may be a view into a shared pool). */
export function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}

export interface EncodedModel {
  modelJson: Buffer;
  weights: Buffer;
}

/**
 * Serialises what `LayersModel.save` hands to an IOHandler into the standard tfjs layout: `model.json` with a
 * single weight group pointing at `weightsFile`, plus the weight bytes.
 */
export function encodeModelArtifacts(
  artifacts: tf.io.ModelArtifacts,
  weightsFile = WEIGHTS_FILE,
): EncodedModel {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new ModelArtifactError('invalid_model_json', 'only JSON (layers) model topologies are supported');
  }
  const weightSpecs = artifacts.weightSpecs ?? [];
  const weights = Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    trainingConfig: artifacts.trainingConfig,
    signature: artifacts.signature,
    userDefinedMetadata: artifacts.userDefinedMetadata,
    modelInitializer: artifacts.modelInitializer,
    initializerSignature: artifacts.initializerSignature,
    weightsManifest: [{ paths: [weightsFile], weights: weightSpecs }],
  };
  return { modelJson: Buffer.from(JSON.stringify(modelJson), 'utf8'), weights };
}

/** Parses `model.json`, checking the parts this module relies on. */
export function parseModelJson(bytes: Buffer, where: string): tf.io.ModelJSON {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ModelArtifactError('invalid_model_json', `${where}: model.json is not valid JSON`, {
      cause: error,
    });
  }
  const candidate = parsed as Partial<tf.io.ModelJSON> | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.modelTopology !== 'object') {
    throw new ModelArtifactError('invalid_model_json', `${where}: model.json has no modelTopology`);
  }
  const manifest: unknown = candidate.weightsManifest;
  const validManifest =
    Array.isArray(manifest) &&
    manifest.every(
      (group: Partial<tf.io.WeightsManifestConfig[number]> | null) =>
        typeof group === 'object' &&
        group !== null &&
        Array.isArray(group.paths) &&
        group.paths.every((entry: unknown) => typeof entry === 'string') &&
        Array.isArray(group.weights),
    );
  if (!validManifest) {
    throw new ModelArtifactError('invalid_model_json', `${where}: model.json has no valid weightsManifest`);
  }
  return candidate as tf.io.ModelJSON;
}

/** Weight file paths in the order tfjs concatenates them: group by group, path by path. */
export function weightPaths(modelJson: tf.io.ModelJSON): string[] {
  return modelJson.weightsManifest.flatMap((group) => group.paths);
}

const STORED_BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Bytes the specs describe, or null when a string weight makes the size data-dependent. */
function describedWeightBytes(specs: readonly tf.io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const spec of specs) {
    const storedType = spec.quantization?.dtype ?? spec.dtype;
    const bytesPerElement = STORED_BYTES_PER_ELEMENT[storedType];
    if (bytesPerElement === undefined) return null;
    total += spec.shape.reduce((product, dim) => product * dim, 1) * bytesPerElement;
  }
  return total;
}

/**
 * Builds `ModelArtifacts` from a parsed model.json, reading each weight file through `readWeightFile`
 * (which is where callers check paths and checksums). Weight files whose total size differs from what the
 * specs describe are rejected here rather than failing later inside tfjs with a less useful message.
 */
export async function decodeModelArtifacts(
  modelJson: tf.io.ModelJSON,
  readWeightFile: (path: string) => Promise<Buffer>,
  where: string,
): Promise<tf.io.ModelArtifacts> {
  return tf.io.getModelArtifactsForJSON(modelJson, async (weightsManifest) => {
    const shards: ArrayBuffer[] = [];
    for (const path of weightsManifest.flatMap((group) => group.paths)) {
      shards.push(toArrayBuffer(await readWeightFile(path)));
    }
    const specs = tf.io.getWeightSpecs(weightsManifest);
    const described = describedWeightBytes(specs);
    const actual = shards.reduce((sum, shard) => sum + shard.byteLength, 0);
    if (described !== null && described !== actual) {
      throw new ModelArtifactError(
        'invalid_model_json',
        `${where}: weight files hold ${actual} bytes but model.json describes ${described}`,
      );
    }
    return [specs, shards.length === 1 ? shards[0] : shards];
  });
}
