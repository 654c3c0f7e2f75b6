import { crc32, deflateSync } from 'node:zlib';
import path from 'node:path';

/** Test helpers shared by the preprocessing specs. */

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/** Read-only real datasets, kept beside the repository root. */
export const DATASETS_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'datasets');

export function datasetFile(...segments: string[]): string {
  return path.join(DATASETS_DIR, ...segments);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * A valid-looking 8-bit RGB PNG that declares `width` x `height` pixels but carries only a few bytes of
 * compressed data: the shape of a decompression bomb, about a hundred bytes long.
 */
export function craftPngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(64))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Deterministic bytes (xorshift32), so "random bytes" tests are reproducible. */
export function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let index = 0; index < length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

/** Builds an RGB image from a colour function (HWC bytes). */
export function rgbPattern(
  width: number,
  height: number,
  colourAt: (x: number, y: number) => readonly [number, number, number],
): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      data.set(colourAt(x, y), (y * width + x) * 3);
    }
  }
  return data;
}

export function pixelAt(data: Uint8Array, width: number, x: number, y: number): [number, number, number] {
  const offset = (y * width + x) * 3;
  return [data[offset], data[offset + 1], data[offset + 2]];
}
