import { type Request } from 'express';
import { httpError } from './http.errors';

/** The raw request body, refused with 413 as soon as it passes `maxBytes`. */
export async function readRequestBody(request: Request, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    httpError(413, 'image_too_large', `the image exceeds the limit of ${maxBytes} bytes`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  // A body a parser already consumed (JSON, form) is not an image: it reads as empty.
  if (request.readableEnded) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
