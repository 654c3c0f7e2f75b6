import { Inject, Injectable } from '@nestjs/common';
import {
  AuditRepository,
  DatabaseTransactions,
  InspectionRepository,
  ProductionLineRepository,
} from '@linescope/db';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG, LOGGER } from '@linescope/platform';
import { type JobOutcome } from '@linescope/queue';
import { createHmac } from 'node:crypto';
import { type Logger } from 'pino';
import { type UserPrincipal } from '../auth/principals';
import { mapInspection } from '../dtos/inspection.dto';
import { type WebhookTestResultDto } from '../dtos/line.dto';
import { ApiError } from '../errors/api-error';

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
    private readonly transactions: DatabaseTransactions,
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
    const response = await this.post(line.webhookUrl, line.webhookSecret, 'inspection.completed', body);
    await response.body?.cancel();
    if (!response.ok) throw new Error(`webhook ${line.webhookUrl} answered ${response.status}`);
    this.logger.info({ inspectionId, url: line.webhookUrl }, 'webhook delivered');
    return { status: 'done', detail: { httpStatus: response.status } };
  }

  /**
   * Sends a signed `test` event to the line's webhook, now (not through the queue), and answers how the
   * delivery went: the receiver's HTTP status, the latency, or the network error. Audited.
   */
  async sendTest(lineId: string, actor: UserPrincipal): Promise<WebhookTestResultDto> {
    const line = await this.lines.findById(lineId);
    if (!line) throw new ApiError(404, 'line_not_found', `no production line ${lineId}`);
    if (!line.webhookUrl || !line.webhookSecret)
      throw new ApiError(409, 'no_webhook', `line ${line.name} has no webhook: set webhookUrl first`);
    const sentAt = new Date().toISOString();
    const body = JSON.stringify({ event: 'test', line: { id: line.id, name: line.name }, sentAt });
    const started = performance.now();
    let result: WebhookTestResultDto;
    try {
      const response = await this.post(line.webhookUrl, line.webhookSecret, 'test', body);
      await response.arrayBuffer().catch(() => undefined);
      result = {
        url: line.webhookUrl,
        delivered: response.ok,
        httpStatus: response.status,
        latencyMs: Math.round(performance.now() - started),
        error: response.ok ? null : `the receiver answered ${response.status}`,
        sentAt,
      };
    } catch (error) {
      result = {
        url: line.webhookUrl,
        delivered: false,
        httpStatus: null,
        latencyMs: Math.round(performance.now() - started),
        error: describeFetchError(error, this.config.webhookTimeoutMs),
        sentAt,
      };
    }
    await this.transactions.run((tx) =>
      tx.get(AuditRepository).append({
        actorType: 'user',
        actorId: actor.userId,
        action: 'line.webhook.test',
        targetType: 'production_line',
        targetId: line.id,
        details: {
          url: result.url,
          delivered: result.delivered,
          httpStatus: result.httpStatus,
          error: result.error,
        },
      }),
    );
    return result;
  }

  /** Posts a signed event; the timeout bounds the wait for the answer's headers (a receiver that never answers). */
  private post(url: string, secret: string, event: string, body: string): Promise<Response> {
    return fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Linescope-Event': event,
        'X-Linescope-Signature': signWebhook(secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
      signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
      redirect: 'error',
    });
  }
}

/**
 * fetch's TypeError says only "fetch failed"; the reason (ECONNREFUSED, a timeout, a redirect) is its cause.
 * Read by shape, not instanceof: undici's errors may come from another realm.
 */
function describeFetchError(error: unknown, timeoutMs: number): string {
  const { name, message, cause } = (error ?? {}) as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const reason = cause?.code ?? cause?.message;
  const text = message ?? String(error);
  return reason ? `${text}: ${reason}` : text;
}
