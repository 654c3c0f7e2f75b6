import { Inject, Injectable } from '@nestjs/common';
import {
  ModelVersionRepository,
  type TrainingJobEntity,
  TrainingJobRepository,
  type TrainingProgress,
} from '@linescope/db';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG, LOGGER, OBJECT_STORE, SHUTDOWN_SIGNAL } from '@linescope/platform';
import { JOB_KINDS, type JobContext, type JobOutcome, JobQueue } from '@linescope/queue';
import { type ObjectStore } from '@linescope/storage';
import { type Finding } from '@linescope/training/checklist';
import { EmptyClassFolderError } from '@linescope/training/data';
import {
  type ImageReader,
  InvalidTrainingConfigError,
  type TrainResult,
  type TrainingHooks,
  TrainingCancelledError,
  train,
} from '@linescope/training/engine';
import { randomUUID } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { type Logger } from 'pino';
import { LabelSetService } from './label-set.service';
import {
  isImportRequest,
  type ModelImportRequest,
  ModelImportError,
  ModelImportService,
} from './model-import.service';
import { ModelRegistryService, type RegistrableResult } from './model-registry.service';

/** The dataset choice and training configuration a job was created with (see the API's TrainingJobService). */
interface TrainingJobRequest {
  dataset:
    | { kind: 'folder'; path: string }
    | { kind: 'reviews'; lineIds?: string[] }
    | { kind: 'labelSet'; labelSetId: string };
  training: Record<string, unknown> & { name?: string; data?: Record<string, unknown> };
}

/** A problem with the job itself: retrying cannot help, so the job fails at once. */
class PermanentJobError extends Error {}

const LOG_FLUSH_MS = 2_000;
/** How often a running job's row is read for a cancel. */
const CANCEL_POLL_MS = 1_000;
const PROGRESS_WRITE_MS = 1_000;

/**
 * Works one `train-model` job: claims it (one worker per job, however many trainers run), resolves its data
 * (a folder, or the QA reviews frozen into a label set), trains with heartbeats, per-epoch rows, checklist
 * findings and checkpoints, and registers the result as a candidate model version. A job whose process dies is
 * claimed again after its heartbeat stops and resumes from its last checkpoint.
 */
@Injectable()
export class TrainingRunnerService {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  constructor(
    private readonly jobs: TrainingJobRepository,
    private readonly models: ModelVersionRepository,
    private readonly labelSets: LabelSetService,
    private readonly registry: ModelRegistryService,
    private readonly importer: ModelImportService,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: JobQueue,
    @Inject(SHUTDOWN_SIGNAL) private readonly shutdown: AbortSignal,
  ) {}

  async run(trainingJobId: string, context: JobContext): Promise<JobOutcome> {
    const job = await this.jobs.claim(trainingJobId, this.workerId, this.config.trainer.silentAfterSeconds);
    if (!job) {
      const current = await this.jobs.findById(trainingJobId);
      return {
        status: 'skipped',
        reason: current ? `training job is ${current.status} or taken` : 'training job is gone',
      };
    }
    try {
      const request = job.config;
      const imported = isImportRequest(request);
      const { result, readImage } = imported
        ? { result: await this.importFolder(job.id, request), readImage: undefined }
        : await this.train(job);
      try {
        // An imported model's int8 variant would need its training data, which the folder does not carry.
        const model = await this.registry.register(job, result, nameOf(job), {
          readImage,
          quantize: !imported,
        });
        await this.removeCheckpoints(job.id);
        this.logger.info({ trainingJobId: job.id, modelVersionId: model.id }, 'training job finished');
        return { status: 'done', detail: { modelVersionId: model.id, epochs: result.history.length } };
      } finally {
        result.model.dispose();
      }
    } catch (error) {
      if (error instanceof TrainingCancelledError && this.shutdown.aborted)
        return this.handOver(job.id, error);
      if (error instanceof TrainingCancelledError) {
        const current = await this.jobs.findById(job.id);
        return {
          status: 'skipped',
          reason: `stopped: the job is ${current?.status ?? 'gone'} (${error.message})`,
        };
      }
      const message = error instanceof Error ? error.message : String(error);
      const permanent =
        error instanceof PermanentJobError ||
        error instanceof ModelImportError ||
        error instanceof InvalidTrainingConfigError ||
        error instanceof EmptyClassFolderError;
      const lastAttempt = context.retryCount >= JOB_KINDS['train-model'].retry.retryLimit;
      await this.jobs.appendLog(job.id, `error: ${message}\n`);
      if (permanent || lastAttempt) {
        await this.jobs.markFailed(job.id, message);
        if (permanent) return { status: 'done', detail: { failed: message } };
      }
      throw error;
    }
  }

