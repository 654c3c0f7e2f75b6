import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import {
  BENCH_BACKENDS,
  BENCH_MODELS,
  INFERENCE_BATCHES,
  INFERENCE_PATHS,
  TRAINING_BATCH,
  trainingBatchesOf,
  type Scope,
  type BenchBackend,
  type BenchMode,
  type InferenceBatch,
} from './bench.catalog';
import { type MeasureJob, type ServeEngine, type WorkerReport } from './bench.protocol';
import {
  goalsTable,
  inferenceKey,
  inferenceTable,
  speedRatio,
  trainingTable,
  twoCoreTable,
  type BackendResult,
  type Goal,
  type ModelResult,
  type TwoCoreResult,
} from './results.table';
import { simdFeatures } from '../support/cpu-features';
import { servedImagesPerSecond } from './two-core.run';
import { runWorker } from './worker.run';

const USAGE = `node dist/bench/vision/vision.bench.js [--quick] [--model TEXT]... [--backend wasm|cpu]... [--no-two-core]
  --quick        fewer runs per measurement, the slowest trainings and cpu cells skipped (about 5 minutes)
  --model TEXT   only models whose label contains TEXT (repeatable), e.g. --model ResNet-10
  --backend B    only this backend (repeatable); the wasm/cpu ratios need both
  --no-two-core  leave out the two-worker serving row`;

/** Smallest training batch tried after running out of wasm memory. */
const MIN_FALLBACK_BATCH = 4;
const TWO_CORE_MODEL = 'MobileNetV2-1.0@224';
const TWO_CORE_BATCH = 16;
const TWO_CORE_SECONDS: Record<BenchMode, number> = { quick: 8, full: 20 };
const GOALS = { resnet10TrainingRatio: 50, twoCoreImagesPerSecond: 70 } as const;

interface Flags {
  mode: BenchMode;
  models: string[];
  backends: BenchBackend[];
  twoCore: boolean;
}

function parseFlags(argv: readonly string[]): Flags | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      model: { type: 'string', multiple: true, default: [] },
      backend: { type: 'string', multiple: true, default: [] },
      'no-two-core': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const backends = values.backend.map((name) => {
    const backend = BENCH_BACKENDS.find((candidate) => candidate === name);
    if (backend === undefined)
      throw new Error(`--backend must be one of ${BENCH_BACKENDS.join(', ')}, got "${name}"`);
    return backend;
  });
  return {
    mode: values.quick ? 'quick' : 'full',
    models: values.model,
    backends: backends.length > 0 ? backends : [...BENCH_BACKENDS],
    twoCore: !values['no-two-core'],
  };
}

function progress(message: string): void {
  process.stderr.write(`[bench/vision] ${message}\n`);
}

function skipReason(backend: BenchBackend, scope: Scope): string {
  return scope.skipped ?? (backend === 'cpu' ? 'skipped (too slow)' : 'skipped (--quick)');
}

function recordReport(result: BackendResult, label: string, report: WorkerReport): void {
  switch (report.kind) {
    case 'described':
      result.flopsPerImage = report.flopsPerImage;
      break;
    case 'inference': {
      const { path, throughput } = report;
      result.inference[inferenceKey(path, throughput.batch as InferenceBatch)] = throughput;
      progress(
        `${label}: ${path} batch ${throughput.batch}: ${throughput.imagesPerSecond.toFixed(2)} images/s`,
      );
      break;
    }
    case 'training':
      if (report.throughput.batch === 1) {
        result.trainingSingle = report.throughput;
      } else {
        result.trainingBatch = report.throughput;
      }
      progress(
        `${label}: training batch ${report.throughput.batch}: ${report.throughput.imagesPerSecond.toFixed(2)} images/s`,
      );
      break;
    case 'ready':
    case 'served':
    case 'done':
      break;
  }
}

const outOfMemory = (failure: string) => /abort|out of memory|memory access/i.test(failure);

