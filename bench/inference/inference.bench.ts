import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type MobileNetV2Alpha } from '../../libs/vision/src/models';
import { closedLoop, fixedRate, type LoadResult, type PredictQuery } from './http-load.generator';
import {
  BENCH_ENGINES,
  type BenchDeployment,
  type BenchEngine,
  deployBenchModel,
  findRepoRoot,
  startInferenceServer,
} from './inference-server.harness';
import { measuredPeakGflopsPerCore, simdFeatures } from '../support/cpu-features';
import { mean, percentile } from './latency.stats';

/**
 * End-to-end inference benchmark over HTTP on loopback: the built service as its own process, real magnetic-tile
 * JPEGs, MobileNetV2 (random He weights) at 224 pixels, the same weights served by three engines side by side in
 * one service (TensorFlow.js wasm, ONNX Runtime fp32, ONNX Runtime int8), each the model of its own line. Closed
 * loops at concurrency 1 and 8, runs of the engines interleaved so that the machine's other load hits them alike;
 * ONNX Runtime again with batches of at most 4, and with one 2-thread session instead of two 1-thread workers;
 * then a fixed 50 images/s run per engine, and for ONNX Runtime once more with one 2-thread session. `--tfjs-sweep` adds the earlier TensorFlow.js study (1 / 2 workers, one-by-one and
 * micro-batched, wasm and cpu).
 *
 *   npm run build && node dist/bench/inference/inference.bench.js [--quick] [--tfjs-sweep] [--alpha 1.0] [--size 224]
 */
const USAGE = `node dist/bench/inference/inference.bench.js [--quick] [--tfjs-sweep] [--alpha 1.0|0.75|0.5|0.35] [--size 224]`;

const PEAK_GFLOPS_PER_CORE = measuredPeakGflopsPerCore();

interface ServerConfig {
  backend: 'wasm' | 'cpu';
  workers: number;
  maxBatch: number;
  maxWaitMs: number;
  onnxMaxBatch?: number;
  onnxThreads?: number;
}

