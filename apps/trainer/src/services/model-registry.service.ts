import { Inject, Injectable } from '@nestjs/common';
import {
  AuditRepository,
  DatabaseTransactions,
  type ModelVersionEntity,
  ModelVersionRepository,
  type TrainingJobEntity,
  TrainingJobRepository,
  type Transaction,
} from '@linescope/db';
import { LOGGER, OBJECT_STORE } from '@linescope/platform';
import { type ObjectStore } from '@linescope/storage';
import { type Finding } from '@linescope/training/checklist';
import {
  type EpochSummary,
  type Evaluation,
  type EvaluationRecord,
  evaluationRecord,
  type ImageReader,
  type SplitMembers,
  type TrainingConfig,
} from '@linescope/training/engine';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type ModelManifestInput } from '@linescope/vision/artifacts';
import { type PreprocessSpec } from '@linescope/vision/preprocess';
import { modelVersionPrefix, saveModelArtifact } from '@linescope/vision/artifacts';
import { saveOnnxArtifact } from '@linescope/vision/onnx';
import { randomUUID } from 'node:crypto';
import { type Logger } from 'pino';
import { ModelExportService, type QuantizedVariant } from './model-export.service';

/**
 * What registration needs of a run: a finished training's `TrainResult`, or an imported folder, which may come
 * without an evaluation (then the version has no test metrics) or a dataset fingerprint.
 */
export interface RegistrableResult {
  model: tfl.LayersModel;
  config: TrainingConfig;
  classNames: string[];
  preprocessing: PreprocessSpec;
  fingerprint: { sha256: string | null };
  history: EpochSummary[];
  findings: Finding[];
  evaluation: Evaluation | null;
  charts: Partial<Record<ChartName, Buffer | null>>;
  manifest: ModelManifestInput;
  /** The images of train, validation and test, when the run recorded them (an imported folder may not). */
  split?: SplitMembers;
}

type ChartName = 'loss' | 'accuracy' | 'learningRate' | 'roc';

interface StoredArtifact {
  id: string;
  prefix: string;
  onnxKey: string | null;
}

/**
 * Registers a finished training as *candidate* model versions (never promoted automatically): the fp32 model with
 * its ONNX export and charts, and, where ONNX Runtime is installed, an int8 variant named `<name>-int8` that carries
 * its measured accuracy change. Artifacts are written first, then the rows, the job's completion and the audit
 * events in one transaction; if that fails the artifacts are removed again.
 */
