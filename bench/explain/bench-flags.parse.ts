import { parseArgs } from 'node:util';

import { type BackendName } from '../../libs/vision/src/backend';
import { RESIZE_POLICIES, type ResizePolicy } from '../../libs/vision/src/preprocess';

/** One way to explain the defect logit: Grad-CAM (on the default or a named layer) or gradient x input. */
export type Explainer =
  | { method: 'grad-cam'; layer?: string }
  | { method: 'gradient-x-input' }
  /** The serving graph's class activation map (GAP heads), from the forward pass: what the line stores. */
  | { method: 'cam' };

export interface BenchFlags {
  epochs: number;
  /** Training images per epoch, drawn class-balanced (ok / defect). */
  epochSize: number;
  size: number;
  arch: 'resnet' | 'mobilenetv2';
  /** ResNet: channels of the stem and first stage. */
  width: number;
  batch: number;
  lr: number;
  resize: ResizePolicy;
  /** Pixels of the original image within which a peak still counts as pointing at the defect. */
  tolerance: number;
  /** Each one is scored on the same trained model. */
  explainers: Explainer[];
  /** Defect test images explained at most per defect type (0 = all). */
  limit: number;
  seed: number;
  backend: BackendName;
}

export const USAGE = `node dist/bench/explain/mask-hit-rate.js [flags]
  --epochs N        training epochs (32)
  --epoch-size N    class-balanced training images per epoch (512)
  --size N          model input side in pixels (128)
  --arch A          resnet (ResNet-10) | mobilenetv2 (alpha 0.35) (resnet)
  --width N         ResNet stem width (8)
  --batch N         batch size (16)
  --lr X            Adam learning rate (0.002)
  --resize P        squash | letterbox | center-crop (squash)
  --tolerance N     tolerant hit radius in original pixels (15)
  --explain LIST    comma-separated: grad-cam (last pooled feature map), grad-cam@LAYER,
                    gradient-x-input, cam (the serving graph's CAM output) (grad-cam,cam)
  --limit N         explain at most N test images per defect type, 0 = all (0)
  --seed N          split and sampling seed (1)
  --backend B       wasm | cpu | tensorflow (wasm)`;

function positiveNumber(name: string, value: string, integer = true): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || (integer && !Number.isInteger(parsed))) {
    throw new Error(
      `--${name} must be a ${integer ? 'non-negative integer' : 'non-negative number'}, got "${value}"`,
    );
  }
  return parsed;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw new Error(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return match;
}

function parseExplainer(text: string): Explainer {
  const [method, layer, ...rest] = text.trim().split('@');
  if (method === 'grad-cam' && rest.length === 0) return layer === undefined ? { method } : { method, layer };
  if ((method === 'gradient-x-input' || method === 'cam') && layer === undefined) return { method };
  throw new Error(`--explain: "${text}" is not grad-cam, grad-cam@LAYER, gradient-x-input or cam`);
}

export function explainerName(explainer: Explainer): string {
  return explainer.method === 'grad-cam' && explainer.layer !== undefined
    ? `grad-cam@${explainer.layer}`
    : explainer.method;
}

export function parseBenchFlags(argv: readonly string[]): BenchFlags | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      epochs: { type: 'string', default: '32' },
      'epoch-size': { type: 'string', default: '512' },
      size: { type: 'string', default: '128' },
      arch: { type: 'string', default: 'resnet' },
      width: { type: 'string', default: '8' },
      batch: { type: 'string', default: '16' },
      lr: { type: 'string', default: '0.002' },
      resize: { type: 'string', default: 'squash' },
      tolerance: { type: 'string', default: '15' },
      explain: { type: 'string', default: 'grad-cam,cam' },
      limit: { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  return {
    epochs: positiveNumber('epochs', values.epochs),
    epochSize: positiveNumber('epoch-size', values['epoch-size']),
    size: positiveNumber('size', values.size),
    arch: oneOf('arch', values.arch, ['resnet', 'mobilenetv2'] as const),
    width: positiveNumber('width', values.width),
    batch: Math.max(1, positiveNumber('batch', values.batch)),
    lr: positiveNumber('lr', values.lr, false),
    resize: oneOf('resize', values.resize, RESIZE_POLICIES),
    tolerance: positiveNumber('tolerance', values.tolerance, false),
    explainers: values.explain.split(',').map(parseExplainer),
    limit: positiveNumber('limit', values.limit),
    seed: positiveNumber('seed', values.seed),
    backend: oneOf('backend', values.backend, ['wasm', 'cpu', 'tensorflow'] as const),
  };
}