  /**
   * The trainer is stopping: the run stopped at its last checkpoint. The job is released and queued again, so the
   * next trainer to start resumes it from that checkpoint (same job, same epoch) without waiting for it to look
   * abandoned.
   */
  private async handOver(jobId: string, error: TrainingCancelledError): Promise<JobOutcome> {
    if (await this.jobs.release(jobId, this.workerId)) {
      await this.queue.send('train-model', { trainingJobId: jobId });
      await this.jobs.appendLog(
        jobId,
        `stopped by a shutdown after ${error.completedEpochs} epoch(s); queued again\n`,
      );
    }
    this.logger.info(
      { trainingJobId: jobId },
      'training stopped by shutdown; it resumes from its last checkpoint',
    );
    return { status: 'skipped', reason: 'stopped by shutdown; queued again to resume from its checkpoint' };
  }

  /** An import job: the folder checked and loaded as a finished training would hand it to the registry. */
  private async importFolder(jobId: string, request: ModelImportRequest): Promise<RegistrableResult> {
    const lines: string[] = [];
    try {
      return await this.importer.load(request, (line) => lines.push(line));
    } finally {
      if (lines.length > 0) await this.jobs.appendLog(jobId, `${lines.join('\n')}\n`);
    }
  }

  private async train(
    job: TrainingJobEntity,
  ): Promise<{ result: TrainResult; readImage: ImageReader | undefined }> {
    const request = job.config as unknown as TrainingJobRequest;
    const { source, readImage } = await this.resolveData(job, request);
    // `name` names the model version; the rest is the training configuration.
    const { name: _name, ...training } = request.training;
    const config = {
      ...training,
      data: { ...(training.data ?? {}), source },
      ...(await this.distillationFor(job, request)),
    };
    await this.checkPretrainedInsideRoots(training);
    const { hooks, stop } = this.hooksFor(job.id);
    try {
      const result = await train(config, {
        hooks,
        readImage,
        artifactStore: this.store,
        checkpoint: { store: this.store, prefix: checkpointPrefix(job.id) },
      });
      return { result, readImage };
    } finally {
      await stop();
    }
  }

  /**
   * The API confined `fineTune.pretrained` to the training roots; a job row written another way (or a root moved
   * since) is checked again here, by the folder's real path, before anything is read from it.
   */
  private async checkPretrainedInsideRoots(training: Record<string, unknown>): Promise<void> {
    const pretrained = (training.fineTune as { pretrained?: { kind?: string; path?: string } } | undefined)
      ?.pretrained;
    if (pretrained?.kind !== 'folder' || typeof pretrained.path !== 'string') return;
    const real = await realpath(pretrained.path).catch(() => null);
    if (real === null)
      throw new PermanentJobError(`pretrained_not_found: no pretrained model folder "${pretrained.path}"`);
    const roots = await Promise.all(
      this.config.trainingDataRoots.map((root) => realpath(root).catch(() => path.resolve(root))),
    );
    if (!roots.some((root) => real === root || real.startsWith(root + path.sep)))
      throw new PermanentJobError(
        `pretrained_outside_roots: "${pretrained.path}" is outside the training data roots (${this.config.trainingDataRoots.join(', ')})`,
      );
  }

  private async resolveData(job: TrainingJobEntity, request: TrainingJobRequest) {
    if (request.dataset.kind === 'folder')
      return { source: { kind: 'folder', path: request.dataset.path }, readImage: undefined };
    // A 'labelSet' job names its label set at creation; a 'reviews' job freezes one at its first start.
    const labelSetId =
      job.labelSetId ?? (request.dataset.kind === 'labelSet' ? request.dataset.labelSetId : null);
    const frozen = labelSetId
      ? await this.labelSets.load(labelSetId)
      : await this.labelSets.freezeFromReviews({
          name: `training-job-${job.id}`,
          lineIds: request.dataset.kind === 'reviews' ? request.dataset.lineIds : undefined,
          reviewedBefore: job.createdAt,
        });
    if (!job.labelSetId) await this.jobs.setLabelSet(job.id, frozen.labelSetId);
    if (frozen.classNames.length < 2 || frozen.samples.length < 10)
      throw new PermanentJobError(
        `not enough reviewed inspections to train: ${frozen.samples.length} in ${frozen.classNames.length} class(es)`,
      );
    return {
      source: { kind: 'samples', classNames: frozen.classNames, samples: frozen.samples },
      readImage: (key: string) => this.store.get(key),
    };
  }

