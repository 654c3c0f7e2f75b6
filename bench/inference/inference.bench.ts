import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type MobileNetV2Alpha } from '../../libs/vision/src/models';
import { predict, type PredictAnswer } from './predict.client';
import {
  BENCH_ENGINES,
  type BenchDeployment,
  type BenchEngine,
  deployBenchModel,
  findRepoRoot,
  type RunningServer,
  startInferenceServer,
} from './inference-server.harness';
import { measuredPeakGflopsPerCore, simdFeatures } from '../support/cpu-features';
import { interleaved } from '../support/load';
import {
  loadCells,
  loadHeaders,
  loadNotes,
  type LoadSummary,
  type MeasuredRun,
  measuredOpenLoop,
  mergeMeasured,
  outcomeOf,
  summarise,
} from '../support/load-rows';
import { findCapacity, overloadRun, overloadTable } from '../support/overload';
import { mean, percentile, timesOf } from '../support/stats';
import { formatCell, markdownTable } from '../support/table';

/**
 * End-to-end inference benchmark over HTTP on loopback: the built service as its own process, real magnetic-tile
 * JPEGs, MobileNetV2 (random He weights) at 224 pixels, the same weights served by three engines side by side in
 * one service (TensorFlow.js wasm, ONNX Runtime fp32, ONNX Runtime int8), each the model of its own line. Three
 * services run at once — the defaults, ONNX Runtime with batches of at most 4, and one 2-thread session instead of
 * two 1-thread workers — and every load row is open loop (bench/support/load.ts): per in-flight bound (1 and 8),
 * then at a fixed 50 images/s, every (service, engine) pair in interleaved rounds, so each ratio compares rows of
 * the same run. Then the capacity of the default service's ONNX Runtime fp32 (p99 within --deadline-ms) and an
 * overload row at twice it. `--tfjs-sweep` adds the earlier TensorFlow.js study (1 / 2 workers, one-by-one and
 * micro-batched, wasm and cpu).
 */
const USAGE =
  'node dist/bench/inference/inference.bench.js [--quick] [--requests 1000] [--rounds 5] [--concurrency 1,8] ' +
  '[--offered 400] [--rate 50] [--deadline-ms 500] [--capacity <n>/s] [--overload-seconds 60] [--tfjs-sweep] ' +
  '[--alpha 1.0|0.75|0.5|0.35] [--size 224]';
const MINIMUM_REQUESTS = 1000;

const PEAK_GFLOPS_PER_CORE = measuredPeakGflopsPerCore();

interface ServerConfig {
  backend: 'wasm' | 'cpu';
  workers: number;
  maxBatch: number;
  maxWaitMs: number;
  onnxMaxBatch?: number;
  onnxThreads?: number;
}

interface Service {
  config: ServerConfig;
  server: RunningServer;
}

/** One configuration of a row: an engine on a service. */
interface Pair {
  service: Service;
  engine: BenchEngine;
}

interface Row {
  pair: Pair;
  /** `in flight <= 8`, `50/s`... */
  load: string;
  measured: MeasuredRun<PredictAnswer>;
  summary: LoadSummary;
}

interface LoadShape {
  ratePerSecond: number;
  maxInFlight: number;
  requests: number;
  rounds: number;
}

const label = (pair: Pair) => describeConfig(pair.service.config, pair.engine);

function okAnswers(row: Row): PredictAnswer[] {
  return row.measured.run.samples
    .filter((sample) => outcomeOf(sample.value) === 'ok')
    .map((sample) => sample.value!);
}

/** Achieved GFLOP/s, and its share of the peak of the cores the workers can use (where a peak was measured). */
function gflops(row: Row, flopsPerImage: number): string {
  const { config } = row.pair.service;
  const achieved = (row.summary.okPerSecond * flopsPerImage) / 1e9;
  const cores = Math.min(availableParallelism(), config.workers * (config.onnxThreads ?? 1));
  if (PEAK_GFLOPS_PER_CORE === undefined) return achieved.toFixed(1);
  return `${achieved.toFixed(1)} (${((100 * achieved) / (cores * PEAK_GFLOPS_PER_CORE)).toFixed(1)}%)`;
}

