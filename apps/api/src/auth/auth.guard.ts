import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG } from '@linescope/platform';
import { ApiError } from '../errors/api-error';
import { CredentialsRepository } from '../repositories/credentials.repository';
import { AuthService } from '../services/auth.service';
import { ALLOWED_PRINCIPALS, type Allowed } from './auth.decorators';
import { assertCsrfToken, assertSameSite, isSafeMethod } from './csrf';
import { type AuthenticatedRequest } from './principals';
import { readSessionCookie } from './session-cookie';
import { CAMERA_KEY_PREFIX, USER_TOKEN_PREFIX, hashSecret } from '@linescope/accounts';

/**
 * Authenticates every request to a handler marked with @Allow(...): camera keys (`X-Api-Key` or
 * `Authorization: Bearer lsk_...`), people's tokens (`Authorization: Bearer lsu_...`) and, only when neither header
 * is sent, the console's session cookie (with the CSRF checks on state-changing methods).
 * Handlers without @Allow are public (health, metrics, docs, signed file links, sign-in).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialsRepository,
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const allowed = this.reflector.getAllAndOverride<Allowed[] | undefined>(ALLOWED_PRINCIPALS, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!allowed) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const secret = readSecret(request);
    if (secret === '')
      throw new ApiError(401, 'unauthenticated', 'the Authorization header is not a bearer token');
    if (secret === undefined) {
      const cookie = readSessionCookie(request);
      if (cookie) return this.authenticateSession(request, cookie, allowed);
      throw new ApiError(401, 'unauthenticated', 'send an API key (X-Api-Key), a bearer token or sign in');
    }

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

  private async authenticateSession(
    request: AuthenticatedRequest,
    cookie: string,
    allowed: Allowed[],
  ): Promise<boolean> {
    const session = await unavailableOnError(this.auth.authenticate(cookie));
    if (!session) throw new ApiError(401, 'unauthenticated', 'the session has ended; sign in again');
    if (!isSafeMethod(request.method)) {
      assertSameSite(request, this.config.publicUrl);
      assertCsrfToken(request, session.csrfToken);
    }
    if (!allowed.includes(session.user.role))
      throw new ApiError(403, 'forbidden', `the ${session.user.role} role cannot call this endpoint`);
    if (session.user.mustChangePassword && !PASSWORD_CHANGE_ROUTES.test(request.path))
      throw new ApiError(
        403,
        'password_change_required',
        'your password was reset by an administrator: set a new one first (POST /api/v1/auth/password)',
      );
    request.principal = {
      kind: 'user',
      userId: session.user.id,
      role: session.user.role,
      sessionId: session.id,
    };
    return true;
  }
}

/** What a session with a temporary password (an administrator's reset) may still call: enough to change it. */
const PASSWORD_CHANGE_ROUTES = /^\/api\/v1\/(auth\/[a-z]+|users\/me)$/;

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
  if (authorization === undefined) return undefined;
  const match = authorization.match(/^Bearer\s+(\S+)$/i);
  // A request that carries Authorization is judged by it alone, never by a cookie beside it.
  return match?.[1] ?? '';
}