  /** A job with a teacher distils it into the student (hard-label DeiT unless the config says otherwise). */
  private async distillationFor(job: TrainingJobEntity, request: TrainingJobRequest) {
    if (!job.teacherId) return {};
    const teacher = await this.models.findById(job.teacherId);
    if (!teacher) throw new PermanentJobError(`the teacher model version ${job.teacherId} no longer exists`);
    const given = (request.training.distillation ?? {}) as Record<string, unknown>;
    return { distillation: { mode: 'hard', ...given, teacher: teacher.artifactKey } };
  }

  private hooksFor(jobId: string): { hooks: TrainingHooks; stop: () => Promise<void> } {
    let latest: TrainingProgress | undefined;
    let stopRequested = false;
    let logBuffer = '';
    const findings: Finding[] = [];
    const flushLog = async () => {
      if (!logBuffer) return;
      const lines = logBuffer;
      logBuffer = '';
      await this.jobs
        .appendLog(jobId, lines)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'log write failed'));
    };
    const beat = async () => {
      const mine = await this.jobs.heartbeat(jobId, this.workerId, latest).catch(() => true);
      if (!mine) stopRequested = true;
    };
    const heartbeat = setInterval(() => void beat(), this.config.trainer.heartbeatSeconds * 1000);
    const logFlush = setInterval(() => void flushLog(), LOG_FLUSH_MS);
    let lastProgressWrite = 0;
    let lastStopCheck = Date.now();
    const hooks: TrainingHooks = {
      onProgress: (progress) => {
        latest = progress;
        // About once a second: each write is also the console's live progress event.
        if (Date.now() - lastProgressWrite >= PROGRESS_WRITE_MS) {
          lastProgressWrite = Date.now();
          void beat();
        }
      },
      onEpoch: async (summary) => {
        const { epoch, steps: _steps, ...metrics } = summary;
        await this.jobs.saveEpoch(jobId, epoch, metrics);
      },
      onLog: (line) => {
        logBuffer += `${line}\n`;
      },
      onFinding: async (finding) => {
        findings.push(finding);
        await this.jobs.saveFindings(jobId, findings);
      },
      onCheckpoint: async ({ key }) => this.jobs.setCheckpoint(jobId, key),
      // Polled per batch: the job's row is read at most once a second, so a cancel stops the run within a step.
      shouldStop: async () => {
        if (stopRequested || this.shutdown.aborted) return true;
        if (Date.now() - lastStopCheck >= CANCEL_POLL_MS) {
          lastStopCheck = Date.now();
          await beat();
        }
        return stopRequested;
      },
    };
    return {
      hooks,
      stop: async () => {
        clearInterval(heartbeat);
        clearInterval(logFlush);
        await flushLog();
      },
    };
  }

  private async removeCheckpoints(jobId: string): Promise<void> {
    for await (const object of this.store.list(checkpointPrefix(jobId))) {
      await this.store.delete(object.key).catch(() => undefined);
    }
  }
}

function checkpointPrefix(jobId: string): string {
  return `checkpoints/${jobId}/`;
}

/** The model's name: the config's `name`, else the dataset folder (or "reviews") and the architecture. */
function nameOf(job: TrainingJobEntity): string {
  const request = job.config as unknown as TrainingJobRequest;
  if (typeof request.training.name === 'string' && request.training.name) return request.training.name;
  const model = (request.training.model ?? {}) as { arch?: string; depth?: number };
  const arch = model.arch === 'resnet' ? `resnet${model.depth ?? 18}` : (model.arch ?? 'model');
  const data = request.dataset.kind === 'folder' ? path.basename(request.dataset.path) : 'reviews';
  return `${data}-${arch}`;
}
