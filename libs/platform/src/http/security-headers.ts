import { type NextFunction, type Request, type Response } from 'express';

/** Pages (the web console) load only their own scripts, styles, images and API; nothing may frame them. */
export const PAGE_CSP =
  "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";
/** Swagger UI ships inline styles and data: icons. */
const DOCS_CSP = `${PAGE_CSP}; style-src 'self' 'unsafe-inline'; img-src 'self' data:`;
/** Stored files (camera images, heatmaps): never run as a document, even when opened directly. */
export const FILE_CSP = "sandbox; default-src 'none'";

/** Security headers on every response of every app; handlers that stream files tighten the CSP. */
export function securityHeaders(request: Request, response: Response, next: NextFunction): void {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Content-Security-Policy', request.path.startsWith('/api/docs') ? DOCS_CSP : PAGE_CSP);
  next();
}
