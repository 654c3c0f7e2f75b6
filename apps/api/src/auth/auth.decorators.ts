import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiSecurity, type DocumentBuilder } from '@nestjs/swagger';
import { type UserRole } from '@linescope/db';
import { type AuthenticatedRequest, type Principal } from './principals';
import { SESSION_COOKIE } from './session-cookie';

export const ALLOWED_PRINCIPALS = 'linescope:allowed-principals';

/** Who may call a handler: 'camera' for camera keys, and/or the user roles listed. */
export type Allowed = 'camera' | UserRole;

/** OpenAPI security scheme names, declared by `addSecuritySchemes`. */
export const SECURITY_SCHEMES = { bearer: 'bearer', cameraKey: 'cameraKey', session: 'session' } as const;

/**
 * Marks a handler (or every handler of a controller) as authenticated, and documents the credentials it takes in
 * OpenAPI from the same list, so the guard and the document cannot disagree: people's roles take a bearer token
 * or the session cookie, 'camera' takes a camera key.
 */
export const Allow = (...allowed: Allowed[]) => {
  const schemes: string[] = [];
  if (allowed.some((who) => who !== 'camera'))
    schemes.push(SECURITY_SCHEMES.bearer, SECURITY_SCHEMES.session);
  if (allowed.includes('camera')) schemes.push(SECURITY_SCHEMES.cameraKey);
  return applyDecorators(
    SetMetadata(ALLOWED_PRINCIPALS, allowed),
    ...schemes.map((scheme) => ApiSecurity(scheme)),
  );
};

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
