import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { FsObjectStore } from '@linescope/storage';
import { manifestInput, predictValues, randomImages, tinyConvNet, withTempDir } from './artifacts.fixture';
import { DiskFolderModelHandler } from './disk-folder.io-handler';
import { ModelArtifactError } from './model-artifact.error';
import { saveModelArtifact } from './model-artifact.store';
import { loadFolderForImport } from './model-folder.import';
import { readFolderManifest } from './model-folder.manifest';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A folder as `npm run train` writes it: the object store's `models/<name>/`, on disk under `objects/`. */
async function savedFolder(dir: string): Promise<string> {
  const store = new FsObjectStore(dir);
  await store.init();
  const model = tinyConvNet({ seed: 4 });
  await saveModelArtifact(store, 'models/tiny/', model, manifestInput());
  model.dispose();
  return path.join(dir, 'objects', 'models', 'tiny');
}

async function failure(folder: string): Promise<ModelArtifactError> {
  const outcome = await loadFolderForImport(folder).then(
    ({ model }) => {
      model.dispose();
      return new Error('imported without error');
    },
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ModelArtifactError);
  return outcome as ModelArtifactError;
}

const editManifest = async (folder: string, edit: (manifest: Record<string, unknown>) => void) => {
  const file = path.join(folder, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
};

describe('loadFolderForImport', () => {
  it('loads a saved folder with its recorded digests, predicting as the saved model does', async () => {
    await withTempDir(async (dir) => {
      const folder = await savedFolder(dir);
      const { model, manifest, filesRecorded } = await loadFolderForImport(folder);
      const reference = tinyConvNet({ seed: 4 });
      const images = randomImages(2);
      expect(Array.from(predictValues(model, images))).toEqual(Array.from(predictValues(reference, images)));
      expect(filesRecorded).toBe(true);
      expect(manifest.classNames).toEqual(['ok', 'crack', 'blowhole']);
      tf.dispose([images]);
      model.dispose();
      reference.dispose();
    });
  });

  it('refuses a tampered weight file and a model.json the manifest does not describe', async () => {
    await withTempDir(async (dir) => {
      const folder = await savedFolder(dir);
      const weights = await readFile(path.join(folder, 'weights.bin'));
      weights[weights.length - 1] ^= 0xff;
      await writeFile(path.join(folder, 'weights.bin'), weights);
      const tampered = await failure(folder);
      expect(tampered.code).toBe('checksum_mismatch');
      expect(tampered.message).toMatch(/weights\.bin has sha256 [0-9a-f]{64}, the manifest recorded/);

      // The same bytes, reached through a link that leads out of the folder, are refused too.
      await writeFile(path.join(dir, 'outside.bin'), weights);
      await rm(path.join(folder, 'weights.bin'));
      await symlink(path.join(dir, 'outside.bin'), path.join(folder, 'weights.bin'));
      expect((await failure(folder)).message).toBe('weights.bin is a link that leads out of the folder');

      await writeFile(path.join(folder, 'model.json'), '{}');
      expect((await failure(folder)).message).toContain('model.json is 2 bytes');
    });
  });

  it('computes the digests when the manifest has none, and checks the shapes against it', async () => {
    await withTempDir(async (dir) => {
      const folder = await savedFolder(dir);
      const recorded = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8')) as {
        files: unknown;
      };
      await editManifest(folder, (manifest) => delete manifest.files);
      const { model, manifest, filesRecorded } = await loadFolderForImport(folder);
      model.dispose();
      expect(filesRecorded).toBe(false);
      expect(manifest.files).toEqual(recorded.files);

      await editManifest(folder, (manifest) => {
        manifest.classNames = ['ok', 'crack'];
        manifest.positiveClasses = ['crack'];
      });
      const mismatch = await failure(folder);
      expect(mismatch.code).toBe('model_mismatch');
      expect(mismatch.message).toContain('one unit per class (2)');
    });
  });

  it('imports a plain tfjs LayersModel folder beside a manifest written by hand, without digests', async () => {
    await withTempDir(async (dir) => {
      const model = tinyConvNet({ seed: 6 });
      await model.save(new DiskFolderModelHandler(dir));
      const input = manifestInput();
      await writeFile(
        path.join(dir, 'manifest.json'),
        JSON.stringify({ schemaVersion: 1, ...input, createdAt: '2026-01-05T10:00:00.000Z' }),
      );
      const imported = await loadFolderForImport(dir);
      expect(imported.filesRecorded).toBe(false);
      expect(imported.manifest.files.weights.map((file) => file.path)).toEqual(['weights.bin']);
      const images = randomImages(2);
      expect(Array.from(predictValues(imported.model, images))).toEqual(
        Array.from(predictValues(model, images)),
      );
      tf.dispose([images]);
      imported.model.dispose();
      model.dispose();
    });
  });

  it('says what is wrong with a missing or invalid manifest', async () => {
    await withTempDir(async (dir) => {
      const folder = await savedFolder(dir);
      await editManifest(folder, (manifest) => {
        manifest.inputSize = [8, 8];
      });
      await expect(readFolderManifest(folder)).rejects.toThrow(/inputSize: \[8, 8\] differs/);
      await writeFile(path.join(folder, 'manifest.json'), 'not json');
      await expect(readFolderManifest(folder)).rejects.toThrow('manifest.json is not valid JSON');
      await rm(path.join(folder, 'manifest.json'));
      expect((await failure(folder)).message).toBe('manifest.json is missing');
    });
  });
});
