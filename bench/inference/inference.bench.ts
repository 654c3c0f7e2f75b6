import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type MobileNetV2Alpha } from '../../libs/vision/src/models';
import { closedLoop, fixedRate, type LoadResult } from './http-load.generator';
import {
  type BenchDeployment,
  deployBenchModel,
  findRepoRoot,
  startInferenceServer,
} from './inference-server.harness';
import { mean, percentile } from './latency.stats';

/**
 * End-to-end inference benchmark over HTTP on loopback: the built service as its own process, real magnetic-tile
 * JPEGs, MobileNetV2 (random He weights) at 224 pixels. Closed-loop runs at several concurrencies for 1 and 2
 * workers, one image at a time and micro-batched, on wasm and (short) cpu; then a fixed 50 requests/s run.
 *
 *   npm run build && node dist/bench/inference/inference.bench.js [--quick] [--alpha 1.0] [--size 224]
 */
const USAGE = `node dist/bench/inference/inference.bench.js [--quick] [--alpha 1.0|0.75|0.5|0.35] [--size 224]`;

interface ServerConfig {
  backend: 'wasm' | 'cpu';
  workers: number;
  maxBatch: number;
  maxWaitMs: number;
}

interface Row {
  config: ServerConfig;
  load: string;
  result: LoadResult;
  /** Server CPU time (all threads) per answered image. */
  cpuMsPerImage: number;
}

function loadImages(count: number): Buffer[] {
  const root = path.resolve(findRepoRoot(), '..', 'shared', 'datasets', 'magnetic-tile');
  const classes = readdirSync(root)
    .filter((name) => !name.includes('.'))
    .sort();
  const perClass = Math.ceil(count / classes.length);
  return classes.flatMap((className) =>
    readdirSync(path.join(root, className))
      .filter((name) => name.endsWith('.jpg'))
      .sort()
      .slice(0, perClass)
      .map((name) => readFileSync(path.join(root, className, name))),
  );
}

function describeConfig({ backend, workers, maxBatch, maxWaitMs }: ServerConfig): string {
  return `${backend} ${workers}w ${maxBatch === 1 ? 'one-by-one' : `batch<=${maxBatch} wait ${maxWaitMs}ms`}`;
}

function throughput(result: LoadResult): number {
  return (result.samples.filter((sample) => sample.ok).length * 1000) / result.elapsedMs;
}