function plannedResult(index: number, backend: BenchBackend, mode: BenchMode): [BackendResult, MeasureJob] {
  const model = BENCH_MODELS[index];
  const scope = model.scopes[backend][mode];
  const result: BackendResult = { inference: {} };
  for (const path of INFERENCE_PATHS) {
    for (const batch of INFERENCE_BATCHES) {
      if (!scope.batches.includes(batch))
        result.inference[inferenceKey(path, batch)] = skipReason(backend, scope);
    }
  }
  const trainingBatches = scope.training ? trainingBatchesOf(model, backend) : [];
  if (!trainingBatches.includes(1)) result.trainingSingle = skipReason(backend, scope);
  if (!trainingBatches.some((batch) => batch > 1)) result.trainingBatch = skipReason(backend, scope);
  if (backend === 'wasm' && scope.training && model.wasmTrainingBatch !== undefined) {
    result.trainingNote = `batch ${model.wasmTrainingBatch.batch}: ${model.wasmTrainingBatch.why}`;
  }
  if (scope.trainingNote !== undefined) result.trainingNote = scope.trainingNote;
  const job: MeasureJob = {
    kind: 'measure',
    modelIndex: index,
    backend,
    mode,
    inference: INFERENCE_PATHS.flatMap((path) => scope.batches.map((batch) => ({ path, batch }))),
    trainingBatches,
  };
  return [result, job];
}

/**
 * Measures one model on one backend in a worker. When training runs out of wasm memory (the worker dies), the
 * training is measured again in a new worker at half the batch, down to MIN_FALLBACK_BATCH.
 */
async function measureModel(index: number, backend: BenchBackend, mode: BenchMode): Promise<BackendResult> {
  const label = `${BENCH_MODELS[index].label} ${backend}`;
  const [result, firstJob] = plannedResult(index, backend, mode);
  let job = firstJob;
  const isMeasured = (batch: number) =>
    (batch === 1 ? result.trainingSingle : result.trainingBatch) !== undefined;
  while (job.inference.length > 0 || job.trainingBatches.length > 0) {
    progress(`${label}: measuring`);
    const outcome = await runWorker(job, (report) => recordReport(result, label, report));
    if (outcome.failure === undefined) break;
    const failure = outcome.failure;
    progress(`${label}: worker failed: ${failure}`);
    for (const { path, batch } of job.inference) {
      result.inference[inferenceKey(path, batch)] ??= `failed: ${failure}`;
    }
    const failedBatch = job.trainingBatches.find((batch) => !isMeasured(batch));
    if (failedBatch === undefined) break;
    const fallback = failedBatch / 2;
    if (failedBatch === 1 || !outOfMemory(failure) || fallback < MIN_FALLBACK_BATCH) {
      const cell = `failed at batch ${failedBatch}: ${failure}`;
      if (failedBatch === 1) result.trainingSingle = cell;
      else result.trainingBatch = cell;
      break;
    }
    result.trainingNote = `batch ${fallback}: batch ${failedBatch} ran out of wasm memory`;
    job = { ...job, inference: [], trainingBatches: [fallback] };
  }
  return result;
}

