import { Inject, Injectable } from '@nestjs/common';
import { InspectionRepository, ProductionLineRepository } from '@linescope/db';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG, LOGGER } from '@linescope/platform';
import { type JobOutcome } from '@linescope/queue';
import { createHmac } from 'node:crypto';
import { type Logger } from 'pino';
import { mapInspection } from '../dtos/inspection.dto';

/** Signs a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * Tells a line's webhook that an inspection finished. The receiver checks `X-Linescope-Signature`.
 * A non-2xx answer or a network error throws, so the queue retries with backoff.
 */
@Injectable()
export class WebhookService {
  constructor(
    private readonly inspections: InspectionRepository,
    private readonly lines: ProductionLineRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async notify(inspectionId: string): Promise<JobOutcome> {
    const inspection = await this.inspections.findById(inspectionId);
    if (!inspection) return { status: 'skipped', reason: 'inspection no longer exists' };
    if (inspection.status === 'pending') return { status: 'skipped', reason: 'inspection has no result yet' };
    const line = await this.lines.findById(inspection.lineId);
    if (!line?.webhookUrl || !line.webhookSecret)
      return { status: 'skipped', reason: 'the line has no webhook' };

    const body = JSON.stringify({ event: 'inspection.completed', inspection: mapInspection(inspection) });
    const response = await fetch(line.webhookUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Linescope-Event': 'inspection.completed',
        'X-Linescope-Signature': signWebhook(line.webhookSecret, body, Math.floor(Date.now() / 1000)),
      },
      body,
      // Bounds the wait for the answer's headers: a receiver that accepts and never answers fails the try.
      signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
      redirect: 'error',
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`webhook ${line.webhookUrl} answered ${response.status}`);
    this.logger.info({ inspectionId, url: line.webhookUrl }, 'webhook delivered');
    return { status: 'done', detail: { httpStatus: response.status } };
  }
}
