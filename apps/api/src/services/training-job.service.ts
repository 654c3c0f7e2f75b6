import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import {
  ModelVersionEntity,
  TrainingEpochEntity,
  TrainingJobEntity,
  type TrainingJobStatus,
} from '@linescope/db';
import { transactionalSql } from '@linescope/inspections';
import { APP_CONFIG } from '@linescope/platform';
import { JobQueue } from '@linescope/queue';
import { InvalidTrainingConfigError, resolveTrainingConfig } from '@linescope/training/engine';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataSource, In } from 'typeorm';
import { type UserPrincipal } from '../auth/principals';
import {
  type CreateTrainingJobDto,
  type DatasetSelectionDto,
  type TrainingJobDetailDto,
  type TrainingJobDto,
  mapEpoch,
  mapTrainingJob,
} from '../dtos/training-job.dto';
import { ApiError } from '../errors/api-error';
import { AuditRepository } from '../repositories/audit.repository';

const LOG_TAIL_CHARS = 8_000;

/** What a training job row's `config` holds: the dataset choice and the training configuration as given. */
export interface TrainingJobRequest {
  dataset: DatasetSelectionDto;
  training: Record<string, unknown>;
}

/** Launches, lists and cancels training jobs; the trainer app works them from the queue. */
@Injectable()
export class TrainingJobService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly audit: AuditRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(input: CreateTrainingJobDto, actor: UserPrincipal): Promise<TrainingJobDto> {
    const dataset = await this.checkDataset(input.dataset);
    checkTrainingConfig(input.config);
    return this.dataSource.transaction(async (manager) => {
      if (input.teacherId) {
        const teacher = await manager.getRepository(ModelVersionEntity).findOneBy({ id: input.teacherId });
        if (!teacher) throw new ApiError(400, 'teacher_not_found', `no model version ${input.teacherId}`);
        if (teacher.architecture === 'vit')
          throw new ApiError(400, 'invalid_teacher', 'the teacher must be a CNN (MobileNetV2 or ResNet)');
      }
      const request: TrainingJobRequest = { dataset, training: input.config };
      const job = await manager.getRepository(TrainingJobEntity).save({
        status: 'queued' as const,
        config: request as unknown as Record<string, unknown>,
        teacherId: input.teacherId ?? null,
        createdBy: actor.userId,
      });
      await this.queue.send('train-model', { trainingJobId: job.id }, { db: transactionalSql(manager) });
      await this.audit.append(manager, {
        actorType: 'user',
        actorId: actor.userId,
        action: 'training.create',
        targetType: 'training_job',
        targetId: job.id,
        details: { dataset: dataset.kind },
      });
      return mapTrainingJob(job);
    });
  }

  async list(status?: TrainingJobStatus): Promise<TrainingJobDto[]> {
    const jobs = await this.dataSource
      .getRepository(TrainingJobEntity)
      .find({ where: status ? { status } : {}, order: { createdAt: 'DESC' }, take: 200 });
    return jobs.map(mapTrainingJob);
  }

  async get(id: string): Promise<TrainingJobDetailDto> {
    const job = await this.dataSource.getRepository(TrainingJobEntity).findOneBy({ id });
    if (!job) throw new ApiError(404, 'training_job_not_found', `no training job ${id}`);
    const epochs = await this.dataSource
      .getRepository(TrainingEpochEntity)
      .find({ where: { trainingJobId: id }, order: { epoch: 'ASC' } });
    return { ...mapTrainingJob(job), epochs: epochs.map(mapEpoch), logTail: job.log.slice(-LOG_TAIL_CHARS) };
  }

  /** A queued job never starts; a running one stops at its next step and keeps its checkpoint. */
  async cancel(id: string, actor: UserPrincipal): Promise<TrainingJobDto> {
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(TrainingJobEntity);
      const result = await repo.update(
        { id, status: In(['queued', 'running']) },
        { status: 'cancelled', finishedAt: new Date() },
      );
      const job = await repo.findOneBy({ id });
      if (!job) throw new ApiError(404, 'training_job_not_found', `no training job ${id}`);
      if (!result.affected)
        throw new ApiError(409, 'training_job_finished', `the job is already ${job.status}`);
      await this.audit.append(manager, {
        actorType: 'user',
        actorId: actor.userId,
        action: 'training.cancel',
        targetType: 'training_job',
        targetId: id,
      });
      return mapTrainingJob(job);
    });
  }

  private async checkDataset(dataset: DatasetSelectionDto): Promise<DatasetSelectionDto> {
    if (dataset.kind === 'reviews') {
      if (dataset.path) throw new ApiError(400, 'invalid_dataset', "a 'reviews' dataset takes no path");
      return { kind: 'reviews', ...(dataset.lineIds ? { lineIds: dataset.lineIds } : {}) };
    }
    if (!dataset.path) throw new ApiError(400, 'invalid_dataset', "a 'folder' dataset needs a path");
    if (dataset.lineIds) throw new ApiError(400, 'invalid_dataset', "a 'folder' dataset takes no lineIds");
    let real: string;
    try {
      real = await realpath(path.resolve(dataset.path));
      if (!(await stat(real)).isDirectory()) throw new Error('not a folder');
    } catch {
      throw new ApiError(400, 'dataset_not_found', `no dataset folder at ${dataset.path}`);
    }
    const roots = await Promise.all(
      this.config.trainingDataRoots.map((root) => realpath(root).catch(() => root)),
    );
    if (!roots.some((root) => real === root || real.startsWith(root + path.sep)))
      throw new ApiError(
        403,
        'dataset_outside_roots',
        `datasets must be under ${this.config.trainingDataRoots.join(', ')}`,
      );
    return { kind: 'folder', path: real };
  }
}

/** The data source is filled in when the job starts; everything else must already be a valid configuration. */
function checkTrainingConfig(training: Record<string, unknown>): void {
  const data = (training.data ?? {}) as Record<string, unknown>;
  if ('source' in data) throw new ApiError(400, 'invalid_config', 'config.data.source is set from `dataset`');
  try {
    resolveTrainingConfig({ ...training, data: { ...data, source: { kind: 'folder', path: '.' } } });
  } catch (error) {
    if (error instanceof InvalidTrainingConfigError) throw new ApiError(400, 'invalid_config', error.message);
    throw error;
  }
}