@Injectable()
export class ModelRegistryService {
  constructor(
    private readonly transactions: DatabaseTransactions,
    private readonly exporter: ModelExportService,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async register(
    job: TrainingJobEntity,
    result: RegistrableResult,
    name: string,
    options: { readImage?: ImageReader; quantize?: boolean } = {},
  ): Promise<ModelVersionEntity> {
    const { readImage, quantize = true } = options;
    const fp32 = this.exporter.exportFp32(result);
    const main = await this.storeArtifact(result, fp32, {});
    const stored = [main];
    try {
      let variant: QuantizedVariant | null = null;
      if (fp32 && quantize) {
        variant = await this.exporter.quantize(result, fp32, readImage).catch((error: unknown) => {
          this.logger.warn({ err: error, trainingJobId: job.id }, 'int8 variant not made');
          return null;
        });
      }
      const quantization = variant
        ? {
            variant: 'int8',
            of: main.id,
            fp32Accuracy: variant.fp32Accuracy,
            int8Accuracy: variant.int8Accuracy,
            accuracyChangePoints: variant.accuracyChangePoints,
            testImages: variant.testImages,
          }
        : null;
      const int8 = variant ? await this.storeArtifact(result, variant.bytes, { quantization }) : null;
      if (int8) stored.push(int8);
      return await this.transactions.run(async (tx) => {
        // The detailed evaluation was measured on the fp32 model; the int8 variant carries only its own accuracy.
        const evaluation = result.evaluation ? evaluationRecord(result.evaluation, result.classNames) : null;
        const model = await insertVersion(tx, job, result, name, main, {}, evaluation);
        if (int8 && quantization)
          await insertVersion(tx, job, result, `${name}-int8`, int8, { quantization }, null);
        await tx.get(TrainingJobRepository).markSucceeded(job.id, {
          modelVersionId: model.id,
          checklist: result.findings,
          progress: {
            phase: 'done',
            epoch: result.history.length,
            epochs: result.config.epochs,
            etaSeconds: 0,
          },
        });
        return model;
      });
    } catch (error) {
      for (const artifact of stored) {
        for await (const object of this.store.list(artifact.prefix))
          await this.store.delete(object.key).catch(() => undefined);
      }
      this.logger.error(
        { err: error, trainingJobId: job.id },
        'model registration failed; artifacts removed',
      );
      throw error;
    }
  }

  /** The TensorFlow.js artifact (also what heatmaps use), the ONNX file when there is one, and the charts. */
  private async storeArtifact(
    result: RegistrableResult,
    onnx: Uint8Array | null,
    extraMetrics: Record<string, unknown>,
  ): Promise<StoredArtifact> {
    const id = randomUUID();
    const prefix = modelVersionPrefix(id);
    // The ONNX file goes first: a published manifest is never rewritten, and it names the ONNX file.
    const onnxKey = onnx ? (await saveOnnxArtifact(this.store, prefix, onnx)).key : null;
    await saveModelArtifact(this.store, prefix, result.model, {
      ...result.manifest,
      metrics: { ...result.manifest.metrics, ...extraMetrics },
      ...(onnxKey ? { onnxKey } : {}),
    });
    // Which images trained, validated and tested it: the provenance of every measured number (an imported folder
    // may have none).
    if (result.split) {
      await this.store.put(`${prefix}split.json`, Buffer.from(`${JSON.stringify(result.split, null, 2)}\n`), {
        contentType: 'application/json',
      });
    }
    for (const chart of ['loss', 'accuracy', 'learningRate', 'roc'] satisfies ChartName[]) {
      const png = result.charts[chart];
      if (png) await this.store.put(`${prefix}charts/${chart}.png`, png, { contentType: 'image/png' });
    }
    return { id, prefix, onnxKey };
  }
}

async function insertVersion(
  tx: Transaction,
  job: TrainingJobEntity,
  result: RegistrableResult,
  name: string,
  artifact: StoredArtifact,
  extraMetrics: Record<string, unknown>,
  evaluation: EvaluationRecord | null,
): Promise<ModelVersionEntity> {
  const [height, width] = result.preprocessing.inputSize;
  const model = await tx.get(ModelVersionRepository).insertNextVersion({
    id: artifact.id,
    name,
    architecture: result.config.model.arch,
    spec: result.manifest.architecture as Record<string, unknown>,
    inputHeight: height,
    inputWidth: width,
    classNames: result.classNames,
    preprocessing: result.preprocessing as unknown as Record<string, unknown>,
    config: result.config,
    metrics: { ...(result.manifest.metrics as Record<string, unknown>), ...extraMetrics },
    evaluation: evaluation as unknown as Record<string, unknown> | null,
    operatingThreshold: result.manifest.operatingPoint.threshold,
    uncertainLow: result.manifest.operatingPoint.uncertainBand.low,
    uncertainHigh: result.manifest.operatingPoint.uncertainBand.high,
    artifactKey: artifact.prefix,
    onnxKey: artifact.onnxKey,
    stage: 'candidate' as const,
    teacherId: job.teacherId,
    trainingJobId: job.id,
    datasetFingerprint: result.fingerprint.sha256,
  });
  await tx.get(AuditRepository).append({
    actorType: 'system',
    actorId: null,
    action: 'model.register',
    targetType: 'model_version',
    targetId: model.id,
    details: { trainingJobId: job.id, name: model.name, version: model.version },
  });
  return model;
}