async function twoCoreRow(mode: BenchMode, engine: ServeEngine): Promise<TwoCoreResult> {
  const modelIndex = BENCH_MODELS.findIndex((model) => model.label === TWO_CORE_MODEL);
  const result: TwoCoreResult = { label: TWO_CORE_MODEL, batch: TWO_CORE_BATCH, engine, byWorkers: [] };
  for (const workers of [1, 2]) {
    progress(
      `two cores, ${engine}: ${workers} worker(s) serving ${TWO_CORE_MODEL} for ${TWO_CORE_SECONDS[mode]} s`,
    );
    try {
      const rate = await servedImagesPerSecond(
        engine,
        modelIndex,
        TWO_CORE_BATCH,
        workers,
        TWO_CORE_SECONDS[mode] * 1000,
      );
      result.byWorkers.push({ workers, ...rate });
    } catch (error) {
      result.byWorkers.push({ workers, failed: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

/** The goal row of one engine's two-worker figure. */
function twoCoreGoal(result: TwoCoreResult | undefined, engine: string): Goal {
  const twoWorkers = result?.byWorkers.find((entry) => entry.workers === 2);
  const measured = twoWorkers !== undefined && 'imagesPerSecond' in twoWorkers ? twoWorkers : undefined;
  return {
    goal: `${TWO_CORE_MODEL} inference, batch ${TWO_CORE_BATCH}, both cores, ${engine}`,
    target: GOALS.twoCoreImagesPerSecond,
    measured: measured?.imagesPerSecond,
    fromCpuTime: measured === undefined ? undefined : measured.imagesPerCpuSecond * measured.workers,
    unit: ' images/s',
  };
}

function environmentLines(
  flags: Flags,
  loadBefore: number[],
  loadAfter: number[],
  seconds: number,
): string[] {
  const cpus = os.cpus();
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' / ');
  return [
    `- command: \`${['node dist/bench/vision/vision.bench.js', ...process.argv.slice(2)].join(' ')}\` (${flags.mode} run, ${seconds.toFixed(0)} s)`,
    `- ${new Date().toISOString()}, Node ${process.version}, ${cpus.length} x ${cpus[0]?.model ?? 'unknown cpu'} (${simdFeatures().join(', ') || 'vector extensions unknown'})`,
    `- wasm: tfjs-backend-wasm, SIMD, one thread per worker; cpu: tfjs-backend-cpu (plain JavaScript)`,
    `- load average (1 / 5 / 15 min) before: ${load(loadBefore)}, after: ${load(loadAfter)}. Other processes share these cores: absolute numbers are noisy, ratios measured side by side less so.`,
  ];
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const started = performance.now();
  const loadBefore = os.loadavg();
  const selected = BENCH_MODELS.map((model, index) => ({ model, index })).filter(
    ({ model }) => flags.models.length === 0 || flags.models.some((text) => model.label.includes(text)),
  );
  if (selected.length === 0) throw new Error(`no model label contains ${flags.models.join(' or ')}`);

  const results: ModelResult[] = [];
  for (const { model, index } of selected) {
    const result: ModelResult = { label: model.label, backends: {} };
    for (const backend of flags.backends) {
      result.backends[backend] = await measureModel(index, backend, flags.mode);
    }
    results.push(result);
  }
  const twoCore = flags.twoCore
    ? [await twoCoreRow(flags.mode, 'tfjs-wasm'), await twoCoreRow(flags.mode, 'onnxruntime')]
    : [];
  const seconds = (performance.now() - started) / 1000;

  const resnet10 = results.find((result) => result.label === 'ResNet-10@96');
  const sections = [
    `## Vision benchmark (${flags.mode})`,
    '',
    ...environmentLines(flags, loadBefore, os.loadavg(), seconds),
    '',
    '### Training',
    '',
    trainingTable(results, TRAINING_BATCH),
    '',
    '### Inference',
    '',
    inferenceTable(results),
    '',
    ...(twoCore.length === 0
      ? []
      : ['### Two cores', '', ...twoCore.flatMap((result) => [twoCoreTable(result), ''])]),
    '### Goals',
    '',
    goalsTable([
      {
        goal: 'ResNet-10@96 training, wasm vs cpu backend, both at batch 1 (images/s)',
        target: GOALS.resnet10TrainingRatio,
        measured: speedRatio(resnet10?.backends.wasm?.trainingSingle, resnet10?.backends.cpu?.trainingSingle),
        fromCpuTime: speedRatio(
          resnet10?.backends.wasm?.trainingSingle,
          resnet10?.backends.cpu?.trainingSingle,
          'cpu',
        ),
        unit: 'x',
      },
      {
        goal: 'same, wasm at batch 16 vs cpu at batch 1 (images/s)',
        target: GOALS.resnet10TrainingRatio,
        measured: speedRatio(resnet10?.backends.wasm?.trainingBatch, resnet10?.backends.cpu?.trainingSingle),
        fromCpuTime: speedRatio(
          resnet10?.backends.wasm?.trainingBatch,
          resnet10?.backends.cpu?.trainingSingle,
          'cpu',
        ),
        unit: 'x',
      },
      twoCoreGoal(twoCore[0], 'TensorFlow.js wasm'),
      twoCoreGoal(twoCore[1], 'ONNX Runtime'),
    ]),
    '',
  ];
  process.stdout.write(sections.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n${USAGE}\n`,
  );
  process.exitCode = 1;
});
