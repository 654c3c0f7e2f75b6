import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ModelVersionEntity, ProductionLineEntity } from '../../libs/db/src';
import { FsObjectStore } from '../../libs/storage/src';
import { modelVersionPrefix, saveModelArtifact } from '../../libs/vision/src/artifacts';
import { initBackend } from '../../libs/vision/src/backend';
import { buildModel, describeModel, type MobileNetV2Alpha } from '../../libs/vision/src/models';
import { quantizeOnnx } from '../../libs/vision/src/onnx/int8.quantize';
import { saveOnnxArtifact } from '../../libs/vision/src/onnx/onnx-artifact.store';
import { exportToOnnx } from '../../libs/vision/src/onnx/onnx.export';
import { type PreprocessSpec } from '../../libs/vision/src/preprocess';
import { prepareImage } from '../../apps/inference/src/scoring/image.prepare';
import { createMigratedDatabase } from '../../test/support/database';
import { freePort } from '../../test/support/ports';

/** The repository root: the nearest folder above this file holding package.json (from sources and from dist). */
export function findRepoRoot(start = __dirname): string {
  let dir = path.resolve(start);
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The same weights served three ways: TensorFlow.js, ONNX Runtime fp32, ONNX Runtime int8 (QDQ). */
export const BENCH_ENGINES = ['tfjs', 'onnx-fp32', 'onnx-int8'] as const;
export type BenchEngine = (typeof BENCH_ENGINES)[number];

export interface BenchDeployment {
  databaseUrl: string;
  dataDir: string;
  /** The production version (TensorFlow.js: it has no ONNX artifact). */
  modelVersionId: string;
  /** Per engine, the line whose override is the version that engine serves (`?lineId=`). */
  lines: Record<BenchEngine, string>;
  /** Multiply-adds x 2 of one image, from `describeModel`. */
  flopsPerImage: number;
  cleanup(): Promise<void>;
}

/**
 * A fresh database and filesystem store holding one model, MobileNetV2 with random He weights, as the trainer
 * would publish it (artifact + manifest in the store, a model_versions row), three times: the production version
 * without an ONNX artifact (TensorFlow.js), one with its fp32 ONNX export and one with the int8 quantisation of
 * it (calibrated on `calibrationImages`), each the override of its own line so one service serves all three.
 */
export async function deployBenchModel(options: {
  alpha: MobileNetV2Alpha;
  size: number;
  calibrationImages: Buffer[];
}): Promise<BenchDeployment> {
  const { db, dataSource } = await createMigratedDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-inference-bench-'));
  try {
    const store = new FsObjectStore(path.join(dataDir, 'storage'));
    await store.init();
    await initBackend({ preferred: 'wasm', logger: () => undefined });
    const spec = {
      arch: 'mobilenetv2' as const,
      alpha: options.alpha,
      numClasses: 2,
      inputSize: options.size,
    };
    const model = buildModel(spec);
    const preprocessing: PreprocessSpec = {
      inputSize: [options.size, options.size],
      resize: 'squash',
      normalization: 'mobilenet',
    };
    const flopsPerImage = describeModel(model).flopsPerImage;
    const fp32 = exportToOnnx(model).bytes;
    const calibration = await Promise.all(
      options.calibrationImages.map(async (bytes) => (await prepareImage(bytes, preprocessing)).input),
    );
    const int8 = await quantizeOnnx(fp32, calibration);
    const onnxBytes: Record<BenchEngine, Uint8Array | undefined> = {
      tfjs: undefined,
      'onnx-fp32': fp32,
      'onnx-int8': int8,
    };
    const versionIds = {} as Record<BenchEngine, string>;
    const lines = {} as Record<BenchEngine, string>;
    for (const [index, engine] of BENCH_ENGINES.entries()) {
      const id = randomUUID();
      const prefix = modelVersionPrefix(id);
      const bytes = onnxBytes[engine];
      const onnx = bytes === undefined ? undefined : await saveOnnxArtifact(store, prefix, bytes);
      await saveModelArtifact(store, prefix, model, {
        architecture: spec,
        inputSize: [options.size, options.size],
        preprocessing,
        classNames: ['ok', 'defect'],
        positiveClasses: ['defect'],
        operatingPoint: { threshold: 0.5, uncertainBand: { low: 0.4, high: 0.6 } },
        trainingConfig: {},
        metrics: {},
      });
      await dataSource.getRepository(ModelVersionEntity).save({
        id,
        name: `bench-mobilenetv2-${engine}`,
        version: index + 1,
        architecture: 'mobilenetv2',
        spec,
        inputHeight: options.size,
        inputWidth: options.size,
        classNames: ['ok', 'defect'],
        preprocessing: { ...preprocessing },
        artifactKey: prefix,
        onnxKey: onnx?.key ?? null,
        stage: engine === 'tfjs' ? 'production' : 'candidate',
      });
      versionIds[engine] = id;
      const line = await dataSource
        .getRepository(ProductionLineEntity)
        .save({ name: `bench-${engine}`, modelVersionId: id });
      lines[engine] = line.id;
    }
    model.dispose();
    await dataSource.destroy();
    return {
      databaseUrl: db.url,
      dataDir,
      modelVersionId: versionIds.tfjs,
      lines,
      flopsPerImage,
      cleanup: async () => {
        await db.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export interface RunningServer {
  url: string;
  /** The service's process, for its CPU time and resident memory (bench/support/process-stats.ts). */
  pid: number;
  stop(): Promise<void>;
}

/** The built inference service as its own process (`node dist/apps/inference/src/main.js`), once ready. */
export async function startInferenceServer(
  deployment: BenchDeployment,
  env: Record<string, string>,
): Promise<RunningServer> {
  const root = findRepoRoot();
  const entry = path.join(root, 'dist', 'apps', 'inference', 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist: run \`npm run build\` first`);
  const port = await freePort();
  // For profiling the server: BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/profiles".
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: deployment.databaseUrl,
      DATA_DIR: deployment.dataDir,
      MIGRATIONS_RUN: 'false',
      INFERENCE_PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  while (
    !(await fetch(`${url}/health/ready`).then(
      (response) => response.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null)
      throw new Error(`the inference service exited (${child.exitCode}): ${stderr}`);
    if (Date.now() - started > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`the inference service was not ready within 120 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the inference service exited with ${code}: ${stderr}`);
    },
  };
}
