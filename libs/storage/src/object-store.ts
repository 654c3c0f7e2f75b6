import { type Readable } from 'node:stream';

/** Metadata of a stored object. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Content type recorded at write time (application/octet-stream when none was given). */
  contentType: string;
  lastModified: Date;
}

export interface PutOptions {
  contentType?: string;
}

/**
 * The product's only door to object storage: images, heatmaps, model artifacts, checkpoints.
 * Two implementations: `FsObjectStore` (embedded default) and `S3ObjectStore` (MinIO or any S3).
 * Every key is checked by `assertValidKey` before it reaches a backend.
 */
export interface ObjectStore {
  /** Human-readable kind, for logs and health output ("fs" or "s3"). */
  readonly kind: 'fs' | 's3';
  /** Creates the bucket / root folder if needed. Idempotent. */
  init(): Promise<void>;
  put(key: string, body: Buffer, options?: PutOptions): Promise<ObjectInfo>;
  /** Reads a whole object. Throws `ObjectNotFoundError` when the key does not exist. */
  get(key: string): Promise<Buffer>;
  /** Streams an object. Throws `ObjectNotFoundError` when the key does not exist. */
  getStream(key: string): Promise<Readable>;
  /** Returns null when the key does not exist. */
  stat(key: string): Promise<ObjectInfo | null>;
  exists(key: string): Promise<boolean>;
  /** Deletes an object; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Lists objects whose key starts with `prefix`, in lexicographic key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Cheap round trip used by readiness checks; throws when the store cannot be reached. */
  ping(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`object not found: ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/** The disk or the bucket has no room for the write; nothing of it was kept. Retry once space returns. */
export class StorageFullError extends Error {
  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    super(`no room to store ${key}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StorageFullError';
  }
}

/** Filesystem out of space or quota; S3 servers' "storage full" answers (MinIO's, and HTTP 507). */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'XMinioStorageFull', 'StorageFull', 'InsufficientStorage']);

export function isStorageFull(error: unknown): boolean {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  return (typeof code === 'string' && FULL_CODES.has(code)) || statusCode === 507;
}

export class InvalidObjectKeyError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidObjectKeyError';
  }
}

const KEY_SEGMENT = /^[A-Za-z0-9._=+-]+$/;
const MAX_KEY_LENGTH = 512;

/**
 * Keys are relative, slash-separated paths of safe segments. Rejecting `.`/`..` segments, absolute paths,
 * backslashes and empty segments keeps a key from escaping the filesystem store's root, and keeps the same key
 * valid on every S3 implementation.
 */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidObjectKeyError(String(key), 'empty');
  if (key.length > MAX_KEY_LENGTH)
    throw new InvalidObjectKeyError(key, `longer than ${MAX_KEY_LENGTH} characters`);
  if (key.startsWith('/')) throw new InvalidObjectKeyError(key, 'absolute path');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidObjectKeyError(key, 'empty path segment');
    if (segment === '.' || segment === '..') throw new InvalidObjectKeyError(key, 'path traversal');
    if (!KEY_SEGMENT.test(segment))
      throw new InvalidObjectKeyError(key, 'only A-Z a-z 0-9 . _ = + - and / allowed');
  }
}

/** Prefixes may end with '/' and may be empty (list everything). */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}
