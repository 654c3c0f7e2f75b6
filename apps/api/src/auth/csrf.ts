import { type Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors/api-error';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/**
 * Refuses a request another site made the browser send: `Sec-Fetch-Site: cross-site`, or an `Origin` that is
 * neither this server's (as the request addressed it) nor PUBLIC_URL's.
 */
export function assertSameSite(request: Request, publicUrl: string | undefined): void {
  if (request.headers['sec-fetch-site'] === 'cross-site')
    throw new ApiError(403, 'csrf_failed', 'cross-site requests are refused');
  const origin = request.headers.origin;
  if (origin === undefined) return;
  const own = [`${request.protocol}://${request.get('host') ?? ''}`];
  if (publicUrl) own.push(new URL(publicUrl).origin);
  if (!own.includes(origin)) throw new ApiError(403, 'csrf_failed', `requests from ${origin} are refused`);
}

/** A state-changing request made with the session cookie must echo the session's CSRF token. */
export function assertCsrfToken(request: Request, expected: string): void {
  const sent = request.headers['x-csrf-token'];
  const ok =
    typeof sent === 'string' &&
    sent.length === expected.length &&
    timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
  if (!ok) throw new ApiError(403, 'csrf_failed', 'send the X-CSRF-Token of your session');
}
