import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG } from '@linescope/platform';
import { type Request } from 'express';
import multer from 'multer';
import { type Observable } from 'rxjs';
import { ApiError } from '../errors/api-error';

/** An uploaded image, however it came: multipart field `image` or the raw request body. */
export interface ReceivedUpload {
  bytes: Buffer;
  contentType: string | undefined;
  fields: Record<string, string>;
  receivedAt: number;
  receiveMs: number;
}

export interface UploadRequest extends Request {
  upload?: ReceivedUpload;
}

/** Reads the image into memory with a byte limit enforced while reading, before the handler runs. */
@Injectable()
export class UploadInterceptor implements NestInterceptor {
  private readonly multipart: ReturnType<multer.Multer['single']>;
  private readonly maxBytes: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.maxBytes = config.ingest.maxImageBytes;
    this.multipart = multer({
      storage: multer.memoryStorage(),
      limits: { fileSize: this.maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 },
    }).single('image');
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<UploadRequest>();
    const receivedAt = Date.now();
    const started = performance.now();
    const contentType = request.headers['content-type'];
    if (contentType?.toLowerCase().startsWith('multipart/form-data')) {
      await this.readMultipart(request);
    } else {
      request.upload = {
        bytes: await this.readRaw(request),
        contentType,
        fields: {},
        receivedAt,
        receiveMs: 0,
      };
    }
    request.upload!.receivedAt = receivedAt;
    request.upload!.receiveMs = performance.now() - started;
    return next.handle();
  }

  private readMultipart(request: UploadRequest): Promise<void> {
    // Refused on the declared length, before a byte of the body is read: boundaries, part headers and the
    // few small fields allowed beside the image never need more than MULTIPART_OVERHEAD_BYTES.
    if (declaredLength(request) > this.maxBytes + MULTIPART_OVERHEAD_BYTES)
      return Promise.reject(refuseUnread(request, this.maxBytes));
    return new Promise((resolve, reject) => {
      this.multipart(request, request.res!, (error: unknown) => {
        if (error) return reject(translateMulterError(error, this.maxBytes));
        const file = request.file;
        if (!file)
          return reject(new ApiError(400, 'missing_image', 'send the image as the multipart field "image"'));
        request.upload = {
          bytes: file.buffer,
          contentType: file.mimetype,
          fields: Object.fromEntries(
            Object.entries((request.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
          ),
          receivedAt: 0,
          receiveMs: 0,
        };
        resolve();
      });
    });
  }

  private async readRaw(request: Request): Promise<Buffer> {
    if (declaredLength(request) > this.maxBytes) throw refuseUnread(request, this.maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > this.maxBytes) {
        request.unpipe();
        throw tooLarge(this.maxBytes);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }
}

/** Room for what a multipart body holds besides the image: 10 fields of up to 4 KiB, part headers, boundaries. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

function declaredLength(request: Request): number {
  const declared = Number(request.headers['content-length']);
  return Number.isFinite(declared) ? declared : 0;
}

/** The body is never read: the connection is closed after the answer instead of draining what the client sends. */
function refuseUnread(request: Request, maxBytes: number): ApiError {
  request.res?.setHeader('connection', 'close');
  return tooLarge(maxBytes);
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'image_too_large', `the image exceeds the limit of ${maxBytes} bytes`);
}

function translateMulterError(error: unknown, maxBytes: number): ApiError {
  if (error instanceof multer.MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') return tooLarge(maxBytes);
    if (error.code === 'LIMIT_UNEXPECTED_FILE')
      return new ApiError(
        400,
        'unexpected_field',
        `send exactly one file, in the field "image" (got "${error.field}")`,
      );
    return new ApiError(400, 'invalid_multipart', error.message);
  }
  return new ApiError(
    400,
    'invalid_multipart',
    error instanceof Error ? error.message : 'malformed multipart body',
  );
}