const PROCESS_NAMES = ['inference'];

function tableRow(row: Row, flopsPerImage: number): (string | number)[] {
  const ok = okAnswers(row);
  const median = (pick: (answer: PredictAnswer) => number) => percentile(ok.map(pick), 0.5);
  return [
    label(row.pair),
    row.load,
    ...loadCells(row.summary, PROCESS_NAMES),
    gflops(row, flopsPerImage),
    mean(ok.map((answer) => answer.batchSize)),
    median((answer) => answer.decodeMs),
    median((answer) => answer.queueMs),
    median((answer) => answer.forwardMs),
  ];
}

function table(rows: Row[], flopsPerImage: number): string {
  return markdownTable(
    [
      'engine / server',
      'load',
      ...loadHeaders(PROCESS_NAMES),
      'GFLOP/s (% peak)',
      'mean batch',
      'decode ms',
      'queue ms',
      'forward ms',
    ],
    rows.map((row) => tableRow(row, flopsPerImage)),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      requests: { type: 'string' },
      rounds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '1,8' },
      offered: { type: 'string', default: '400' },
      rate: { type: 'string', default: '50' },
      'deadline-ms': { type: 'string', default: '500' },
      capacity: { type: 'string' },
      'overload-seconds': { type: 'string' },
      'tfjs-sweep': { type: 'boolean', default: false },
      alpha: { type: 'string', default: '1.0' },
      size: { type: 'string', default: '224' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const alpha = Number(values.alpha) as MobileNetV2Alpha;
  if (![0.35, 0.5, 0.75, 1].includes(alpha)) throw new Error(`--alpha must be 1.0, 0.75, 0.5 or 0.35`);
  const size = Number(values.size);
  const requests = Number(values.requests ?? (values.quick ? 250 : MINIMUM_REQUESTS));
  const rounds = Number(values.rounds);
  const levels = values.concurrency.split(',').map(Number);
  const offered = Number(values.offered);
  const rate = Number(values.rate);
  const deadlineMs = Number(values['deadline-ms']);
  const overloadSeconds = Number(values['overload-seconds'] ?? (values.quick ? 10 : 60));
  if (![requests, rounds, offered, rate, deadlineMs, overloadSeconds, ...levels].every((n) => n > 0))
    throw new Error(`every number must be positive\n${USAGE}`);
  const images = loadImages(60);
  console.log(
    `MobileNetV2-${alpha} at ${size}px (random He weights), ${images.length} magnetic-tile JPEGs, loopback HTTP`,
  );
  console.log(`load average before (1, 5, 15 min): ${loadAverage()}, ${availableParallelism()} cores`);
  console.log(`vector extensions: ${simdFeatures().join(', ') || 'unknown'}`);

  // Calibration images for the int8 model: a few of every class, apart from the ones the load sends.
  const deployment = await deployBenchModel({ alpha, size, calibrationImages: loadImages(12, 20) });
  console.log(`${(deployment.flopsPerImage / 1e9).toFixed(3)} GFLOP per image (describeModel)`);
  const rows: Row[] = [];
  const print = (row: Row) => console.log(tableRow(row, deployment.flopsPerImage).map(formatCell).join('  '));
  const services: Service[] = [];
  let overload: string;
  try {
    // ONNX Runtime with the service's defaults: one image at a time, one 1-thread session per worker and core.
    const defaults: ServerConfig = {
      backend: 'wasm',
      workers: 2,
      maxBatch: 16,
      maxWaitMs: 2,
      onnxMaxBatch: 1,
    };
    const configs = [defaults, { ...defaults, onnxMaxBatch: 4 }, { ...defaults, workers: 1, onnxThreads: 2 }];
    for (const config of configs) services.push({ config, server: await startServer(deployment, config) });
    const [standard, batched, twoThreads] = services;
    const onnx = BENCH_ENGINES.filter((engine) => engine !== 'tfjs');
    const pairs: Pair[] = [
      ...BENCH_ENGINES.map((engine) => ({ service: standard, engine })),
      ...onnx.map((engine) => ({ service: batched, engine })),
      ...onnx.map((engine) => ({ service: twoThreads, engine })),
    ];
    const context = { deployment, images, print };
    for (const pair of pairs) await warmUp(pair, context);
    for (const maxInFlight of levels)
      rows.push(
        ...(await interleavedRows(pairs, `in flight <= ${maxInFlight}`, context, {
          ratePerSecond: offered,
          maxInFlight,
          requests,
          rounds,
        })),
      );
    rows.push(
      ...(await interleavedRows(pairs, `${rate}/s`, context, {
        ratePerSecond: rate,
        maxInFlight: 256,
        requests,
        rounds,
      })),
    );
    overload = await overloadRow({ service: standard, engine: 'onnx-fp32' }, context, {
      capacity: values.capacity === undefined ? undefined : Number(values.capacity),
      deadlineMs,
      seconds: overloadSeconds,
    });
  } finally {
    for (const { server } of services) await server.stop();
  }
  try {
    if (values['tfjs-sweep']) rows.push(...(await tfjsSweep(deployment, images, requests, print)));
  } finally {
    await deployment.cleanup();
  }

  console.log(`\n${table(rows, deployment.flopsPerImage)}\n`);
  console.log(loadNotes(MINIMUM_REQUESTS));
  console.log(
    "decode / queue / forward: medians of the service's own timing over successful answers (forward = the whole " +
      'batch); an answer from another engine than the row names counts as an error.',
  );
  console.log(
    `GFLOP/s: ok/s x ${(deployment.flopsPerImage / 1e9).toFixed(3)} GFLOP, ` +
      (PEAK_GFLOPS_PER_CORE === undefined
        ? 'no share of peak: no fp32 peak was measured for a host without AVX-512'
        : `against ${PEAK_GFLOPS_PER_CORE} GFLOP/s per core used`),
  );
  console.log(`\n${overload}\n`);
  console.log(`load average after (1, 5, 15 min): ${loadAverage()}, ${availableParallelism()} cores`);
  summariseRatios(
    rows,
    levels.map((level) => `in flight <= ${level}`),
    `${rate}/s`,
  );
}

function sendFor(pair: Pair, context: { deployment: BenchDeployment; images: Buffer[] }) {
  const query = { lineId: context.deployment.lines[pair.engine] };
  const expected = expectedEngine(pair.engine, pair.service.config);
  return (n: number) =>
    predict(pair.service.server.url, context.images[n % context.images.length], query, expected);
}

async function warmUp(pair: Pair, context: { deployment: BenchDeployment; images: Buffer[] }): Promise<void> {
  await measuredOpenLoop(sendFor(pair, context), { ratePerSecond: 20, requests: 6, maxInFlight: 2 }, {});
}

/** Every pair under the same load, in `rounds` alternating rounds: one row per pair. */
async function interleavedRows(
  pairs: readonly Pair[],
  load: string,
  context: { deployment: BenchDeployment; images: Buffer[]; print: (row: Row) => void },
  shape: LoadShape,
): Promise<Row[]> {
  const byPair = await interleaved(pairs, shape.rounds, (pair) =>
    measuredOpenLoop(
      sendFor(pair, context),
      {
        ratePerSecond: shape.ratePerSecond,
        maxInFlight: shape.maxInFlight,
        requests: Math.ceil(shape.requests / shape.rounds),
      },
      { inference: pair.service.server.pid },
    ),
  );
  return pairs.map((pair) => {
    const measured = mergeMeasured(byPair.get(pair)!);
    const row = { pair, load, measured, summary: summarise(measured) };
    context.print(row);
    return row;
  });
}

/** The capacity of one pair (p99 within the deadline), measured or given, then twice it for `seconds`. */
async function overloadRow(
  pair: Pair,
  context: { deployment: BenchDeployment; images: Buffer[] },
  options: { capacity: number | undefined; deadlineMs: number; seconds: number },
): Promise<string> {
  const send = sendFor(pair, context);
  const processes = { inference: pair.service.server.pid };
  const capacity =
    options.capacity ??
    (await findCapacity(
      (ratePerSecond, requests) =>
        measuredOpenLoop(send, { ratePerSecond, requests, maxInFlight: 256 }, processes).then(summarise),
      { startRate: 10, deadlineMs: options.deadlineMs, probeSeconds: 3, log: (line) => console.log(line) },
    ));
  const report = await overloadRun(
    send,
    {
      ratePerSecond: 2 * capacity,
      seconds: options.seconds,
      deadlineMs: options.deadlineMs,
      maxInFlight: 1024,
    },
    processes,
  );
  return (
    `Capacity of ${label(pair)} ${options.capacity === undefined ? 'measured' : 'given (--capacity)'}: ` +
    `${capacity}/s (capacity: the highest rate whose p99 stays within ${options.deadlineMs} ms with 99% ok); ` +
    `overload at twice it:\n\n` +
    overloadTable(label(pair), capacity, report)
  );
}

/** The TensorFlow.js study: 1 and 2 wasm workers, one-by-one and micro-batched, then a short cpu run. */
async function tfjsSweep(
  deployment: BenchDeployment,
  images: Buffer[],
  requests: number,
  print: (row: Row) => void,
): Promise<Row[]> {
  const wasm = (workers: number, maxBatch: number): ServerConfig => ({
    backend: 'wasm',
    workers,
    maxBatch,
    maxWaitMs: 2,
  });
  const rows: Row[] = [];
  const sweep = async (config: ServerConfig, levels: number[], count: number) => {
    const service = { config, server: await startServer(deployment, config) };
    const pair: Pair = { service, engine: 'tfjs' };
    const context = { deployment, images, print };
    try {
      await warmUp(pair, context);
      for (const maxInFlight of levels)
        rows.push(
          ...(await interleavedRows([pair], `in flight <= ${maxInFlight}`, context, {
            ratePerSecond: 400,
            maxInFlight,
            requests: count,
            rounds: 1,
          })),
        );
    } finally {
      await service.server.stop();
    }
  };
  for (const config of [wasm(1, 1), wasm(1, 16), wasm(2, 1), wasm(2, 16)])
    await sweep(config, [1, 4, 16, 32], requests);
  await sweep({ backend: 'cpu', workers: 2, maxBatch: 16, maxWaitMs: 2 }, [1, 4], Math.ceil(requests / 4));
  return rows;
}

/** Ratios, each printed with the rows it came from (rows of the same run, measured in interleaved rounds). */
function summariseRatios(rows: Row[], closedLoads: string[], fixedLoad: string): void {
  const find = (load: string, engine: BenchEngine, describe: (config: ServerConfig) => boolean) =>
    rows.find((row) => row.load === load && row.pair.engine === engine && describe(row.pair.service.config));
  const isDefault = (config: ServerConfig) =>
    config.workers === 2 && config.onnxThreads === undefined && config.onnxMaxBatch === 1;
  const forwardPerImage = (row: Row) =>
    percentile(
      okAnswers(row).map((answer) => answer.forwardMs / Math.max(1, answer.batchSize)),
      0.5,
    );
  const cpu = (row: Row) => row.summary.cpuMsPerRequest.inference;
  const from = (...of: Row[]) =>
    `[rows: ${of.map((row) => `${label(row.pair)} ${row.load}: ${row.summary.okPerSecond.toFixed(1)} ok/s, ${cpu(row).toFixed(1)} cpu ms/req`).join('; ')}]`;
  console.log('\nRatios (same run, interleaved rounds; "x of" is value / baseline):');
  for (const load of closedLoads) {
    const tfjs = find(load, 'tfjs', isDefault);
    for (const engine of ['onnx-fp32', 'onnx-int8'] as const) {
      const onnx = find(load, engine, isDefault);
      if (tfjs === undefined || onnx === undefined) continue;
      const ratio = onnx.summary.okPerSecond / tfjs.summary.okPerSecond;
      console.log(
        `- ${engine} vs tfjs-wasm, ${load}: ok/s ${timesOf(onnx.summary.okPerSecond, tfjs.summary.okPerSecond, 'tfjs-wasm')}` +
          ` (goal >= 4x end to end: ${ratio >= 4 ? 'met' : 'not met'}); CPU ms per request ` +
          `${timesOf(cpu(onnx), cpu(tfjs), 'tfjs-wasm')}; forward-pass ms per image ` +
          `${timesOf(forwardPerImage(onnx), forwardPerImage(tfjs), 'tfjs-wasm')} ${from(tfjs, onnx)}`,
      );
    }
    for (const engine of ['onnx-fp32', 'onnx-int8'] as const) {
      const one = find(load, engine, isDefault);
      const four = find(load, engine, (config) => config.onnxMaxBatch === 4);
      const threads = find(load, engine, (config) => config.onnxThreads === 2);
      if (one && four)
        console.log(
          `- ${engine}, ${load}: batch<=4 ok/s ${timesOf(four.summary.okPerSecond, one.summary.okPerSecond, 'one-by-one')}, ` +
            `CPU ms per request ${timesOf(cpu(four), cpu(one), 'one-by-one')} ${from(one, four)}`,
        );
      if (one && threads)
        console.log(
          `- ${engine}, ${load}: 1 worker x 2 threads ok/s ${timesOf(threads.summary.okPerSecond, one.summary.okPerSecond, '2 workers x 1 thread')}, ` +
            `CPU ms per request ${timesOf(cpu(threads), cpu(one), '2 workers x 1 thread')} ${from(one, threads)}`,
        );
    }
  }
  for (const row of rows.filter((candidate) => candidate.load === fixedLoad)) {
    const { p99, pending, requests } = row.summary;
    const met = p99 <= 50 && pending === 0 && requests >= MINIMUM_REQUESTS;
    console.log(
      `- ${fixedLoad}, ${label(row.pair)}: p99 ${p99.toFixed(0)} ms over ${requests} requests ` +
        `(goal <= 50 ms over >= ${MINIMUM_REQUESTS}: ${met ? 'met' : 'not met'}), ${row.summary.okPerSecond.toFixed(1)} ok/s`,
    );
  }
}

function loadImages(count: number, offset = 0): Buffer[] {
  const root = path.resolve(findRepoRoot(), '..', 'shared', 'datasets', 'magnetic-tile');
  const classes = readdirSync(root)
    .filter((name) => !name.includes('.'))
    .sort();
  const perClass = Math.ceil(count / classes.length);
  return classes.flatMap((className) =>
    readdirSync(path.join(root, className))
      .filter((name) => name.endsWith('.jpg'))
      .sort()
      .slice(offset, offset + perClass)
      .map((name) => readFileSync(path.join(root, className, name))),
  );
}

function describeConfig(
  { backend, workers, maxBatch, maxWaitMs, onnxMaxBatch, onnxThreads }: ServerConfig,
  engine: BenchEngine = 'tfjs',
): string {
  if (engine !== 'tfjs') {
    const batch = onnxMaxBatch ?? 1;
    return `${engine} ${workers}w x ${onnxThreads ?? 1}t ${batch === 1 ? 'one-by-one' : `batch<=${batch} wait ${maxWaitMs}ms`}`;
  }
  return `${backend} ${workers}w ${maxBatch === 1 ? 'one-by-one' : `batch<=${maxBatch} wait ${maxWaitMs}ms`}`;
}

function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(1))
    .join(', ');
}

function expectedEngine(engine: BenchEngine, config: ServerConfig): string {
  return engine === 'tfjs' ? `tfjs-${config.backend}` : 'onnxruntime-cpu';
}

function startServer(deployment: BenchDeployment, config: ServerConfig) {
  return startInferenceServer(deployment, {
    TF_BACKEND: config.backend,
    INFERENCE_WORKERS: String(config.workers),
    INFERENCE_MAX_BATCH: String(config.maxBatch),
    INFERENCE_MAX_WAIT_MS: String(config.maxWaitMs),
    INFERENCE_ONNX_MAX_BATCH: String(config.onnxMaxBatch ?? 1),
    INFERENCE_ONNX_THREADS: String(config.onnxThreads ?? 1),
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
