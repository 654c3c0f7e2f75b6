/**
 * Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, 2012): for every pixel, the distance in
 * pixels to the nearest pixel where `isFeature` is set; Infinity everywhere when no pixel is set. Two passes
 * of the 1-D lower envelope of parabolas, O(width * height).
 */
export function distanceTransform(isFeature: Uint8Array, width: number, height: number): Float32Array {
  if (isFeature.length !== width * height) {
    throw new RangeError(`mask has ${isFeature.length} pixels for ${width}x${height}`);
  }
  const squared = new Float64Array(width * height);
  for (let index = 0; index < squared.length; index++) squared[index] = isFeature[index] !== 0 ? 0 : Infinity;

  const line = new Float64Array(Math.max(width, height));
  const result = new Float64Array(Math.max(width, height));
  const scratch = envelopeScratch(Math.max(width, height));
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) line[y] = squared[y * width + x];
    lowerEnvelope(line, height, result, scratch);
    for (let y = 0; y < height; y++) squared[y * width + x] = result[y];
  }
  for (let y = 0; y < height; y++) {
    line.set(squared.subarray(y * width, (y + 1) * width));
    lowerEnvelope(line, width, result, scratch);
    squared.set(result.subarray(0, width), y * width);
  }
  return Float32Array.from(squared, Math.sqrt);
}

interface EnvelopeScratch {
  vertices: Int32Array;
  boundaries: Float64Array;
}

function envelopeScratch(size: number): EnvelopeScratch {
  return { vertices: new Int32Array(size), boundaries: new Float64Array(size + 1) };
}

/** 1-D squared distance transform of the first `n` values of `f` into `out`. */
function lowerEnvelope(
  f: Float64Array,
  n: number,
  out: Float64Array,
  { vertices, boundaries }: EnvelopeScratch,
): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue;
    let s = -Infinity;
    while (k >= 0) {
      const p = vertices[k];
      s = (f[q] + q * q - (f[p] + p * p)) / (2 * (q - p));
      if (s > boundaries[k]) break;
      k--;
    }
    k++;
    vertices[k] = q;
    boundaries[k] = k === 0 ? -Infinity : s;
    boundaries[k + 1] = Infinity;
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (boundaries[j + 1] < q) j++;
    const p = vertices[j];
    out[q] = (q - p) * (q - p) + f[p];
  }
}
