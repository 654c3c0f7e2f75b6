import { Client, type ClientOptions } from 'minio';
import http from 'node:http';
import https from 'node:https';
import { type Readable } from 'node:stream';
import { StorageTimeoutError } from './bounded-object-store';
import {
  assertValidKey,
  assertValidPrefix,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  type PutOptions,
  isStorageFull,
  StorageFullError,
} from './object-store';

/** Where the S3 server listens (the configuration parses it from a URL such as http://127.0.0.1:9000). */
export interface S3Endpoint {
  endPoint: string;
  port: number;
  useSSL: boolean;
}

export interface S3StoreOptions {
  endpoint: S3Endpoint;
  bucket: string;
  accessKey: string;
  secretKey: string;
  region?: string;
  /** Path-style addressing (bucket in the path): what MinIO and most self-hosted servers expect. */
  pathStyle?: boolean;
  /** A request whose connection stays silent this long is aborted (a stalled server, not a slow transfer). */
  idleTimeoutMs?: number;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchObject']);

/** Object store on any S3-protocol server (MinIO in production), through the `minio` client. */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  private readonly client: Client;
  private readonly bucket: string;
  private readonly region: string;

  constructor(options: S3StoreOptions) {
    this.client = new Client(toClientOptions(options));
    this.bucket = options.bucket;
    this.region = options.region ?? 'us-east-1';
  }

  async init(): Promise<void> {
    if (await this.client.bucketExists(this.bucket)) return;
    try {
      await this.client.makeBucket(this.bucket, this.region);
    } catch (error) {
      // Another instance may have created it between the two calls.
      if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(errorCode(error) ?? '')) throw error;
    }
  }

  async put(key: string, body: Buffer, options: PutOptions = {}): Promise<ObjectInfo> {
    assertValidKey(key);
    const contentType = options.contentType ?? DEFAULT_CONTENT_TYPE;
    try {
      await this.client.putObject(this.bucket, key, body, body.length, { 'Content-Type': contentType });
    } catch (error) {
      throw isStorageFull(error) ? new StorageFullError(key, error) : error;
    }
    return { key, size: body.length, contentType, lastModified: new Date() };
  }

  async get(key: string): Promise<Buffer> {
    const stream = await this.getStream(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getStream(key: string): Promise<Readable> {
    assertValidKey(key);
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (error) {
      throw translate(error, key);
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    try {
      const stat = await this.client.statObject(this.bucket, key);
      const metaType = stat.metaData['content-type'] as unknown;
      return {
        key,
        size: stat.size,
        contentType: typeof metaType === 'string' ? metaType : DEFAULT_CONTENT_TYPE,
        lastModified: stat.lastModified,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.removeObject(this.bucket, key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const items = this.client.listObjectsV2(this.bucket, prefix, true);
    for await (const item of items as AsyncIterable<{ name?: string; size: number; lastModified?: Date }>) {
      if (!item.name) continue;
      // Listing does not return content types; callers that need one ask stat().
      yield {
        key: item.name,
        size: item.size,
        contentType: DEFAULT_CONTENT_TYPE,
        lastModified: item.lastModified ?? new Date(0),
      };
    }
  }

  async ping(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket)))
      throw new Error(`bucket ${this.bucket} does not exist`);
  }
}

function toClientOptions(options: S3StoreOptions): ClientOptions {
  const endpoint = options.endpoint;
  return {
    ...endpoint,
    ...(options.idleTimeoutMs
      ? { transport: abortingWhenIdle(endpoint.useSSL ? https : http, options.idleTimeoutMs) }
      : {}),
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    region: options.region ?? 'us-east-1',
    pathStyle: options.pathStyle ?? true,
  };
}

/** Really aborts a request whose socket is idle too long, so no connection to a stalled server is left waiting. */
function abortingWhenIdle(
  base: typeof http | typeof https,
  idleTimeoutMs: number,
): Pick<typeof http, 'request'> {
  const request = (...args: Parameters<typeof http.request>) => {
    const req = base.request(...args);
    req.setTimeout(idleTimeoutMs, () =>
      req.destroy(new StorageTimeoutError('request', idleTimeoutMs, 'S3 server')),
    );
    return req;
  };
  return { request: request as typeof http.request };
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isNotFound(error: unknown): boolean {
  return NOT_FOUND_CODES.has(errorCode(error) ?? '');
}

function translate(error: unknown, key: string): unknown {
  return isNotFound(error) ? new ObjectNotFoundError(key) : error;
}
