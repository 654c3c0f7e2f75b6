import sharp from 'sharp';

/** Rasterises an SVG document to PNG with sharp (librsvg), at the SVG's own width and height. */
export async function renderPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}
