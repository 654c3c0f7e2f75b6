import { ApiError } from '../errors/api-error';

/** The only timestamp shape `toISOString()` writes for years 0000-9999, which PostgreSQL accepts as timestamptz. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Refuses a pagination cursor that this API could not have issued (`[receivedAt ISO, id UUID]` in base64url),
 * before any of it reaches PostgreSQL: a crafted but well-formed one must be a 400, never a 500.
 */
export function assertValidCursor(cursor: string | undefined): void {
  if (cursor === undefined) return;
  if (!isValidCursor(cursor))
    throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API issued');
}

function isValidCursor(cursor: string): boolean {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return false;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  if (!Array.isArray(value) || value.length !== 2) return false;
  const [at, id] = value as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string') return false;
  if (!ISO_INSTANT.test(at) || !UUID.test(id)) return false;
  // Rejects 2026-02-30T...: a valid instant round-trips to the same text.
  const parsed = new Date(at);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString() === at;
}
