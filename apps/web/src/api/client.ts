import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/** The product's error body: `{ statusCode, error: "<code>", message }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

/** The session's CSRF token, sent as X-CSRF-Token on every state-changing request made with the cookie. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE_METHODS.has(request.method) && csrfToken && !request.headers.has('authorization'))
      request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

/** The one way the console talks to the API: typed by the OpenAPI document, same origin, cookie session. */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(csrf);

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function describe(error: unknown, response: Response): ApiError {
  if (error && typeof error === 'object' && 'error' in error && 'message' in error) {
    const body = error;
    return new ApiError(response.status, String(body.error), String(body.message));
  }
  return new ApiError(response.status, 'http_error', `${response.status} ${response.statusText}`);
}

/** The data of a successful call, or an ApiError carrying the server's code and message. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw describe(error, response);
  return data as T;
}
