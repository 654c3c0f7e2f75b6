import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import {
  AWAITING_MODEL_REASON,
  DatabaseTransactions,
  type InspectionEntity,
  InspectionRepository,
} from '@linescope/db';
import { VerdictRecorder } from '@linescope/inspections';
import { APP_CONFIG, LOGGER, OBJECT_STORE } from '@linescope/platform';
import { JobQueue } from '@linescope/queue';
import { type ObjectStore, StorageFullError } from '@linescope/storage';
import { createHash, randomUUID } from 'node:crypto';
import { type Logger } from 'pino';
import { type CameraPrincipal } from '../auth/principals';
import { type InspectionDto, mapInspection } from '../dtos/inspection.dto';
import { ApiError } from '../errors/api-error';
import { isUniqueViolation } from '../errors/database-errors';
import {
  InferenceClient,
  InferenceUnavailableError,
  NoModelServingError,
} from '../inference/inference.client';
import { CameraLastSeen } from './camera-last-seen';
import { type ValidatedImage, validateImage } from './image-validation';

export interface Upload {
  bytes: Buffer;
  contentType: string | undefined;
  productSerial?: string;
  capturedAt?: Date;
  idempotencyKey?: string;
  /** When the request arrived, for the latency breakdown. */
  receivedAt: number;
  receiveMs: number;
}

export interface IntakeResult {
  /** 201: verdict included; 202: pending, poll or wait for the webhook; 200: an idempotent replay. */
  httpStatus: 200 | 201 | 202;
  inspection: InspectionDto;
}

const IDEMPOTENCY_INDEX = 'inspections_idempotency';
/** A full store frees up only as retention (or a person) deletes: cameras retry a minute later. */
export const STORAGE_FULL_RETRY_SECONDS = 60;
/** How long after the inference call's own bound a late image's scoring job waits for the instance's verdict. */
const LATE_VERDICT_MARGIN_MS = 5_000;

/**
 * Takes a camera's image in: validates it, stores the object, then commits the row — never the other way round,
 * so a row always has its image. A failed row write removes the object (the orphan sweeper catches what a crash
 * leaves). Then answers with a verdict within the line's deadline, or `pending`.
 */
@Injectable()
export class InspectionIntakeService {
  constructor(
    private readonly inspections: InspectionRepository,
    private readonly transactions: DatabaseTransactions,
    private readonly recorder: VerdictRecorder,
    private readonly queue: JobQueue,
    private readonly inference: InferenceClient,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly lastSeen: CameraLastSeen,
  ) {}

  /**
   * A keyed upload is not looked up first: the INSERT's conflict on the key finds a replay. Only where the upload
   * cannot get that far (a refused image, the store down) is the key looked up, so a retry is answered as before.
   */
  async ingest(camera: CameraPrincipal, upload: Upload): Promise<IntakeResult> {
    const validateStarted = performance.now();
    let image: ValidatedImage;
    try {
      image = await validateImage(upload.bytes, upload.contentType, this.config.ingest.maxImagePixels);
    } catch (error) {
      return this.replayOr(camera, upload, error);
    }
    const validateMs = performance.now() - validateStarted;

    const line = camera.line;
    const id = randomUUID();
    const imageKey = `images/${camera.lineId}/${new Date(upload.receivedAt).toISOString().slice(0, 10)}/${id}.${image.format}`;
    const storeStarted = performance.now();
    try {
      await this.store.put(imageKey, upload.bytes, { contentType: image.contentType });
    } catch (error) {
      if (error instanceof StorageFullError) {
        this.logger.error({ err: error, imageKey }, 'object store full: uploads refused until space returns');
        throw new ApiError(503, 'storage_full', 'no room to store the image; retry later', {
          retryAfterSeconds: STORAGE_FULL_RETRY_SECONDS,
        });
      }
      this.logger.error({ err: error, imageKey }, 'object store write failed');
      return this.replayOr(
        camera,
        upload,
        new ApiError(503, 'storage_unavailable', 'the image could not be stored; retry later'),
      );
    }
    const storeMs = performance.now() - storeStarted;

    let row: InspectionEntity;
    try {
      row = await this.insertRow(id, camera, upload, image, imageKey, line.verdictMode === 'async', {
        receiveMs: round(upload.receiveMs),
        validateMs: round(validateMs),
        storeMs: round(storeMs),
      });
    } catch (error) {
      await this.store.delete(imageKey).catch((cleanupError: unknown) => {
        this.logger.warn({ err: cleanupError, imageKey }, 'orphan object left for the sweeper');
      });
      if (upload.idempotencyKey && isUniqueViolation(error, IDEMPOTENCY_INDEX)) {
        // A concurrent retry with the same key won the race.
        const replay = await this.findReplay(camera, upload);
        if (replay) return replay;
      }
      this.logger.error({ err: error }, 'inspection row write failed');
      throw new ApiError(503, 'database_unavailable', 'the inspection could not be recorded; retry later');
    }

    this.lastSeen.touch(camera.cameraId);
    if (line.verdictMode === 'async') return { httpStatus: 202, inspection: mapInspection(row) };
    return this.answerWithinDeadline(row, upload, image, line.verdictDeadlineMs);
  }

