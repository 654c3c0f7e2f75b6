import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG, LOGGER } from '@linescope/platform';
import { type Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { type Logger } from 'pino';
import { httpError } from './http.errors';

/**
 * Scoring and the list of served models need `Authorization: Bearer <INFERENCE_TOKEN>`. Without a configured token
 * (allowed only outside production: `npm start` always sets one) the endpoints stay open, with a warning at start.
 */
@Injectable()
export class InferenceTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(LOGGER) logger: Logger) {
    this.expected = config.inferenceToken ? digest(config.inferenceToken) : undefined;
    if (!this.expected) logger.warn('INFERENCE_TOKEN is not set: /predict and /ping answer any caller');
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw httpError(401, 'unauthenticated', 'send Authorization: Bearer <INFERENCE_TOKEN>');
    // Digests of equal length, so the comparison takes the same time whatever was sent.
    if (!timingSafeEqual(digest(match[1]), this.expected))
      throw httpError(401, 'invalid_token', 'the inference token is wrong');
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
