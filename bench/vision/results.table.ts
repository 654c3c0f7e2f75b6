import { type ServeEngine } from './bench.protocol';
import {
  BENCH_BACKENDS,
  INFERENCE_BATCHES,
  INFERENCE_PATHS,
  type BenchBackend,
  type InferenceBatch,
  type InferencePath,
} from './bench.catalog';
import { type Throughput } from './throughput.measure';

/** A measured value, or why there is none (shown in its cell). */
export type Cell = Throughput | string;

export type InferenceKey = `${InferencePath}-b${InferenceBatch}`;

export function inferenceKey(path: InferencePath, batch: InferenceBatch): InferenceKey {
  return `${path}-b${batch}`;
}

export interface BackendResult {
  flopsPerImage?: number;
  inference: Partial<Record<InferenceKey, Cell>>;
  /** Training one image per step: the like-for-like wasm/cpu comparison. */
  trainingSingle?: Cell;
  /** Training at the bench's batch (16), or the batch it fell back to (see the note). */
  trainingBatch?: Cell;
  /** e.g. the batch training fell back to after running out of memory. */
  trainingNote?: string;
}

export interface ModelResult {
  label: string;
  backends: Partial<Record<BenchBackend, BackendResult>>;
}

export interface TwoCoreResult {
  label: string;
  batch: number;
  engine: ServeEngine;
  /** Total images/s by number of concurrent workers. */
  byWorkers: Array<
    | { workers: number; imagesPerSecond: number; imagesPerCpuSecond: number }
    | { workers: number; failed: string }
  >;
}

/** Forward + backward ≈ 3 forward passes. */
export const TRAINING_FLOPS_FACTOR = 3;

const isMeasured = (cell: Cell | undefined): cell is Throughput => typeof cell === 'object';

