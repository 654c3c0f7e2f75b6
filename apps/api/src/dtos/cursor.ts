import { ApiError } from '../errors/api-error';

/** The only timestamp shape `toISOString()` writes for years 0000-9999, which PostgreSQL accepts as timestamptz. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A bigserial id as pg returns it (a decimal string within bigint's range). */
const SERIAL = /^[1-9][0-9]{0,17}$/;

/** The kind of id a list's rows have: most tables use UUIDs, append-only logs a bigserial. */
export type CursorIdKind = 'uuid' | 'serial';

/** A position in a newest-first list: rows strictly after it come next. */
export interface CursorPosition {
  receivedAt: string;
  id: string;
}

export function encodeCursor(receivedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([receivedAt.toISOString(), id])).toString('base64url');
}

/**
 * Reads a pagination cursor (`[receivedAt ISO, id UUID]` in base64url) and refuses one this API could not have
 * issued before any of it reaches PostgreSQL: a crafted but well-formed one must be a 400, never a 500.
 */
export function decodeCursor(cursor: string, idKind: CursorIdKind = 'uuid'): CursorPosition {
  const position = parseCursor(cursor, idKind === 'uuid' ? UUID : SERIAL);
  if (!position) throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API issued');
  return position;
}

function parseCursor(cursor: string, idPattern: RegExp): CursorPosition | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [at, id] = value as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string') return null;
  if (!ISO_INSTANT.test(at) || !idPattern.test(id)) return null;
  // Rejects 2026-02-30T...: a valid instant round-trips to the same text.
  const parsed = new Date(at);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString() === at ? { receivedAt: at, id } : null;
}
