import { Inject, Injectable } from '@nestjs/common';
import { AuditEventEntity, ModelVersionEntity, TrainingJobEntity } from '@linescope/db';
import { LOGGER, OBJECT_STORE } from '@linescope/platform';
import { type ObjectStore } from '@linescope/storage';
import { type TrainResult } from '@linescope/training/engine';
import { modelVersionPrefix, saveModelArtifact } from '@linescope/vision/artifacts';
import { randomUUID } from 'node:crypto';
import { type Logger } from 'pino';
import { DataSource } from 'typeorm';

/**
 * Registers a finished training as a *candidate* model version (never promoted automatically): the artifact and
 * its charts first, then the row, the job's completion and an audit event in one transaction. If the transaction
 * fails the artifact is removed again.
 */
@Injectable()
export class ModelRegistryService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async register(job: TrainingJobEntity, result: TrainResult, name: string): Promise<ModelVersionEntity> {
    const id = randomUUID();
    const prefix = modelVersionPrefix(id);
    await saveModelArtifact(this.store, prefix, result.model, result.manifest);
    for (const chart of ['loss', 'accuracy', 'learningRate', 'roc'] as const) {
      const png = result.charts[chart];
      if (png) await this.store.put(`${prefix}charts/${chart}.png`, png, { contentType: 'image/png' });
    }
    try {
      return await this.dataSource.transaction(async (manager) => {
        const versions = manager.getRepository(ModelVersionEntity);
        const latest: { max: number | null }[] = await manager.query(
          `SELECT max(version) AS max FROM model_versions WHERE name = $1`,
          [name],
        );
        const [height, width] = result.preprocessing.inputSize;
        const model = await versions.save({
          id,
          name,
          version: (latest[0]?.max ?? 0) + 1,
          architecture: result.config.model.arch,
          spec: result.manifest.architecture as Record<string, unknown>,
          inputHeight: height,
          inputWidth: width,
          classNames: result.classNames,
          preprocessing: result.preprocessing as unknown as Record<string, unknown>,
          config: result.config,
          metrics: result.manifest.metrics as Record<string, unknown>,
          operatingThreshold: result.manifest.operatingPoint.threshold,
          uncertainLow: result.manifest.operatingPoint.uncertainBand.low,
          uncertainHigh: result.manifest.operatingPoint.uncertainBand.high,
          artifactKey: prefix,
          stage: 'candidate' as const,
          teacherId: job.teacherId,
          trainingJobId: job.id,
          datasetFingerprint: result.fingerprint.sha256,
        });
        await manager.getRepository(TrainingJobEntity).update(
          { id: job.id },
          {
            status: 'succeeded',
            modelVersionId: model.id,
            checklist: result.findings,
            finishedAt: new Date(),
            workerId: null,
            progress: {
              phase: 'done',
              epoch: result.history.length,
              epochs: result.config.epochs,
              etaSeconds: 0,
            },
          },
        );
        await manager.getRepository(AuditEventEntity).insert({
          actorType: 'system',
          actorId: null,
          action: 'model.register',
          targetType: 'model_version',
          targetId: model.id,
          details: { trainingJobId: job.id, name: model.name, version: model.version },
        });
        return model;
      });
    } catch (error) {
      for await (const object of this.store.list(prefix))
        await this.store.delete(object.key).catch(() => undefined);
      this.logger.error({ err: error, trainingJobId: job.id }, 'model registration failed; artifact removed');
      throw error;
    }
  }
}