  private async answerWithinDeadline(
    row: InspectionEntity,
    upload: Upload,
    image: ValidatedImage,
    deadlineMs: number,
  ): Promise<IntakeResult> {
    const remaining = deadlineMs - (Date.now() - upload.receivedAt);
    if (remaining > 0) {
      try {
        const predicted = await this.inference.predict(
          upload.bytes,
          image.contentType,
          { lineId: row.lineId, inspectionId: row.id },
          remaining,
        );
        const latency = {
          ...row.latency,
          ...predicted.timing,
          engine: predicted.engine,
          totalMs: round(Date.now() - upload.receivedAt),
        };
        const scored =
          (await this.recorder.recordReturning(
            row.id,
            { ...predicted, latency },
            { notifyWebhook: false },
          )) ??
          // Someone else finished it first (rare): answer what stands.
          (await this.inspections.findById(row.id));
        if (scored && scored.status !== 'pending')
          return { httpStatus: 201, inspection: mapInspection(scored) };
      } catch (error) {
        if (error instanceof NoModelServingError) return this.awaitModel(row);
        this.logger.warn(
          { inspectionId: row.id, err: error },
          'no verdict within the deadline; completing asynchronously',
        );
        // The instance may still be scoring it and then records the verdict itself: the job only scores what
        // nobody scored, after the longest a call to the inference service may take.
        if (error instanceof InferenceUnavailableError && error.mayStillBeScoring) {
          await this.enqueueScoring(row.id, this.config.inferenceTimeoutMs + LATE_VERDICT_MARGIN_MS);
          return { httpStatus: 202, inspection: mapInspection(row) };
        }
      }
    }
    await this.enqueueScoring(row.id);
    return { httpStatus: 202, inspection: mapInspection(row) };
  }

  /**
   * No model serves the line yet (a fresh installation): the image is kept, answered 202 `pending` with the reason,
   * and scored once a model is promoted (the inference service's `score-awaiting-model`). The scoring job is queued
   * anyway, in case a model was promoted since the inference service answered.
   */
  private async awaitModel(row: InspectionEntity): Promise<IntakeResult> {
    const waiting = await this.inspections.markAwaitingModel(row.id).catch((error: unknown) => {
      this.logger.warn(
        { err: error, inspectionId: row.id },
        'could not record that the inspection waits for a model',
      );
      return false;
    });
    await this.enqueueScoring(row.id);
    const current = waiting ? { ...row, failureReason: AWAITING_MODEL_REASON } : row;
    return { httpStatus: 202, inspection: mapInspection(current) };
  }

  /** The row and, for async lines, its scoring job commit together (a lone INSERT needs no transaction). */
  private async insertRow(
    id: string,
    camera: CameraPrincipal,
    upload: Upload,
    image: ValidatedImage,
    imageKey: string,
    enqueue: boolean,
    latency: InspectionEntity['latency'],
  ): Promise<InspectionEntity> {
    const write = async (inspections: InspectionRepository) =>
      inspections.insert({
        id,
        lineId: camera.lineId,
        cameraId: camera.cameraId,
        productSerial: upload.productSerial ?? null,
        idempotencyKey: upload.idempotencyKey ?? null,
        imageKey,
        imageSha256: image.sha256,
        imageBytes: upload.bytes.length,
        width: image.width,
        height: image.height,
        format: image.format,
        capturedAt: upload.capturedAt ?? null,
        receivedAt: new Date(upload.receivedAt),
        status: 'pending',
        latency,
        verdict: null,
        score: null,
        probabilities: null,
        modelVersionId: null,
        heatmapKey: null,
        failureReason: null,
        scoredAt: null,
        reviewCount: 0,
        imagePurgedAt: null,
      });
    if (!enqueue) return write(this.inspections);
    return this.transactions.run(async (tx) => {
      const row = await write(tx.get(InspectionRepository));
      await this.queue.send('score-inspection', { inspectionId: id }, { db: tx.jobs });
      return row;
    });
  }

  /** Keyed by the inspection: queued twice, it is one job. */
  private async enqueueScoring(inspectionId: string, delayMs = 0): Promise<void> {
    try {
      await this.queue.send(
        'score-inspection',
        { inspectionId },
        { id: inspectionId, ...(delayMs > 0 ? { startAfter: new Date(Date.now() + delayMs) } : {}) },
      );
    } catch (error) {
      // The row is committed; the sweeper re-enqueues inspections left pending.
      this.logger.error({ err: error, inspectionId }, 'could not enqueue scoring');
    }
  }

  /** A keyed upload that could not be taken may be a retry of one that was: answer that, else `error`. */
  private async replayOr(camera: CameraPrincipal, upload: Upload, error: unknown): Promise<IntakeResult> {
    const replay = await this.findReplay(camera, upload);
    if (replay) return replay;
    throw error;
  }

  private async findReplay(camera: CameraPrincipal, upload: Upload): Promise<IntakeResult | null> {
    if (!upload.idempotencyKey) return null;
    const existing = await this.inspections
      .findByIdempotencyKey(camera.cameraId, upload.idempotencyKey)
      .catch((error: unknown) => {
        // The database went away after the credential check: a camera must retry, not give the image up.
        this.logger.error({ err: error }, 'idempotency lookup failed');
        throw new ApiError(
          503,
          'database_unavailable',
          'earlier uploads cannot be checked right now; retry later',
        );
      });
    if (!existing) return null;
    const sha = createHash('sha256').update(upload.bytes).digest('hex');
    if (sha !== existing.imageSha256) {
      throw new ApiError(
        409,
        'idempotency_key_reused',
        'this idempotency key was already used for a different image',
        { inspectionId: existing.id },
      );
    }
    return { httpStatus: 200, inspection: mapInspection(existing) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