interface Row {
  config: ServerConfig;
  engine: BenchEngine;
  load: string;
  result: LoadResult;
  /** Server CPU time (all threads) per answered image. */
  cpuMsPerImage: number;
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

function throughput(result: LoadResult): number {
  return (result.samples.filter((sample) => sample.ok).length * 1000) / result.elapsedMs;
}

/** Achieved GFLOP/s, and its share of the peak of the cores the workers can use (where a peak was measured). */
function gflops(row: Row, flopsPerImage: number): { achieved: number; ofPeak: number | undefined } {
  const achieved = (throughput(row.result) * flopsPerImage) / 1e9;
  const cores = Math.min(availableParallelism(), row.config.workers * (row.config.onnxThreads ?? 1));
  return {
    achieved,
    ofPeak: PEAK_GFLOPS_PER_CORE === undefined ? undefined : achieved / (cores * PEAK_GFLOPS_PER_CORE),
  };
}

function formatRow(row: Row, flopsPerImage: number): string[] {
  const { config, engine, load, result, cpuMsPerImage } = row;
  const ok = result.samples.filter((sample) => sample.ok);
  const latencies = ok.map((sample) => sample.latencyMs);
  const { achieved, ofPeak } = gflops(row, flopsPerImage);
  return [
    describeConfig(config, engine),
    load,
    String(result.samples.length),
    throughput(result).toFixed(1),
    ofPeak === undefined ? achieved.toFixed(1) : `${achieved.toFixed(1)} (${(ofPeak * 100).toFixed(1)}%)`,
    percentile(latencies, 0.5).toFixed(0),
    percentile(latencies, 0.99).toFixed(0),
    mean(ok.map((sample) => sample.batchSize)).toFixed(1),
    percentile(
      ok.map((sample) => sample.decodeMs),
      0.5,
    ).toFixed(1),
    percentile(
      ok.map((sample) => sample.queueMs),
      0.5,
    ).toFixed(0),
    percentile(
      ok.map((sample) => sample.forwardMs),
      0.5,
    ).toFixed(0),
    cpuMsPerImage.toFixed(0),
    String(result.samples.length - ok.length + result.skipped),
  ];
}

function table(rows: Row[], flopsPerImage: number): string {
  const header = [
    'engine / server',
    'load',
    'requests',
    'images/s',
    'GFLOP/s (% peak)',
    'p50 ms',
    'p99 ms',
    'mean batch',
    'decode ms',
    'queue ms',
    'forward ms',
    'cpu ms/img',
    'errors',
  ];
  const cells = [header, ...rows.map((row) => formatRow(row, flopsPerImage))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
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
  const scale = values.quick ? 0.25 : 1;
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
  const print = (row: Row) => console.log(formatRow(row, deployment.flopsPerImage).join('  '));
  try {
    // ONNX Runtime with the service's defaults: one image at a time, one 1-thread session per worker and core.
    const engines: ServerConfig = {
      backend: 'wasm',
      workers: 2,
      maxBatch: 16,
      maxWaitMs: 2,
      onnxMaxBatch: 1,
    };
    rows.push(...(await engineRuns(deployment, engines, BENCH_ENGINES, images, [1, 8], scale, print)));
    const onnx = BENCH_ENGINES.filter((engine) => engine !== 'tfjs');
    rows.push(
      ...(await engineRuns(deployment, { ...engines, onnxMaxBatch: 4 }, onnx, images, [8], scale, print)),
    );
    rows.push(
      ...(await engineRuns(
        deployment,
        { ...engines, workers: 1, onnxThreads: 2, onnxMaxBatch: 1 },
        ['onnx-fp32'],
        images,
        [1, 8],
        scale,
        print,
      )),
    );
    rows.push(
      ...(await fixedRateRuns(
        deployment,
        engines,
        BENCH_ENGINES,
        images,
        50,
        values.quick ? 4_000 : 8_000,
        print,
      )),
    );
    // The latency goal again with one 2-thread session: on hosts without AVX-512 it answers one image faster.
    rows.push(
      ...(await fixedRateRuns(
        deployment,
        { ...engines, workers: 1, onnxThreads: 2 },
        onnx,
        images,
        50,
        values.quick ? 4_000 : 8_000,
        print,
      )),
    );
    if (values['tfjs-sweep']) rows.push(...(await tfjsSweep(deployment, images, scale, print)));
  } finally {
    await deployment.cleanup();
  }

  console.log(`\n${table(rows, deployment.flopsPerImage)}\n`);
  console.log("decode / queue / forward: medians of the service's own timing (forward = the whole batch);");
  console.log(
    'cpu ms/img: server CPU time, all threads, per answered image (runs are one engine at a time, so it is ' +
      "that engine's; it depends little on the machine's other load); errors include fixed-rate sends skipped " +
      'and answers from another engine',
  );
  console.log(
    `GFLOP/s: images/s x ${(deployment.flopsPerImage / 1e9).toFixed(3)} GFLOP, ` +
      (PEAK_GFLOPS_PER_CORE === undefined
        ? 'no share of peak: no fp32 peak was measured for a host without AVX-512'
        : `against ${PEAK_GFLOPS_PER_CORE} GFLOP/s per core used`),
  );
  console.log(`load average after (1, 5, 15 min): ${loadAverage()}, ${availableParallelism()} cores`);
  summarise(rows);
}

function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(1))
    .join(', ');
}

function expectedEngine(engine: BenchEngine, config: ServerConfig): string {
  return engine === 'tfjs' ? `tfjs-${config.backend}` : 'onnxruntime-cpu';
}

