import * as tf from '@tensorflow/tfjs-core';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** The numbers a convolution gradient needs, for channels-last (NHWC) tensors. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/** Geometry of the forward convolution whose gradient is wanted, resolved by tfjs-core's own rules. */
export function convGeometry(
  inputShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode: Rounding,
  depthwise: boolean,
): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

export function assertChannelsLast(kernelName: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} on wasm supports only NHWC data, got ${dataFormat}`);
  }
}

export function assertNoDilation(kernelName: string, dilations: number | [number, number] | undefined): void {
  const [dh, dw] =
    typeof dilations === 'number' || dilations === undefined ? [dilations ?? 1, dilations ?? 1] : dilations;
  if (dh !== 1 || dw !== 1) {
    throw new Error(`${kernelName} on wasm supports only dilation 1, got ${String(dilations)}`);
  }
}

/**
 * True for a 1x1 convolution whose output (y, x) reads input pixel (y*stride, x*stride) and whose outputs are
 * exactly the stride-spaced input pixels (no padding anywhere).
 */
export function isPointwise(geometry: ConvGeometry): boolean {
  const { filterHeight, filterWidth, padTop, padLeft, inHeight, inWidth, strideHeight, strideWidth } =
    geometry;
  return (
    filterHeight === 1 &&
    filterWidth === 1 &&
    padTop === 0 &&
    padLeft === 0 &&
    geometry.outHeight === Math.ceil(inHeight / strideHeight) &&
    geometry.outWidth === Math.ceil(inWidth / strideWidth)
  );
}

/**
 * True for a convolution over non-overlapping patches (filter = stride, larger than 1x1) that starts at the
 * top-left pixel: every input pixel is read by at most one output, with one filter tap.
 */
export function isPatchwise(geometry: ConvGeometry): boolean {
  const { filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = geometry;
  return (
    filterHeight === strideHeight &&
    filterWidth === strideWidth &&
    filterHeight * filterWidth > 1 &&
    padTop === 0 &&
    padLeft === 0
  );
}

/**
 * Every stride-th pixel of an NHWC tensor, starting at (0, 0). A 1x1 max pool is XNNPACK-backed on wasm
 * and ~40x faster there than `tf.stridedSlice`.
 */
export function subsample(x: tf.Tensor4D, strideHeight: number, strideWidth: number): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) {
    return x;
  }
  return tf.maxPool(x, 1, [strideHeight, strideWidth], 'valid');
}

/**
 * Inverse of `subsample`: spreads an NHWC tensor onto a stride-spaced grid filled with zeros, then fits it to
 * `height` x `width` (cutting or zero-padding at the bottom/right).
 */
export function zeroInterleave(
  x: tf.Tensor4D,
  strideHeight: number,
  strideWidth: number,
  height: number,
  width: number,
): tf.Tensor4D {
  const [batch, rows, columns, channels] = x.shape;
  let spread = x;
  if (strideHeight > 1 || strideWidth > 1) {
    const grid = tf.pad(tf.reshape(x, [batch, rows, 1, columns, 1, channels]), [
      [0, 0],
      [0, 0],
      [0, strideHeight - 1],
      [0, 0],
      [0, strideWidth - 1],
      [0, 0],
    ]);
    spread = tf.reshape(grid, [batch, rows * strideHeight, columns * strideWidth, channels]);
  }
  return fitSpatially(spread, height, width);
}

/** Cuts or zero-pads an NHWC tensor at the bottom/right to exactly `height` x `width`. */
export function fitSpatially(x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  const [batch, rows, columns, channels] = x.shape;
  if (rows === height && columns === width) {
    return x;
  }
  const cut =
    rows > height || columns > width
      ? tf.slice(x, [0, 0, 0, 0], [batch, Math.min(rows, height), Math.min(columns, width), channels])
      : x;
  const [, cutRows, cutColumns] = cut.shape;
  if (cutRows === height && cutColumns === width) {
    return cut;
  }
  return tf.pad(cut, [
    [0, 0],
    [0, height - cutRows],
    [0, width - cutColumns],
    [0, 0],
  ]);
}

/**
 * Explicit padding that makes a stride-1 convolution with an effective kernel extent `extent` produce
 * `outputSize` outputs from `inputSize` inputs, with `before` pixels added in front. When `before` or the
 * computed `after` is negative, the input must be cut instead: returned as `cutBefore` / `cutAfter`.
 */
export function paddingFor(
  inputSize: number,
  extent: number,
  outputSize: number,
  before: number,
): { before: number; after: number; cutBefore: number; cutAfter: number } {
  const after = outputSize + extent - 1 - inputSize - before;
  return {
    before: Math.max(0, before),
    after: Math.max(0, after),
    cutBefore: Math.max(0, -before),
    cutAfter: Math.max(0, -after),
  };
}

/** Input tensors of a kernel call as `tf.Tensor`s (the engine passes tensors; bare infos are wrapped). */
export function asTensor(info: tf.TensorInfo): tf.Tensor {
  return info instanceof tf.Tensor ? (info as tf.Tensor) : tf.engine().makeTensorFromTensorInfo(info);
}

/**
 * The first half of an input gradient, shared by the dense and the depthwise kernels: `dy` spread onto the stride
 * grid with zeros, cut where the forward padding was negative, and the padding the stride-1 convolution with the
 * reversed filter then needs (`[[0, 0], vertical, horizontal, [0, 0]]`).
 */
export function spreadForInputGradient(
  dy: tf.Tensor4D,
  geometry: ConvGeometry,
): {
  spread: tf.Tensor4D;
  padding: [[number, number], [number, number], [number, number], [number, number]];
} {
  const { batch, inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth } = geometry;
  const { strideHeight, strideWidth } = geometry;
  const channels = dy.shape[3];
  const spreadHeight = outHeight * strideHeight;
  const spreadWidth = outWidth * strideWidth;
  let spread = zeroInterleave(dy, strideHeight, strideWidth, spreadHeight, spreadWidth);
  const vertical = paddingFor(spreadHeight, filterHeight, inHeight, filterHeight - 1 - geometry.padTop);
  const horizontal = paddingFor(spreadWidth, filterWidth, inWidth, filterWidth - 1 - geometry.padLeft);
  if (vertical.cutBefore + vertical.cutAfter + horizontal.cutBefore + horizontal.cutAfter > 0) {
    spread = tf.slice(
      spread,
      [0, vertical.cutBefore, horizontal.cutBefore, 0],
      [
        batch,
        spreadHeight - vertical.cutBefore - vertical.cutAfter,
        spreadWidth - horizontal.cutBefore - horizontal.cutAfter,
        channels,
      ],
    );
  }
  return {
    spread,
    padding: [
      [0, 0],
      [vertical.before, vertical.after],
      [horizontal.before, horizontal.after],
      [0, 0],
    ],
  };
}
