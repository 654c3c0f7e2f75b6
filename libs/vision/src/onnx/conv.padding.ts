/**
 * TensorFlow's 'same' padding along one axis: the output has ceil(size / stride) positions and the odd pixel of
 * padding goes at the end. Returns [begin, end].
 */
export function samePadding(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
): [number, number] {
  const outputSize = Math.ceil(size / stride);
  const effectiveKernel = (kernel - 1) * dilation + 1;
  const total = Math.max((outputSize - 1) * stride + effectiveKernel - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

/** ONNX `pads` ([top, left, bottom, right]) for a 2-D window op with TF padding semantics. */
export function onnxPads(
  padding: 'same' | 'valid',
  size: readonly [number, number],
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilations: readonly [number, number] = [1, 1],
): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const [top, bottom] = samePadding(size[0], kernel[0], strides[0], dilations[0]);
  const [left, right] = samePadding(size[1], kernel[1], strides[1], dilations[1]);
  return [top, left, bottom, right];
}
