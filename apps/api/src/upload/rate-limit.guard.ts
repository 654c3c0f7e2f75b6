import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { type Response } from 'express';
import { type AuthenticatedRequest } from '../auth/principals';
import { ApiError } from '../errors/api-error';
import { RateLimiter } from '../services/rate-limiter';

/** Per-camera upload rate, checked after authentication and before the body is read. */
@Injectable()
export class CameraRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiter) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = request.principal;
    if (principal?.kind !== 'camera') return true;
    const waitSeconds = this.limiter.take(principal.cameraId, principal.rateLimitPerSecond);
    if (waitSeconds > 0) {
      context
        .switchToHttp()
        .getResponse<Response>()
        .setHeader('Retry-After', String(Math.ceil(waitSeconds)));
      throw new ApiError(429, 'rate_limited', 'this camera is over its upload rate; retry later', {
        retryAfterSeconds: Math.round(waitSeconds * 1000) / 1000,
      });
    }
    return true;
  }
}