function fixed(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** `images/s [images per CPU-second]`, or why there is no value. */
function textOf(cell: Cell | undefined): string {
  if (cell === undefined) return 'not run';
  return isMeasured(cell) ? `${fixed(cell.imagesPerSecond)} [${fixed(cell.imagesPerCpuSecond)}]` : cell;
}

function withLatency(cell: Cell | undefined): string {
  return isMeasured(cell) ? `${textOf(cell)} (${fixed(cell.p50Ms)} ms)` : textOf(cell);
}

function gflops(cell: Cell | undefined, flopsPerImage: number | undefined, factor: number): string {
  return isMeasured(cell) && flopsPerImage !== undefined
    ? fixed((cell.imagesPerSecond * flopsPerImage * factor) / 1e9)
    : '-';
}

/** images/s of `a` over `b` (wall clock, or per CPU-second), when both were measured. */
export function speedRatio(
  a: Cell | undefined,
  b: Cell | undefined,
  clock: 'wall' | 'cpu' = 'wall',
): number | undefined {
  if (!isMeasured(a) || !isMeasured(b)) return undefined;
  return clock === 'wall'
    ? a.imagesPerSecond / b.imagesPerSecond
    : a.imagesPerCpuSecond / b.imagesPerCpuSecond;
}

/** `wall ratio [CPU-time ratio]`. */
function ratioText(a: Cell | undefined, b: Cell | undefined): string {
  const wall = speedRatio(a, b);
  const cpu = speedRatio(a, b, 'cpu');
  return wall === undefined || cpu === undefined ? '-' : `${fixed(wall)}x [${fixed(cpu)}x]`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function flopsOf(result: ModelResult): number | undefined {
  return BENCH_BACKENDS.map((backend) => result.backends[backend]?.flopsPerImage).find(
    (flops) => flops !== undefined,
  );
}

export function trainingTable(results: readonly ModelResult[], batch: number): string {
  const rows = results.map((result) => {
    const flops = flopsOf(result);
    const wasm = result.backends.wasm;
    const cpu = result.backends.cpu;
    const notes = BENCH_BACKENDS.flatMap((backend) => {
      const note = result.backends[backend]?.trainingNote;
      return note === undefined ? [] : [`${backend}: ${note}`];
    });
    return [
      result.label,
      flops === undefined ? '-' : fixed(flops / 1e9),
      textOf(wasm?.trainingBatch),
      gflops(wasm?.trainingBatch, flops, TRAINING_FLOPS_FACTOR),
      textOf(wasm?.trainingSingle),
      textOf(cpu?.trainingSingle),
      gflops(cpu?.trainingSingle, flops, TRAINING_FLOPS_FACTOR),
      ratioText(wasm?.trainingSingle, cpu?.trainingSingle),
      ratioText(wasm?.trainingBatch, cpu?.trainingSingle),
      notes.join('; '),
    ];
  });
  return [
    `Training (forward + backward + Adam), images/s [images per CPU-second]; ratios: wall clock [CPU time]. GFLOP/s counts a training image as ${TRAINING_FLOPS_FACTOR}x its forward FLOPs. wasm batch ${batch}: or the smaller batch given in the notes.`,
    '',
    table(
      [
        'model',
        'forward GFLOP/image',
        `wasm batch ${batch}`,
        `wasm batch ${batch} GFLOP/s`,
        'wasm batch 1',
        'cpu batch 1',
        'cpu GFLOP/s',
        'wasm/cpu, batch 1',
        `wasm batch ${batch} / cpu batch 1`,
        'notes',
      ],
      rows,
    ),
  ].join('\n');
}

export function inferenceTable(results: readonly ModelResult[]): string {
  const columns = INFERENCE_PATHS.flatMap((path) =>
    INFERENCE_BATCHES.map((batch) => inferenceKey(path, batch)),
  );
  const rows = results.flatMap((result) => {
    const flops = flopsOf(result);
    const perBackend = BENCH_BACKENDS.flatMap((backend) => {
      const measured = result.backends[backend];
      if (measured === undefined) return [];
      return [
        [
          result.label,
          backend,
          ...columns.map((key) => withLatency(measured.inference[key])),
          gflops(measured.inference['serving-b16'], flops, 1),
          ratioText(measured.inference['serving-b16'], measured.inference['predict-b16']),
        ],
      ];
    });
    const { wasm, cpu } = result.backends;
    const ratios =
      wasm !== undefined && cpu !== undefined
        ? [
            [
              result.label,
              'wasm/cpu',
              ...columns.map((key) => ratioText(wasm.inference[key], cpu.inference[key])),
              '-',
              '-',
            ],
          ]
        : [];
    return [...perBackend, ...ratios];
  });
  return [
    'Inference, images/s [images per CPU-second] (p50 latency of one batch); ratios: wall clock [CPU time]. serving = compileForServing (folded batch norms, fused ops); predict = model.predict.',
    '',
    table(
      [
        'model',
        'backend',
        ...columns.map((key) => key.replace('-b', ' batch ')),
        'serving batch 16 GFLOP/s',
        'serving/predict batch 16',
      ],
      rows,
    ),
  ].join('\n');
}

export function twoCoreTable(result: TwoCoreResult): string {
  const single = result.byWorkers.find((entry) => entry.workers === 1);
  const singleRate = single !== undefined && 'imagesPerSecond' in single ? single.imagesPerSecond : undefined;
  const rows = result.byWorkers.map((entry) =>
    'imagesPerSecond' in entry
      ? [
          String(entry.workers),
          fixed(entry.imagesPerSecond),
          fixed(entry.imagesPerSecond / entry.workers),
          singleRate === undefined ? '-' : `${fixed(entry.imagesPerSecond / singleRate)}x`,
          fixed(entry.imagesPerCpuSecond),
          fixed(entry.imagesPerCpuSecond * entry.workers),
        ]
      : [String(entry.workers), entry.failed, '-', '-', '-', '-'],
  );
  return [
    result.engine === 'tfjs-wasm'
      ? `${result.label}, TensorFlow.js serving graph on wasm, batch ${result.batch}, one worker_thread (own wasm backend and serving graph) per core, run side by side.`
      : `${result.label}, the same weights exported to ONNX and run by ONNX Runtime (CPU, 1 intra-op thread per session), batch ${result.batch}, one worker_thread per core, run side by side.`,
    '',
    table(
      [
        'workers',
        'total images/s',
        'images/s per worker',
        'vs 1 worker',
        'images per CPU-second',
        'if each worker had a core of its own (images/s)',
      ],
      rows,
    ),
  ].join('\n');
}

export interface Goal {
  goal: string;
  target: number;
  /** Wall clock: what decides "met". */
  measured: number | undefined;
  /** The same from CPU time: what the machine would give without the other processes sharing it. */
  fromCpuTime: number | undefined;
  unit: string;
}

export function goalsTable(goals: readonly Goal[]): string {
  const value = (number: number | undefined, unit: string) =>
    number === undefined ? 'not measured' : `${fixed(number)}${unit}`;
  const rows = goals.map(({ goal, target, measured, fromCpuTime, unit }) => [
    goal,
    `>= ${fixed(target)}${unit}`,
    value(measured, unit),
    measured === undefined ? '-' : measured >= target ? 'met' : 'NOT met',
    value(fromCpuTime, unit),
  ]);
  return table(
    ['goal', 'target', 'measured (wall clock)', '', 'from CPU time (cores of its own, not verified here)'],
    rows,
  );
}
