import { Injectable, type NestMiddleware } from '@nestjs/common';
import { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Paths the API owns: never answered with the web console, even for a browser asking for HTML. */
const API_PATHS = /^\/(api|health|metrics|files)(\/|$)/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The shell is small and names the hashed bundles: always revalidated, so a deploy is picked up at once. */
const REVALIDATE = 'no-cache';
const SHELL_HEADERS = {
  'Cache-Control': REVALIDATE,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
};

/** The built console (`vite build` into dist/web): found from this file, built or run from source. */
export function findWebRoot(from: string = __dirname): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'dist', 'web');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

function acceptsHtml(request: Request): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/**
 * Serves the web console on the API's origin: hashed assets cached forever, index.html revalidated, and
 * index.html for any other GET that accepts HTML (the SPA's client-side routes), so deep links work.
 */
@Injectable()
export class WebConsoleMiddleware implements NestMiddleware {
  private readonly root = findWebRoot();

  use(request: Request, response: Response, next: NextFunction): void {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !this.root) return next();
    const urlPath = request.path;
    if (API_PATHS.test(urlPath)) return next();
    if (urlPath.startsWith('/assets/')) {
      response.sendFile(
        urlPath.slice(1),
        { root: this.root, dotfiles: 'deny', cacheControl: false, headers: { 'Cache-Control': IMMUTABLE } },
        (error?: Error) => (error ? next() : undefined),
      );
      return;
    }
    if (!acceptsHtml(request)) return next();
    response.sendFile(
      'index.html',
      { root: this.root, cacheControl: false, headers: SHELL_HEADERS },
      (error) => (error ? next(error) : undefined),
    );
  }
}
