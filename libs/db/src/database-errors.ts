/** Hides the password of a connection URL so it can be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** One line that tells an operator why the database cannot be used. */
export function describeDatabaseError(url: string, error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const where = redactUrl(url);
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot reach PostgreSQL at ${where}: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach PostgreSQL at ${where}: host not found`;
    case 'ETIMEDOUT':
      return `cannot reach PostgreSQL at ${where}: timed out`;
    case '28P01':
    case '28000':
      return `PostgreSQL at ${where} refused the credentials: ${message}`;
    case '3D000':
      return `PostgreSQL at ${where}: ${message}`;
    default:
      return `cannot use PostgreSQL at ${where}: ${message.split('\n')[0]}`;
  }
}

/**
 * SQLSTATE classes that say the database cannot serve right now, not that the request is wrong:
 * 08 connection exception, 53 insufficient resources, 57 operator intervention (57014: statement_timeout),
 * and 55P03 lock_not_available.
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57)|^55P03$/;
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg's own messages: the pool's connection timeout, the client-side query timeout, a dropped connection. */
const UNAVAILABLE_MESSAGE =
  /timeout exceeded when trying to connect|Query read timeout|Connection terminated|connection error|not queryable/i;

/**
 * True when a database call failed because the database is slow, stopped, unreachable or not ours — the caller
 * should answer 503 `database_unavailable` (retry later), not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ServerIdentityError') return true;
  const inner = (error as { driverError?: unknown }).driverError;
  const candidates = [error, ...(inner instanceof Error ? [inner] : [])];
  return candidates.some((candidate) => {
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET_CODES.has(code)))
      return true;
    return UNAVAILABLE_MESSAGE.test(candidate.message);
  });
}
