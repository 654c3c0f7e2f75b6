import { Injectable } from '@nestjs/common';
import {
  AuditRepository,
  DatabaseTransactions,
  ModelVersionRepository,
  TrainingJobRepository,
  type TrainingJobStatus,
} from '@linescope/db';
import { JobQueue } from '@linescope/queue';
import {
  explainFinding,
  InvalidTrainingConfigError,
  resolveTrainingConfig,
} from '@linescope/training/config';
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
import { TrainingDataRepository } from '../repositories/training-data.repository';
import { TrainingCatalogService } from './training-catalog.service';

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
    private readonly jobs: TrainingJobRepository,
    private readonly transactions: DatabaseTransactions,
    private readonly queue: JobQueue,
    private readonly catalog: TrainingCatalogService,
    private readonly trainingData: TrainingDataRepository,
  ) {}

  async create(input: CreateTrainingJobDto, actor: UserPrincipal): Promise<TrainingJobDto> {
    const dataset = await this.checkDataset(input.dataset);
    checkTrainingConfig(input.config);
    const config = await this.confinePretrained(input.config);
    return this.transactions.run(async (tx) => {
      if (input.teacherId) {
        const teacher = await tx.get(ModelVersionRepository).findById(input.teacherId);
        if (!teacher) throw new ApiError(400, 'teacher_not_found', `no model version ${input.teacherId}`);
        if (teacher.architecture === 'vit')
          throw new ApiError(400, 'invalid_teacher', 'the teacher must be a CNN (MobileNetV2 or ResNet)');
      }
      const request: TrainingJobRequest = { dataset, training: config };
      const job = await tx.get(TrainingJobRepository).create({
        config: request as unknown as Record<string, unknown>,
        labelSetId: dataset.kind === 'labelSet' ? (dataset.labelSetId ?? null) : null,
        teacherId: input.teacherId ?? null,
        createdBy: actor.userId,
      });
      await this.queue.send('train-model', { trainingJobId: job.id }, { db: tx.jobs });
      await tx.get(AuditRepository).append({
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
    const jobs = await this.jobs.list(status, 200);
    return jobs.map(mapTrainingJob);
  }

  async get(id: string): Promise<TrainingJobDetailDto> {
    const job = await this.jobs.findById(id);
    if (!job) throw new ApiError(404, 'training_job_not_found', `no training job ${id}`);
    const epochs = await this.jobs.findEpochs(id);
    return {
      ...mapTrainingJob(job),
      epochs: epochs.map(mapEpoch),
      logTail: job.log.slice(-LOG_TAIL_CHARS),
      findings: job.checklist.map(explainFinding),
    };
  }

  /** A queued job never starts; a running one stops at its next step and keeps its checkpoint. */
  async cancel(id: string, actor: UserPrincipal): Promise<TrainingJobDto> {
    return this.transactions.run(async (tx) => {
      const jobs = tx.get(TrainingJobRepository);
      const cancelled = await jobs.cancel(id);
      const job = await jobs.findById(id);
      if (!job) throw new ApiError(404, 'training_job_not_found', `no training job ${id}`);
      if (!cancelled) throw new ApiError(409, 'training_job_finished', `the job is already ${job.status}`);
      await tx.get(AuditRepository).append({
        actorType: 'user',
        actorId: actor.userId,
        action: 'training.cancel',
        targetType: 'training_job',
        targetId: id,
      });
      return mapTrainingJob(job);
    });
  }

  /** A `fineTune.pretrained` folder must lie under the training roots, like a dataset; its real path is kept. */
  private async confinePretrained(training: Record<string, unknown>): Promise<Record<string, unknown>> {
    const fineTune = training.fineTune as { pretrained?: { kind: string; path?: string } } | undefined;
    const pretrained = fineTune?.pretrained;
    if (pretrained?.kind !== 'folder' || pretrained.path === undefined) return training;
    const real = await this.catalog.resolvePretrained(pretrained.path);
    return { ...training, fineTune: { ...fineTune, pretrained: { ...pretrained, path: real } } };
  }

  private async checkDataset(dataset: DatasetSelectionDto): Promise<DatasetSelectionDto> {
    if (dataset.kind !== 'labelSet' && dataset.labelSetId)
      throw new ApiError(400, 'invalid_dataset', "only a 'labelSet' dataset takes a labelSetId");
    if (dataset.kind === 'reviews') {
      if (dataset.path) throw new ApiError(400, 'invalid_dataset', "a 'reviews' dataset takes no path");
      return { kind: 'reviews', ...(dataset.lineIds ? { lineIds: dataset.lineIds } : {}) };
    }
    if (dataset.kind === 'labelSet') {
      if (!dataset.labelSetId)
        throw new ApiError(400, 'invalid_dataset', "a 'labelSet' dataset needs a labelSetId");
      if (dataset.path || dataset.lineIds)
        throw new ApiError(400, 'invalid_dataset', "a 'labelSet' dataset takes no path or lineIds");
      if (!(await this.trainingData.labelSetExists(dataset.labelSetId)))
        throw new ApiError(400, 'label_set_not_found', `no label set ${dataset.labelSetId}`);
      return { kind: 'labelSet', labelSetId: dataset.labelSetId };
    }
    if (!dataset.path) throw new ApiError(400, 'invalid_dataset', "a 'folder' dataset needs a path");
    if (dataset.lineIds) throw new ApiError(400, 'invalid_dataset', "a 'folder' dataset takes no lineIds");
    const real = await this.catalog.resolveFolder(dataset.path);
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
    if (error instanceof InvalidTrainingConfigError)
      throw new ApiError(400, 'invalid_config', error.message, { fields: fieldErrors(error.issues) });
    throw error;
  }
}

/** "schedule.lr: Number must be greater than 0" -> { "schedule.lr": "Number must be greater than 0" }, for the form. */
function fieldErrors(issues: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const at = issue.indexOf(': ');
    const key = at > 0 ? issue.slice(0, at) : '(root)';
    const message = at > 0 ? issue.slice(at + 2) : issue;
    fields[key] = fields[key] ? `${fields[key]}; ${message}` : message;
  }
  return fields;
}
