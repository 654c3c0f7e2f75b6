import { type UserRole, type VerdictMode } from '@linescope/db';
import { type Request } from 'express';

export interface CameraPrincipal {
  kind: 'camera';
  cameraId: string;
  lineId: string;
  keyId: string;
  rateLimitPerSecond: number | null;
  /** The camera's line settings an upload needs, read with the key. */
  line: { verdictMode: VerdictMode; verdictDeadlineMs: number };
}

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  role: UserRole;
  /** Set when the request was authenticated by the console's session cookie, not by a bearer token. */
  sessionId?: string;
}

export type Principal = CameraPrincipal | UserPrincipal;

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}
