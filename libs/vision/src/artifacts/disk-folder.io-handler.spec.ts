import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { predictValues, randomImages, tinyConvNet, withTempDir } from './artifacts.fixture';
import {
  DiskFolderModelHandler,
  importPretrainedBackbone,
  resolveInsideFolder,
} from './disk-folder.io-handler';
import { ModelArtifactError } from './model-artifact.error';

let model: tfl.LayersModel;
let images: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = tinyConvNet({ seed: 3 });
  images = randomImages(3);
});

afterAll(() => {
  model.dispose();
  images.dispose();
});

async function importError(directory: string): Promise<ModelArtifactError> {
  const outcome = await importPretrainedBackbone(directory).then(
    () => new Error('imported without error'),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ModelArtifactError);
  return outcome as ModelArtifactError;
}

/**
 * Rewrites a saved folder into the tensorflowjs-converter layout: two weight groups, the second split over two
 * extension-less shards (as in converted Keras models such as MobileNetV2).
 */
async function splitIntoConverterShards(directory: string): Promise<void> {
  const modelJson = JSON.parse(await readFile(path.join(directory, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const weights = await readFile(path.join(directory, 'weights.bin'));
  const specs = modelJson.weightsManifest[0].weights;
  const firstGroup = specs.slice(0, 2);
  const firstGroupBytes = firstGroup.reduce(
    (sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * 4,
    0,
  );
  const middle = firstGroupBytes + Math.floor((weights.length - firstGroupBytes) / 2);

  await writeFile(path.join(directory, 'group1-shard1of1'), weights.subarray(0, firstGroupBytes));
  await writeFile(path.join(directory, 'group2-shard1of2'), weights.subarray(firstGroupBytes, middle));
  await writeFile(path.join(directory, 'group2-shard2of2'), weights.subarray(middle));
  await rm(path.join(directory, 'weights.bin'));
  modelJson.weightsManifest = [
    { paths: ['group1-shard1of1'], weights: firstGroup },
    { paths: ['group2-shard1of2', 'group2-shard2of2'], weights: specs.slice(2) },
  ];
  await writeFile(path.join(directory, 'model.json'), JSON.stringify(modelJson));
}

describe('DiskFolderModelHandler / importPretrainedBackbone', () => {
  it('imports a folder written by model.save through the disk handler, with identical predictions', async () => {
    await withTempDir(async (directory) => {
      await model.save(new DiskFolderModelHandler(directory));
      expect(existsSync(path.join(directory, 'model.json'))).toBe(true);
      expect(existsSync(path.join(directory, 'weights.bin'))).toBe(true);

      const imported = await importPretrainedBackbone(directory);
      expect(imported.layers.map((layer) => layer.name)).toEqual(model.layers.map((layer) => layer.name));
      expect(Array.from(predictValues(imported, images))).toEqual(Array.from(predictValues(model, images)));
      imported.dispose();
    });
  });

  it('imports the converter layout: several groups and extension-less shards', async () => {
    await withTempDir(async (directory) => {
      await model.save(new DiskFolderModelHandler(directory));
      await splitIntoConverterShards(directory);
      const imported = await importPretrainedBackbone(directory);
      expect(Array.from(predictValues(imported, images))).toEqual(Array.from(predictValues(model, images)));
      imported.dispose();
    });
  });

  it('refuses a weight path that leaves the folder', async () => {
    await withTempDir(async (directory) => {
      await model.save(new DiskFolderModelHandler(path.join(directory, 'backbone')));
      const modelJsonPath = path.join(directory, 'backbone', 'model.json');
      const modelJson = JSON.parse(await readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      modelJson.weightsManifest[0].paths = ['../weights.bin'];
      await writeFile(
        path.join(directory, 'weights.bin'),
        await readFile(path.join(directory, 'backbone', 'weights.bin')),
      );
      await writeFile(modelJsonPath, JSON.stringify(modelJson));

      const error = await importError(path.join(directory, 'backbone'));
      expect(error.code).toBe('invalid_model_json');
      expect(error.message).toContain('leaves');
    });
  });

  it('reports a missing shard, a truncated shard and a missing folder clearly', async () => {
    await withTempDir(async (directory) => {
      await model.save(new DiskFolderModelHandler(directory));
      const weights = await readFile(path.join(directory, 'weights.bin'));
      await writeFile(path.join(directory, 'weights.bin'), weights.subarray(0, weights.length - 8));
      const truncated = await importError(directory);
      expect(truncated.code).toBe('invalid_model_json');
      expect(truncated.message).toMatch(/hold \d+ bytes but model.json describes \d+/);

      await rm(path.join(directory, 'weights.bin'));
      expect((await importError(directory)).code).toBe('missing_object');
      expect((await importError(path.join(directory, 'absent'))).code).toBe('missing_object');
    });
  });

  it('resolveInsideFolder accepts nested paths and rejects absolute ones', () => {
    expect(resolveInsideFolder('/models/a', 'shards/1.bin')).toBe(path.resolve('/models/a/shards/1.bin'));
    expect(() => resolveInsideFolder('/models/a', '/etc/passwd')).toThrow(ModelArtifactError);
    expect(() => resolveInsideFolder('/models/a', '../a-evil/x')).toThrow(ModelArtifactError);
  });
});
