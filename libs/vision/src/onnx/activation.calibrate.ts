import { onnx } from 'onnx-proto';
import { InferenceSession, Tensor } from 'onnxruntime-node';

import { TensorType, valueInfo } from './onnx-graph.builder';
import { graphOf, imageInputShape } from './onnx-model.read';
import { disableOrtTelemetry } from './ort-telemetry';

disableOrtTelemetry();

export type CalibrationMethod = 'minmax' | 'percentile';

export interface CalibrationOptions {
  /** 'minmax' (default): the full observed range; 'percentile': clips the rare extremes of each tensor. */
  method?: CalibrationMethod;
  /** For 'percentile': the share of values kept inside the range on each side, in percent. Default 99.99. */
  percentile?: number;
  threads?: number;
}

export interface ValueRange {
  min: number;
  max: number;
}

const HISTOGRAM_BINS = 2048;

type Outputs = Record<string, Float32Array>;

/** The fp32 model with `tensors` as extra graph outputs, so one run exposes every activation to calibrate. */
async function exposingSession(
  model: onnx.IModelProto,
  tensors: readonly string[],
  threads: number,
): Promise<InferenceSession> {
  const graph = graphOf(model);
  const existing = new Set((graph.output ?? []).map((output) => output.name));
  const extra = tensors
    .filter((name) => !existing.has(name))
    .map((name) => valueInfo({ name, elemType: TensorType.FLOAT }));
  const bytes = onnx.ModelProto.encode({
    ...model,
    graph: { ...graph, output: [...(graph.output ?? []), ...extra] },
  }).finish();
  return InferenceSession.create(bytes, {
    graphOptimizationLevel: 'basic',
    intraOpNumThreads: threads,
    logSeverityLevel: 3,
  });
}

async function* runBatches(
  session: InferenceSession,
  model: onnx.IModelProto,
  batches: readonly Float32Array[],
  tensors: readonly string[],
): AsyncGenerator<Outputs> {
  const [height, width, channels] = imageInputShape(model);
  const imageSize = height * width * channels;
  for (const batch of batches) {
    const n = batch.length / imageSize;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(
        `a calibration batch of ${batch.length} values is not a whole number of ${height}x${width}x${channels} images`,
      );
    }
    const result = await session.run({
      [session.inputNames[0]]: new Tensor('float32', batch, [n, height, width, channels]),
    });
    const outputs: Outputs = {};
    for (const name of tensors) outputs[name] = result[name].data as Float32Array;
    yield outputs;
  }
}

function observedRanges(names: readonly string[]): Map<string, ValueRange> {
  return new Map(names.map((name) => [name, { min: Infinity, max: -Infinity }]));
}

/** The value below which `share` of the histogram's mass lies (bin edges interpolated linearly). */
function histogramQuantile(counts: Float64Array, range: ValueRange, share: number): number {
  const total = counts.reduce((sum, count) => sum + count, 0);
  const target = share * total;
  const width = (range.max - range.min) / counts.length;
  let cumulative = 0;
  for (let bin = 0; bin < counts.length; bin++) {
    if (cumulative + counts[bin] >= target) {
      const within = counts[bin] > 0 ? (target - cumulative) / counts[bin] : 0;
      return range.min + (bin + within) * width;
    }
    cumulative += counts[bin];
  }
  return range.max;
}

async function percentileRanges(
  session: InferenceSession,
  model: onnx.IModelProto,
  batches: readonly Float32Array[],
  extremes: Map<string, ValueRange>,
  percentile: number,
): Promise<Map<string, ValueRange>> {
  const names = [...extremes.keys()];
  const histograms = new Map(names.map((name) => [name, new Float64Array(HISTOGRAM_BINS)]));
  for await (const outputs of runBatches(session, model, batches, names)) {
    for (const name of names) {
      const { min, max } = extremes.get(name) as ValueRange;
      const counts = histograms.get(name) as Float64Array;
      const perUnit = max > min ? HISTOGRAM_BINS / (max - min) : 0;
      for (const value of outputs[name]) {
        counts[Math.min(HISTOGRAM_BINS - 1, Math.floor((value - min) * perUnit))] += 1;
      }
    }
  }
  const tail = (100 - percentile) / 100;
  return new Map(
    names.map((name) => {
      const range = extremes.get(name) as ValueRange;
      const counts = histograms.get(name) as Float64Array;
      return [
        name,
        { min: histogramQuantile(counts, range, tail), max: histogramQuantile(counts, range, 1 - tail) },
      ];
    }),
  );
}

/**
 * Runs the fp32 model on the calibration batches (NHWC float32, whole images each) and returns the range of
 * every named tensor: min/max over all values, or the given percentiles.
 */
export async function calibrateRanges(
  model: onnx.IModelProto,
  tensors: readonly string[],
  batches: readonly Float32Array[],
  options: CalibrationOptions = {},
): Promise<Map<string, ValueRange>> {
  if (batches.length === 0) throw new RangeError('calibration needs at least one batch');
  const percentile = options.percentile ?? 99.99;
  if (!(percentile > 50 && percentile <= 100))
    throw new RangeError(`percentile must be in (50, 100], got ${percentile}`);
  const session = await exposingSession(model, tensors, options.threads ?? 1);
  try {
    const ranges = observedRanges(tensors);
    for await (const outputs of runBatches(session, model, batches, tensors)) {
      for (const name of tensors) {
        const range = ranges.get(name) as ValueRange;
        for (const value of outputs[name]) {
          if (value < range.min) range.min = value;
          if (value > range.max) range.max = value;
        }
      }
    }
    return options.method === 'percentile'
      ? await percentileRanges(session, model, batches, ranges, percentile)
      : ranges;
  } finally {
    await session.release();
  }
}