/** Answers scored by another engine than the run's (a fallback) count as errors. */
function checkedEngine(result: LoadResult, engine: BenchEngine, config: ServerConfig): LoadResult {
  const expected = expectedEngine(engine, config);
  return {
    ...result,
    samples: result.samples.map((sample) => ({ ...sample, ok: sample.ok && sample.engine === expected })),
  };
}

function queryOf(deployment: BenchDeployment, engine: BenchEngine): PredictQuery {
  return { lineId: deployment.lines[engine] };
}

/** Closed loops of every engine on one service, interleaved per concurrency. */
async function engineRuns(
  deployment: BenchDeployment,
  config: ServerConfig,
  engines: readonly BenchEngine[],
  images: Buffer[],
  concurrencies: number[],
  scale: number,
  print: (row: Row) => void,
): Promise<Row[]> {
  const server = await startServer(deployment, config);
  const rows: Row[] = [];
  try {
    for (const engine of engines) {
      await closedLoop(server.url, images, {
        concurrency: 2,
        maxRequests: 6,
        maxMs: 30_000,
        query: queryOf(deployment, engine),
      });
    }
    for (const concurrency of concurrencies) {
      for (const engine of engines) {
        const fast = engine !== 'tfjs';
        const maxRequests = Math.max(8, Math.round(scale * (fast ? 300 : Math.max(40, concurrency * 8))));
        const cpuBefore = server.cpuMs();
        const result = await closedLoop(server.url, images, {
          concurrency,
          maxRequests,
          maxMs: 8_000 * Math.max(scale, 0.5),
          query: queryOf(deployment, engine),
        });
        const row = {
          config,
          engine,
          load: `closed c=${concurrency}`,
          result: checkedEngine(result, engine, config),
          cpuMsPerImage: cpuPerImage(server.cpuMs() - cpuBefore, result),
        };
        print(row);
        rows.push(row);
      }
    }
  } finally {
    await server.stop();
  }
  return rows;
}

async function fixedRateRuns(
  deployment: BenchDeployment,
  config: ServerConfig,
  engines: readonly BenchEngine[],
  images: Buffer[],
  ratePerSecond: number,
  durationMs: number,
  print: (row: Row) => void,
): Promise<Row[]> {
  const server = await startServer(deployment, config);
  const rows: Row[] = [];
  try {
    for (const engine of engines) {
      const query = queryOf(deployment, engine);
      await closedLoop(server.url, images, { concurrency: 2, maxRequests: 6, maxMs: 30_000, query });
      const cpuBefore = server.cpuMs();
      const result = await fixedRate(server.url, images, {
        ratePerSecond,
        durationMs,
        maxOutstanding: 256,
        query,
      });
      const row = {
        config,
        engine,
        load: `${ratePerSecond}/s for ${durationMs / 1000}s`,
        result: checkedEngine(result, engine, config),
        cpuMsPerImage: cpuPerImage(server.cpuMs() - cpuBefore, result),
      };
      print(row);
      rows.push(row);
    }
  } finally {
    await server.stop();
  }
  return rows;
}

/** The TensorFlow.js study: 1 and 2 wasm workers, one-by-one and micro-batched, then a short cpu run. */
async function tfjsSweep(
  deployment: BenchDeployment,
  images: Buffer[],
  scale: number,
  print: (row: Row) => void,
): Promise<Row[]> {
  const wasm = (workers: number, maxBatch: number): ServerConfig => ({
    backend: 'wasm',
    workers,
    maxBatch,
    maxWaitMs: 2,
  });
  const rows: Row[] = [];
  for (const config of [wasm(1, 1), wasm(1, 16), wasm(2, 1), wasm(2, 16)]) {
    rows.push(...(await engineRuns(deployment, config, ['tfjs'], images, [1, 4, 16, 32], scale, print)));
  }
  const cpu: ServerConfig = { backend: 'cpu', workers: 2, maxBatch: 16, maxWaitMs: 2 };
  rows.push(...(await engineRuns(deployment, cpu, ['tfjs'], images, [1, 4], scale / 4, print)));
  return rows;
}

