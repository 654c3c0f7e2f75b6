import { Injectable } from '@nestjs/common';
import { AuditRepository, DatabaseTransactions, TrainingJobRepository } from '@linescope/db';
import { JobQueue } from '@linescope/queue';
import { ModelArtifactError } from '@linescope/vision/artifacts/model-artifact.error';
import { readFolderManifest } from '@linescope/vision/artifacts/model-folder.manifest';
import { type UserPrincipal } from '../auth/principals';
import { type ImportModelDto } from '../dtos/model.dto';
import { mapTrainingJob, type TrainingJobDto } from '../dtos/training-job.dto';
import { ApiError } from '../errors/api-error';
import { TrainingCatalogService } from './training-catalog.service';

/** What an import job's row holds in `config` (the trainer's import service reads it). */
export interface ModelImportRequest {
  import: { path: string };
  training: { name: string };
}

const IMPORTERS: ReadonlySet<string> = new Set(['admin', 'ml_engineer']);

/**
 * Registers a model folder trained elsewhere (the `npm run train` CLI) as a candidate: the folder is confined to
 * the training roots and its manifest checked here, then a trainer job verifies every file against the manifest,
 * loads the model and registers it as a finished training is registered.
 */
@Injectable()
export class ModelImportService {
  constructor(
    private readonly transactions: DatabaseTransactions,
    private readonly queue: JobQueue,
    private readonly catalog: TrainingCatalogService,
  ) {}

  async importModel(input: ImportModelDto, actor: UserPrincipal): Promise<TrainingJobDto> {
    if (!IMPORTERS.has(actor.role))
      throw new ApiError(403, 'forbidden', 'importing a model is for ML engineers and administrators');
    const folder = await this.catalog.resolveModelFolder(input.path);
    const manifest = await readFolderManifest(folder).catch((error: unknown) => {
      if (error instanceof ModelArtifactError)
        throw new ApiError(400, 'invalid_model_folder', `${folder}: ${error.message}`);
      throw error;
    });
    return this.transactions.run(async (tx) => {
      const request: ModelImportRequest = { import: { path: folder }, training: { name: input.name } };
      const job = await tx.get(TrainingJobRepository).create({
        config: request as unknown as Record<string, unknown>,
        labelSetId: null,
        teacherId: null,
        createdBy: actor.userId,
      });
      await this.queue.send('train-model', { trainingJobId: job.id }, { db: tx.jobs });
      await tx.get(AuditRepository).append({
        actorType: 'user',
        actorId: actor.userId,
        action: 'model.import',
        targetType: 'training_job',
        targetId: job.id,
        details: {
          path: folder,
          name: input.name,
          architecture: manifest.architecture.arch ?? null,
          classNames: manifest.classNames,
          digestsRecorded: manifest.files !== undefined,
        },
      });
      return mapTrainingJob(job);
    });
  }
}
