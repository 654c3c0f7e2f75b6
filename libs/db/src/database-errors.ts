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
