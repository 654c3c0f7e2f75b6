import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { type UserRole } from '@linescope/db';
import { type AuthenticatedRequest, type Principal } from './principals';

export const ALLOWED_PRINCIPALS = 'linescope:allowed-principals';

/** Who may call a handler: 'camera' for camera keys, and/or the user roles listed. */
export type Allowed = 'camera' | UserRole;

export const Allow = (...allowed: Allowed[]) => SetMetadata(ALLOWED_PRINCIPALS, allowed);

/** The authenticated caller of the request. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.principal) throw new Error('no principal on an authenticated route');
    return request.principal;
  },
);
