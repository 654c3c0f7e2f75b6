import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '../errors/api-error';
import { CredentialsRepository } from '../repositories/credentials.repository';
import { ALLOWED_PRINCIPALS, type Allowed } from './auth.decorators';
import { type AuthenticatedRequest } from './principals';
import { CAMERA_KEY_PREFIX, USER_TOKEN_PREFIX, hashSecret } from '@linescope/accounts';

/**
 * Authenticates every request to a handler marked with @Allow(...): camera keys (`X-Api-Key` or
 * `Authorization: Bearer lsk_...`) and people's tokens (`Authorization: Bearer lsu_...`).
 * Handlers without @Allow are public (health, metrics, docs, signed file links).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialsRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const allowed = this.reflector.getAllAndOverride<Allowed[] | undefined>(ALLOWED_PRINCIPALS, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!allowed) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const secret = readSecret(request);
    if (!secret) throw new ApiError(401, 'unauthenticated', 'send an API key (X-Api-Key) or a bearer token');

    if (secret.startsWith(CAMERA_KEY_PREFIX)) {
      const camera = await unavailableOnError(this.credentials.findCameraByKeyHash(hashSecret(secret)));
      if (!camera) throw new ApiError(401, 'invalid_api_key', 'the API key is unknown or revoked');
      if (!allowed.includes('camera'))
        throw new ApiError(403, 'forbidden', 'camera keys cannot call this endpoint');
      request.principal = { kind: 'camera', ...camera };
      return true;
    }
    if (secret.startsWith(USER_TOKEN_PREFIX)) {
      const user = await unavailableOnError(this.credentials.findUserByTokenHash(hashSecret(secret)));
      if (!user) throw new ApiError(401, 'invalid_token', 'the token is unknown, expired or revoked');
      if (!allowed.includes(user.role))
        throw new ApiError(403, 'forbidden', `the ${user.role} role cannot call this endpoint`);
      request.principal = { kind: 'user', ...user };
      return true;
    }
    throw new ApiError(401, 'invalid_api_key', 'the credential has an unknown format');
  }
}

/** Without the database no credential can be checked: that is the service being unavailable, not a 500. */
async function unavailableOnError<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch {
    throw new ApiError(503, 'database_unavailable', 'credentials cannot be checked right now; retry later');
  }
}

function readSecret(request: AuthenticatedRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header.trim();
  const authorization = request.headers.authorization;
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}
