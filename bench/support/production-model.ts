import { FsObjectStore } from '@linescope/storage';
import { modelVersionPrefix, saveModelArtifact } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { buildModel } from '@linescope/vision/models';
import { exportToOnnx, saveOnnxArtifact } from '@linescope/vision/onnx';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';

/**
 * Registers the default serving model — MobileNetV2-1.0 at 224x224, two classes, random He-initialised weights
 * (speed does not depend on the weights) — as the production version, in the filesystem store under `dataDir`.
 */
export async function registerProductionModel(databaseUrl: string, dataDir: string): Promise<string> {
  await initBackend({ preferred: 'wasm', logger: () => undefined });
  const id = randomUUID();
  const prefix = modelVersionPrefix(id);
  const spec = { arch: 'mobilenetv2' as const, alpha: 1 as const, inputSize: 224, numClasses: 2 };
  const model = buildModel(spec);
  const preprocessing = {
    inputSize: [224, 224] as [number, number],
    resize: 'squash' as const,
    normalization: 'mobilenet' as const,
  };
  const store = new FsObjectStore(path.join(dataDir, 'storage'));
  await store.init();
  // As the trainer does for every version: the ONNX export beside the TensorFlow.js artifact.
  const onnxKey = (await saveOnnxArtifact(store, prefix, exportToOnnx(model).bytes)).key;
  await saveModelArtifact(store, prefix, model, {
    onnxKey,
    architecture: spec,
    inputSize: [224, 224],
    preprocessing,
    classNames: ['defect', 'ok'],
    positiveClasses: ['defect'],
    operatingPoint: { threshold: 0.5, uncertainBand: { low: 0.4, high: 0.6 } },
    trainingConfig: {},
    metrics: {},
  });
  model.dispose();
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(
    `INSERT INTO model_versions (id, name, version, architecture, spec, input_height, input_width, class_names,
       preprocessing, artifact_key, onnx_key, stage, operating_threshold, uncertain_low, uncertain_high)
     VALUES ($1, 'bench-mobilenetv2', 1, 'mobilenetv2', $2, 224, 224, '["defect","ok"]', $3, $4, $5, 'production', 0.5, 0.4, 0.6)`,
    [id, JSON.stringify(spec), JSON.stringify(preprocessing), prefix, onnxKey],
  );
  await client.end();
  return 'MobileNetV2-1.0@224';
}
