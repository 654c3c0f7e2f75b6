import { type ImageFormat } from '@linescope/vision/preprocess/image-format.sniff';

/**
 * Where the image's own structure ends, for the formats whose end can be found by walking it (JPEG, PNG, WebP),
 * or null when the structure is broken or the format has no findable end (TIFF, GIF, BMP: the decoder judges those).
 * Bytes after that end are not part of the image: a polyglot (a JPEG with a ZIP appended) or a smuggled payload.
 */
export function imageEnd(bytes: Buffer, format: ImageFormat): number | null {
  switch (format) {
    case 'jpeg':
      return jpegEnd(bytes);
    case 'png':
      return pngEnd(bytes);
    case 'webp':
      return bytes.length >= 12
        ? Math.min(bytes.length, 8 + bytes.readUInt32LE(4) + (bytes.readUInt32LE(4) % 2))
        : null;
    default:
      return null;
  }
}

/** Walks marker segments and entropy-coded scans (where 0xFF is stuffed) to the EOI marker of the outer image. */
function jpegEnd(bytes: Buffer): number | null {
  let at = 2; // after SOI
  while (at + 2 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) return at + 2;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (at + 4 > bytes.length) return null;
    const length = bytes.readUInt16BE(at + 2);
    at += 2 + length;
    if (marker === 0xda) at = skipScan(bytes, at);
  }
  return null;
}

function skipScan(bytes: Buffer, from: number): number {
  let at = from;
  while (at + 1 < bytes.length) {
    if (bytes[at] === 0xff) {
      const next = bytes[at + 1];
      if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) return at;
    }
    at += 1;
  }
  return bytes.length;
}

/** Walks the chunks (length, type, data, CRC) to the end of IEND. */
function pngEnd(bytes: Buffer): number | null {
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    at += 12 + length;
    if (type === 'IEND') return at;
  }
  return null;
}
