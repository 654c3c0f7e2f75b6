import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closedLoop, type LoadResult, openLoop } from '../support/load';
import { markdownTable } from '../support/table';
import { api, benchDatabase, freePort, startApp, stop, tempDir, tileImages } from '../support/bench-env';
import { registerProductionModel } from '../support/production-model';

/**
 * bench/ingest: sustained uploads per second and latency with durable writes (PostgreSQL row + object store),
 * against a bare HTTP handler that only writes the same bytes to disk, measured side by side in one run.
 * With --inference, also the verdict latency at a fixed 50 images/s with the default model served.
 *   node dist/bench/ingest/ingest.bench.js [--seconds 10] [--concurrency 1,8,32] [--inference]
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '1,8,32' },
      inference: { type: 'boolean', default: false },
      rate: { type: 'string', default: '50' },
    },
  });
  const seconds = Number(values.seconds);
  const levels = values.concurrency.split(',').map(Number);
  const images = await tileImages(200);
  const db = await benchDatabase();
  const data = await tempDir('linescope-bench-ingest-');
  const bareDir = await tempDir('linescope-bench-bare-');
  const apiPort = await freePort();
  const inferencePort = await freePort();
  const env = {
    DATABASE_URL: db.url,
    DATA_DIR: data.dir,
    API_PORT: String(apiPort),
    INFERENCE_PORT: String(inferencePort),
    INFERENCE_URLS: `http://127.0.0.1:${inferencePort}`,
  };
  const children = [];
  try {
    const bare = spawn(process.execPath, [path.join(__dirname, 'bare-server.js'), bareDir.dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(bare);
    const barePort = Number(
      (await createInterface({ input: bare.stdout })[Symbol.asyncIterator]().next()).value,
    );
    const apiProcess = await startApp('api', env, apiPort);
    children.push(apiProcess);
    const base = `http://127.0.0.1:${apiPort}`;
    const line = await api<{ id: string }>(base, db.adminToken, 'POST', '/api/v1/lines', {
      name: 'bench-async',
      verdictMode: 'async',
    });
    const camera = await api<{ apiKey: string }>(
      base,
      db.adminToken,
      'POST',
      `/api/v1/lines/${line.id}/cameras`,
      {
        name: 'bench',
        rateLimitPerSecond: 10_000,
      },
    );
    const post = (url: string, key?: string) => async (n: number) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg', ...(key ? { 'x-api-key': key } : {}) },
        body: images[n % images.length],
      });
      await response.arrayBuffer();
      return response.status;
    };
    const rows: (string | number)[][] = [];
    for (const concurrency of levels) {
      const baseline = await closedLoop(post(`http://127.0.0.1:${barePort}/`), concurrency, 100_000, seconds);
      const ingest = await closedLoop(
        post(`${base}/api/v1/inspections`, camera.apiKey),
        concurrency,
        100_000,
        seconds,
      );
      rows.push(row('bare handler (write + fsync)', concurrency, baseline, baseline));
      rows.push(row('Linescope ingest, inference off', concurrency, ingest, baseline));
    }

    if (values.inference) {
      const model = await registerProductionModel(db.url, data.dir);
      children.push(await startApp('inference', { ...env, INFERENCE_WORKERS: '2' }, inferencePort));
      const syncLine = await api<{ id: string }>(base, db.adminToken, 'POST', '/api/v1/lines', {
        name: 'bench-sync',
        verdictMode: 'sync',
        verdictDeadlineMs: 1000,
      });
      const syncCamera = await api<{ apiKey: string }>(
        base,
        db.adminToken,
        'POST',
        `/api/v1/lines/${syncLine.id}/cameras`,
        {
          name: 'bench-sync',
          rateLimitPerSecond: 10_000,
        },
      );
      const rate = Number(values.rate);
      let scored = 0;
      const send = async (n: number) => {
        const response = await fetch(`${base}/api/v1/inspections`, {
          method: 'POST',
          headers: { 'content-type': 'image/jpeg', 'x-api-key': syncCamera.apiKey },
          body: images[n % images.length],
        });
        const body = (await response.json()) as { verdict?: string | null };
        if (body.verdict) scored++;
        return response.status;
      };
      await openLoop(send, rate, 3); // warm-up
      scored = 0;
      const withModel = await openLoop(send, rate, seconds);
      rows.push([
        `Linescope ingest + verdict (${model}), fixed ${rate}/s`,
        '-',
        withModel.throughput,
        withModel.p50,
        withModel.p99,
        `${withModel.errors} errors, ${((100 * scored) / withModel.requests).toFixed(1)}% with verdict`,
      ]);
    }
    process.stdout.write(
      `${markdownTable(['path', 'concurrency', 'requests/s', 'p50 ms', 'p99 ms', 'vs bare / notes'], rows)}\n`,
    );
  } finally {
    for (const child of children.reverse()) await stop(child);
    await db.drop();
    await data.remove();
    await bareDir.remove();
  }
}

function row(
  name: string,
  concurrency: number,
  result: LoadResult,
  baseline: LoadResult,
): (string | number)[] {
  const ratio =
    result === baseline
      ? '1.00x'
      : `${(result.throughput / baseline.throughput).toFixed(2)}x (${result.errors} errors)`;
  return [name, concurrency, result.throughput, result.p50, result.p99, ratio];
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/ingest: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