function formatRow({ config, load, result, cpuMsPerImage }: Row): string[] {
  const ok = result.samples.filter((sample) => sample.ok);
  const latencies = ok.map((sample) => sample.latencyMs);
  return [
    describeConfig(config),
    load,
    String(result.samples.length),
    throughput(result).toFixed(1),
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

function table(rows: Row[]): string {
  const header = [
    'server',
    'load',
    'requests',
    'images/s',
    'p50 ms',
    'p99 ms',
    'mean batch',
    'decode ms',
    'queue ms',
    'forward ms',
    'cpu ms/img',
    'errors',
  ];
  const cells = [header, ...rows.map(formatRow)];
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

  const deployment = await deployBenchModel({ alpha, size });
  const rows: Row[] = [];
  try {
    const wasm = (workers: number, maxBatch: number): ServerConfig => ({
      backend: 'wasm',
      workers,
      maxBatch,
      maxWaitMs: 2,
    });
    for (const config of [wasm(1, 1), wasm(1, 16), wasm(2, 1), wasm(2, 16)]) {
      rows.push(...(await closedLoopRuns(deployment, config, images, [1, 4, 16, 32], scale)));
    }
    rows.push(
      ...(await closedLoopRuns(
        deployment,
        { backend: 'cpu', workers: 2, maxBatch: 16, maxWaitMs: 2 },
        images,
        [1, 4],
        scale / 4,
      )),
    );
    for (const config of [wasm(2, 1), wasm(2, 16)]) {
      rows.push(await fixedRateRun(deployment, config, images, 50, values.quick ? 4_000 : 10_000));
    }
  } finally {
    await deployment.cleanup();
  }

  console.log(`\n${table(rows)}\n`);
  console.log("decode / queue / forward: medians of the service's own timing (forward = the whole batch);");
  console.log(
    'cpu ms/img: server CPU time, all threads, per answered image; errors include fixed-rate sends skipped',
  );
  console.log(
    `load average of this machine (1, 5, 15 min): ${loadavg()
      .map((value) => value.toFixed(1))
      .join(', ')}, ${availableParallelism()} cores`,
  );
  summarise(rows);
}

async function closedLoopRuns(
  deployment: BenchDeployment,
  config: ServerConfig,
  images: Buffer[],
  concurrencies: number[],
  scale: number,
): Promise<Row[]> {
  const server = await startServer(deployment, config);
  const rows: Row[] = [];
  try {
    await closedLoop(server.url, images, { concurrency: 2, maxRequests: 6, maxMs: 30_000 });
    for (const concurrency of concurrencies) {
      const maxRequests = Math.max(4, Math.round(scale * Math.max(40, concurrency * 6)));
      const cpuBefore = server.cpuMs();
      const result = await closedLoop(server.url, images, { concurrency, maxRequests, maxMs: 15_000 });
      const row = {
        config,
        load: `closed c=${concurrency}`,
        result,
        cpuMsPerImage: cpuPerImage(server.cpuMs() - cpuBefore, result),
      };
      console.log(formatRow(row).join('  '));
      rows.push(row);
    }
  } finally {
    await server.stop();
  }
  return rows;
}

async function fixedRateRun(
  deployment: BenchDeployment,
  config: ServerConfig,
  images: Buffer[],
  ratePerSecond: number,
  durationMs: number,
): Promise<Row> {
  const server = await startServer(deployment, config);
  try {
    await closedLoop(server.url, images, { concurrency: 2, maxRequests: 6, maxMs: 30_000 });
    const cpuBefore = server.cpuMs();
    const result = await fixedRate(server.url, images, { ratePerSecond, durationMs, maxOutstanding: 256 });
    const row = {
      config,
      load: `${ratePerSecond}/s for ${durationMs / 1000}s`,
      result,
      cpuMsPerImage: cpuPerImage(server.cpuMs() - cpuBefore, result),
    };
    console.log(formatRow(row).join('  '));
    return row;
  } finally {
    await server.stop();
  }
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
  });
}

function summarise(rows: Row[]): void {
  const find = (describe: string, load: string) =>
    rows.find((row) => describeConfig(row.config) === describe && row.load === load)?.result;
  for (const workers of [1, 2]) {
    const single = find(`wasm ${workers}w one-by-one`, 'closed c=16');
    const batched = find(`wasm ${workers}w batch<=16 wait 2ms`, 'closed c=16');
    if (single && batched) {
      const speedup = throughput(batched) / throughput(single);
      const cpu = (describe: string) =>
        rows.find((row) => describeConfig(row.config) === describe && row.load === 'closed c=16')!;
      const cpuSaving =
        cpu(`wasm ${workers}w one-by-one`).cpuMsPerImage /
        cpu(`wasm ${workers}w batch<=16 wait 2ms`).cpuMsPerImage;
      console.log(
        `micro-batching at concurrency 16, ${workers} worker(s): ${speedup.toFixed(2)}x the images/s of one-by-one (goal >= 2x: ${speedup >= 2 ? 'met' : 'not met'}); ${cpuSaving.toFixed(2)}x less server CPU per image`,
      );
    }
  }
  for (const batching of ['one-by-one', 'batch<=16 wait 2ms']) {
    const one = find(`wasm 1w ${batching}`, 'closed c=16');
    const two = find(`wasm 2w ${batching}`, 'closed c=16');
    if (one && two)
      console.log(`2 workers vs 1 (${batching}, c=16): ${(throughput(two) / throughput(one)).toFixed(2)}x`);
  }
  for (const row of rows.filter((candidate) => candidate.load.startsWith('50/s'))) {
    const latencies = row.result.samples.filter((sample) => sample.ok).map((sample) => sample.latencyMs);
    const p99 = percentile(latencies, 0.99);
    console.log(
      `50 images/s, ${describeConfig(row.config)}: p99 ${p99.toFixed(0)} ms (goal <= 50 ms: ${p99 <= 50 ? 'met' : 'not met'}), achieved ${throughput(row.result).toFixed(1)}/s`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
