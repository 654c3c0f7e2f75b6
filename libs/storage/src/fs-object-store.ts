import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type Readable } from 'node:stream';
import {
  assertValidKey,
  assertValidPrefix,
  InvalidObjectKeyError,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  type PutOptions,
  isStorageFull,
  StorageFullError,
} from './object-store';

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** Content types live in a sidecar so that the object file itself stays byte-identical to what was put. */
const META_SUFFIX = '.meta.json';
const TMP_DIR = '.tmp';

/**
 * Object store on the local filesystem: the embedded default for a single box.
 * Writes go to a temporary file first and are renamed into place, so a reader never sees half an object.
 */
export class FsObjectStore implements ObjectStore {
  readonly kind = 'fs' as const;
  private readonly root: string;
  private readonly objectsDir: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.objectsDir = path.join(this.root, 'objects');
  }

  async init(): Promise<void> {
    await mkdir(this.objectsDir, { recursive: true });
    await mkdir(path.join(this.root, TMP_DIR), { recursive: true });
  }

  /** Removes temporary files older than `olderThanMs`: what a write interrupted by a crash left. Returns how many. */
  async sweepTemporaryFiles(olderThanMs: number): Promise<number> {
    const dir = path.join(this.root, TMP_DIR);
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const file = path.join(dir, name);
      const info = await stat(file).catch(() => null);
      if (!info || info.mtimeMs >= cutoff) continue;
      await rm(file, { recursive: true, force: true });
      removed += 1;
    }
    return removed;
  }

  async put(key: string, body: Buffer, options: PutOptions = {}): Promise<ObjectInfo> {
    const file = this.fileFor(key);
    await mkdir(path.dirname(file), { recursive: true });
    const contentType = options.contentType ?? DEFAULT_CONTENT_TYPE;
    const tmp = path.join(this.root, TMP_DIR, randomUUID());
    try {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Most keys say their type by extension; a sidecar is written only when the type differs from that.
      if (contentType === impliedContentType(key)) await rm(file + META_SUFFIX, { force: true });
      else await writeFile(file + META_SUFFIX, JSON.stringify({ contentType }));
      await rename(tmp, file);
    } catch (error) {
      // A full disk leaves a partial temporary file: remove it at once, so nothing half-written stays.
      await rm(tmp, { force: true }).catch(() => undefined);
      throw isStorageFull(error) ? new StorageFullError(key, error) : error;
    }
    return { key, size: body.length, contentType, lastModified: new Date() };
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.fileFor(key));
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const file = this.fileFor(key);
    // Open first so a missing key fails here rather than as a stream 'error' event later.
    const handle = await open(file, 'r').catch((error: unknown) => {
      throw this.translate(error, key);
    });
    return handle.createReadStream({ autoClose: true });
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const file = this.fileFor(key);
    try {
      const info = await stat(file);
      if (!info.isFile()) return null;
      return {
        key,
        size: info.size,
        contentType: await this.readContentType(file, key),
        lastModified: info.mtime,
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
    const file = this.fileFor(key);
    await rm(file, { force: true });
    await rm(file + META_SUFFIX, { force: true });
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const keys: string[] = [];
    await this.collectKeys(this.objectsDir, '', keys);
    keys.sort();
    for (const key of keys) {
      if (!key.startsWith(prefix)) continue;
      const info = await this.stat(key);
      if (info) yield info;
    }
  }

  async ping(): Promise<void> {
    await stat(this.objectsDir);
  }

  private async collectKeys(dir: string, relative: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const key = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await this.collectKeys(path.join(dir, entry.name), key, out);
      else if (entry.isFile() && !entry.name.endsWith(META_SUFFIX)) out.push(key);
    }
  }

  private async readContentType(file: string, key: string): Promise<string> {
    try {
      const meta = JSON.parse(await readFile(file + META_SUFFIX, 'utf8')) as { contentType?: unknown };
      if (typeof meta.contentType === 'string') return meta.contentType;
    } catch {
      // no sidecar: the extension says it
    }
    return impliedContentType(key);
  }

  private fileFor(key: string): string {
    assertValidKey(key);
    if (key.endsWith(META_SUFFIX))
      throw new InvalidObjectKeyError(key, `the suffix ${META_SUFFIX} is reserved`);
    const file = path.join(this.objectsDir, ...key.split('/'));
    // Defence in depth: assertValidKey already forbids traversal.
    if (!file.startsWith(this.objectsDir + path.sep))
      throw new InvalidObjectKeyError(key, 'escapes the store root');
    return file;
  }

  private translate(error: unknown, key: string): unknown {
    return isNotFound(error) || isDirectory(error) ? new ObjectNotFoundError(key) : error;
  }
}

const TYPES_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  gif: 'image/gif',
  bmp: 'image/bmp',
  json: 'application/json',
  onnx: 'application/octet-stream',
};

function impliedContentType(key: string): string {
  const dot = key.lastIndexOf('.');
  return (
    (dot > key.lastIndexOf('/') && TYPES_BY_EXTENSION[key.slice(dot + 1).toLowerCase()]) ||
    DEFAULT_CONTENT_TYPE
  );
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function isDirectory(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EISDIR';
}
