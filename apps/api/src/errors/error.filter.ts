import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import { isDatabaseUnavailable } from '@linescope/db';
import { LOGGER } from '@linescope/platform';
import { type Response } from 'express';
import { type Logger } from 'pino';
import { type ErrorBody } from './api-error';

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Every error leaves as `{ statusCode, error, message }`; unexpected ones are logged and answered 500. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.error === 'database_unavailable' && !(exception instanceof HttpException))
      this.logger.warn({ err: exception }, 'database unavailable');
    else if (body.statusCode >= 500 && !(exception instanceof HttpException))
      this.logger.error({ err: exception }, 'unhandled error');
    if (response.headersSent) return;
    const retryAfter = body.details?.retryAfterSeconds;
    if (
      [429, 503].includes(body.statusCode) &&
      typeof retryAfter === 'number' &&
      !response.getHeader('Retry-After')
    )
      response.setHeader('Retry-After', String(Math.ceil(retryAfter)));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (isDatabaseUnavailable(exception)) {
      // A slow, stopped or unreachable database (past DATABASE_*_TIMEOUT_MS): retry later, never a 500.
      return {
        statusCode: 503,
        error: 'database_unavailable',
        message: 'the database does not answer; retry later',
      };
    }
    if (!(exception instanceof HttpException)) {
      return { statusCode: 500, error: 'internal_error', message: 'internal error' };
    }
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null && 'error' in response && 'message' in response) {
      const r = response as { error: unknown; message: unknown; details?: Record<string, unknown> };
      const message = Array.isArray(r.message) ? r.message.join('; ') : String(r.message);
      const error =
        typeof r.error === 'string' && /^[a-z_]+$/.test(r.error) ? r.error : (CODES[status] ?? 'error');
      return { statusCode: status, error, message, ...(r.details ? { details: r.details } : {}) };
    }
    return { statusCode: status, error: CODES[status] ?? 'error', message: exception.message };
  }
}