function cpuPerImage(cpuMs: number, result: LoadResult): number {
  return cpuMs / Math.max(1, result.samples.filter((sample) => sample.ok).length);
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

function summarise(rows: Row[]): void {
  const find = (engine: BenchEngine, describe: string, load: string) =>
    rows.find(
      (row) => row.engine === engine && describeConfig(row.config, engine) === describe && row.load === load,
    );
  // The first service: ONNX Runtime with its defaults (one by one), beside TensorFlow.js.
  const engineRow = (engine: BenchEngine, load: string) =>
    rows.find(
      (row) =>
        row.engine === engine &&
        row.load === load &&
        row.config.workers === 2 &&
        row.config.onnxThreads === undefined &&
        row.config.onnxMaxBatch === 1,
    );
  const medianOf = (row: Row, pick: (sample: LoadResult['samples'][number]) => number) =>
    percentile(row.result.samples.filter((sample) => sample.ok).map(pick), 0.5);
  for (const load of ['closed c=1', 'closed c=8']) {
    const tfjs = engineRow('tfjs', load);
    if (tfjs === undefined) continue;
    for (const engine of ['onnx-fp32', 'onnx-int8'] as const) {
      const onnx = engineRow(engine, load);
      if (onnx === undefined) continue;
      const ratio = throughput(onnx.result) / throughput(tfjs.result);
      const cpuRatio = tfjs.cpuMsPerImage / onnx.cpuMsPerImage;
      const forwardPerImage = (row: Row) => medianOf(row, (sample) => sample.forwardMs / sample.batchSize);
      const forwardRatio = forwardPerImage(tfjs) / forwardPerImage(onnx);
      console.log(
        `${engine} / tfjs-wasm, ${load}, same service, interleaved: ${ratio.toFixed(2)}x the images/s` +
          (load === 'closed c=8' ? ` (goal >= 4x end to end: ${ratio >= 4 ? 'met' : 'not met'})` : '') +
          `; ${cpuRatio.toFixed(2)}x less server CPU per image; forward pass alone ${forwardRatio.toFixed(2)}x faster per image`,
      );
    }
  }
  for (const engine of ['onnx-fp32', 'onnx-int8'] as const) {
    for (const load of ['closed c=1', 'closed c=8']) {
      const one = find(engine, `${engine} 2w x 1t one-by-one`, load);
      const four = find(engine, `${engine} 2w x 1t batch<=4 wait 2ms`, load);
      if (one && four)
        console.log(
          `${engine}, ${load}: batch<=4 gives ${(throughput(four.result) / throughput(one.result)).toFixed(2)}x the images/s of one-by-one, ${(one.cpuMsPerImage / four.cpuMsPerImage).toFixed(2)}x less CPU per image (different runs)`,
        );
    }
  }
  const twoWorkers = find('onnx-fp32', 'onnx-fp32 2w x 1t one-by-one', 'closed c=8');
  const twoThreads = find('onnx-fp32', 'onnx-fp32 1w x 2t one-by-one', 'closed c=8');
  if (twoWorkers && twoThreads)
    console.log(
      `onnx-fp32, c=8: 1 worker x 2 threads gives ${(throughput(twoThreads.result) / throughput(twoWorkers.result)).toFixed(2)}x the images/s of 2 workers x 1 thread (different runs)`,
    );
  for (const row of rows.filter((candidate) => candidate.load.startsWith('50/s'))) {
    const latencies = row.result.samples.filter((sample) => sample.ok).map((sample) => sample.latencyMs);
    const p99 = percentile(latencies, 0.99);
    console.log(
      `50 images/s, ${describeConfig(row.config, row.engine)}: p99 ${p99.toFixed(0)} ms (goal <= 50 ms: ${p99 <= 50 ? 'met' : 'not met'}), achieved ${throughput(row.result).toFixed(1)}/s`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
