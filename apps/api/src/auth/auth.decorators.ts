import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiSecurity, type DocumentBuilder } from '@nestjs/swagger';
import { type UserRole } from '@linescope/db';
import { ApiErrors } from '../openapi/api-docs';
import { type AuthenticatedRequest, type Principal } from './principals';
import { SESSION_COOKIE } from './session-cookie';

export const ALLOWED_PRINCIPALS = 'linescope:allowed-principals';

/** Who may call a handler: 'camera' for camera keys, and/or the user roles listed. */
export type Allowed = 'camera' | UserRole;

/** OpenAPI security scheme names, declared by `addSecuritySchemes`. */
export const SECURITY_SCHEMES = {
  bearer: 'bearer',
  cameraKey: 'cameraKey',
  session: 'session',
  csrf: 'csrf',
} as const;

/**
 * Marks a handler (or every handler of a controller) as authenticated, and documents the credentials it takes in
 * OpenAPI from the same list, so the guard and the document cannot disagree: people's roles take a bearer token
 * or the session cookie (state-changing methods also the CSRF header, added when the document is built),
 * 'camera' takes a camera key. The guard's own answers, 401 and 403, are documented here too.
 */
export const Allow = (...allowed: Allowed[]) => {
  const schemes: string[] = [];
  if (allowed.some((who) => who !== 'camera'))
    schemes.push(SECURITY_SCHEMES.bearer, SECURITY_SCHEMES.session);
  if (allowed.includes('camera')) schemes.push(SECURITY_SCHEMES.cameraKey);
  return applyDecorators(
    SetMetadata(ALLOWED_PRINCIPALS, allowed),
    ...schemes.map((scheme) => ApiSecurity(scheme)),
    ApiErrors(
      [401, 'No credential, or one that is unknown, expired or revoked (unauthenticated, invalid_token)'],
      [403, forbiddenDescription(allowed)],
    ),
  );
};

function forbiddenDescription(allowed: Allowed[]): string {
  const roles = allowed.filter((who) => who !== 'camera');
  if (!roles.length) return 'Only a camera key may call this (forbidden)';
  const who = allowed.includes('camera') ? [...roles, 'a camera key'] : roles;
  return (
    `Only ${who.join(', ')} may call this (forbidden); with the session cookie, a state-changing request ` +
    'also needs X-CSRF-Token (csrf_failed)'
  );
}

export function addSecuritySchemes(builder: DocumentBuilder): DocumentBuilder {
  return builder
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: "A person's token (lsu_...) or a camera key (lsk_...)" },
      SECURITY_SCHEMES.bearer,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'A camera key (lsk_...)' },
      SECURITY_SCHEMES.cameraKey,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'cookie',
        name: SESSION_COOKIE,
        description:
          'The console session from POST /api/v1/auth/login; state-changing requests also need X-CSRF-Token',
      },
      SECURITY_SCHEMES.session,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-CSRF-Token',
        description:
          "The session's csrfToken (from login or GET /api/v1/auth/session): required with the session cookie on " +
          'every state-changing request',
      },
      SECURITY_SCHEMES.csrf,
    );
}

/** The authenticated caller of the request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.principal) throw new Error('no principal on an authenticated route');
    return request.principal;
  },
);
