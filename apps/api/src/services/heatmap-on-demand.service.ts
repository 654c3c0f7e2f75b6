import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { type InspectionEntity } from '@linescope/db';
import { APP_CONFIG } from '@linescope/platform';
import { ApiError } from '../errors/api-error';
import { InferenceClient, InferenceUnavailableError } from '../inference/inference.client';

/**
 * Heatmap jobs are a bounded backlog (HEATMAP_BACKLOG_MAX, the stale dropped): an item a person opens without one
 * gets it rendered now, by the inference service, within INFERENCE_TIMEOUT_MS.
 */
@Injectable()
export class HeatmapOnDemandService {
  constructor(
    private readonly inference: InferenceClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The heatmap's storage key, rendering it first when the inspection should have one and has none. */
  async ensure(row: InspectionEntity): Promise<string> {
    if (row.heatmapKey) return row.heatmapKey;
    if (row.status !== 'scored' || (row.verdict !== 'defect' && row.verdict !== 'uncertain'))
      throw new ApiError(
        404,
        'heatmap_not_found',
        'heatmaps exist for scored defect and uncertain inspections only',
      );
    const timeoutMs = this.config.inferenceTimeoutMs;
    let result: Awaited<ReturnType<InferenceClient['renderHeatmap']>>;
    try {
      result = await this.inference.renderHeatmap(row.id, timeoutMs);
    } catch (error) {
      if (!(error instanceof InferenceUnavailableError)) throw error;
      throw new ApiError(
        503,
        'inference_unavailable',
        `the inference service did not render the heatmap within ${timeoutMs} ms; retry later`,
      );
    }
    if ('refused' in result) throw new ApiError(404, 'heatmap_not_found', result.refused);
    return result.heatmapKey;
  }
}
