import { Inject, Injectable } from '@nestjs/common';
import { VerdictRecorder } from '@linescope/inspections';
import { LOGGER } from '@linescope/platform';
import { type Logger } from 'pino';
import { InferenceRuntime } from '../inference.runtime';
import { type ScoredImage } from './scoring.service';
import { verdictResultOf } from './verdict-result.of';

/**
 * Records the verdict of an image whose caller (the API, past its line's deadline) stopped waiting for the answer,
 * so the image is scored once: the API's fallback job, queued to run later, finds the row final and skips it.
 * The camera was answered `pending`, so its webhook is notified, as the job would have.
 */
@Injectable()
export class LateVerdicts {
  constructor(
    private readonly recorder: VerdictRecorder,
    @Inject(InferenceRuntime) private readonly runtime: InferenceRuntime,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(inspectionId: string, { prediction, context }: ScoredImage): Promise<void> {
    const outcome = await this.recorder.record(inspectionId, verdictResultOf(prediction), {
      notifyWebhook: true,
    });
    this.runtime.metrics.lateVerdicts.inc({ outcome });
    this.logger.info({ inspectionId, outcome }, 'verdict recorded after the caller stopped waiting');
    if (outcome === 'recorded' && this.runtime.shadow.active())
      await this.runtime.recordShadow(inspectionId, context);
  }
}
