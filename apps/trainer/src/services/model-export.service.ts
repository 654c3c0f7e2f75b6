import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@linescope/platform';
import { argmaxRows } from '@linescope/training/metrics';
import {
  type ImageReader,
  type TrainResult,
  normalizedPixels,
  prepareDataset,
} from '@linescope/training/engine';
import { softmaxRows } from '@linescope/vision/models';
import { OnnxScorer, exportToOnnx, quantizeOnnx } from '@linescope/vision/onnx';
import { scoreViews } from '@linescope/vision/test-time';
import { type Logger } from 'pino';

const CALIBRATION_IMAGES = 32;
const BATCH = 16;

export interface QuantizedVariant {
  bytes: Uint8Array;
  /** Accuracy on the model's own test split, as fractions; the change is reported in points. */
  fp32Accuracy: number;
  int8Accuracy: number;
  accuracyChangePoints: number;
  testImages: number;
}

/** ONNX Runtime is optional: it serves and quantises where it is installed. */
function onnxRuntimeInstalled(): boolean {
  try {
    require.resolve('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
}

/**
 * The ONNX forms of a trained model: the fp32 export stored beside every version (for ONNX Runtime serving and
 * edge devices), and an int8 variant offered only with its accuracy change measured on the model's own test split.
 */
@Injectable()
export class ModelExportService {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  /** Null when the model cannot be exported (the version is still registered, served by TensorFlow.js). */
  exportFp32(result: Pick<TrainResult, 'model'>): Uint8Array | null {
    try {
      return exportToOnnx(result.model).bytes;
    } catch (error) {
      this.logger.warn({ err: error }, 'ONNX export failed; the version will be served by TensorFlow.js');
      return null;
    }
  }

  async quantize(
    result: Pick<TrainResult, 'config' | 'preprocessing' | 'manifest'>,
    fp32: Uint8Array,
    readImage: ImageReader | undefined,
  ): Promise<QuantizedVariant | null> {
    if (!onnxRuntimeInstalled()) return null;
    const dataset = await prepareDataset(result.config, result.preprocessing, { readImage });
    const family = result.preprocessing.normalization;
    const [height, width] = result.preprocessing.inputSize;
    const batchOf = (indices: number[]) => normalizedPixels(dataset.cache, indices, family);
    const calibration = [batchOf(dataset.split.train.slice(0, CALIBRATION_IMAGES))];
    const int8 = await quantizeOnnx(fp32, calibration);
    const test = dataset.split.test;
    const labels = test.map((i) => dataset.samples[i].label);
    // Scored as the version will be served: under its test-time views, if it has any.
    const views = result.manifest.testTimeViews ?? ['identity'];
    const imagesPerBatch = Math.max(1, Math.floor(BATCH / views.length));
    const accuracyOf = async (bytes: Uint8Array) => {
      const scorer = await OnnxScorer.create(bytes, { threads: 1 });
      try {
        const predictions: number[] = [];
        for (let start = 0; start < test.length; start += imagesPerBatch) {
          const indices = test.slice(start, start + imagesPerBatch);
          const { probabilities, classes } = await scoreViews(
            batchOf(indices),
            indices.length,
            [height, width],
            views,
            async (inputs, n) => {
              const logits = await scorer.run(inputs, n, height, width);
              const classes = logits.length / n;
              return { probabilities: softmaxRows(logits, classes), classes };
            },
          );
          const rows = indices.map((_, r) =>
            Array.from(probabilities.subarray(r * classes, (r + 1) * classes)),
          );
          predictions.push(...argmaxRows(rows));
        }
        return predictions.filter((p, i) => p === labels[i]).length / Math.max(1, labels.length);
      } finally {
        await scorer.dispose();
      }
    };
    const fp32Accuracy = await accuracyOf(fp32);
    const int8Accuracy = await accuracyOf(int8);
    return {
      bytes: int8,
      fp32Accuracy,
      int8Accuracy,
      accuracyChangePoints: Math.round((int8Accuracy - fp32Accuracy) * 10_000) / 100,
      testImages: test.length,
    };
  }
}
