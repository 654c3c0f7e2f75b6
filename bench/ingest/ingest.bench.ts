import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { interleaved } from '../support/load';
import {
  type Answer,
  loadCells,
  loadHeaders,
  loadNotes,
  type LoadSummary,
  measuredOpenLoop,
  mergeMeasured,
  summarise,
} from '../support/load-rows';
import { findCapacity, overloadRun, overloadTable } from '../support/overload';
import { type Processes } from '../support/process-stats';
import { timesOf } from '../support/stats';
import { markdownTable } from '../support/table';
import { api, benchDatabase, freePort, startApp, stop, tempDir, tileImages } from '../support/bench-env';
import { registerProductionModel } from '../support/production-model';

/**
 * bench/ingest: uploads per second and latency with durable writes (PostgreSQL row + object store), against a bare
 * HTTP handler that only writes the same bytes to disk, in interleaved rounds of one run, open loop (see
 * bench/support/load.ts). With --inference, the verdict latency through the real API at a fixed rate with the
 * default model served, the capacity of that path and an overload row at twice it.
 *   node dist/bench/ingest/ingest.bench.js [--requests 1000] [--rounds 5] [--concurrency 1,8,32] [--offered 1000]
 *     [--inference [--rate 50] [--deadline-ms 1000] [--capacity <n>/s] [--overload-seconds 60]]
 */
const MINIMUM_REQUESTS = 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: String(MINIMUM_REQUESTS) },
      rounds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '1,8,32' },
      offered: { type: 'string', default: '1000' },
      inference: { type: 'boolean', default: false },
      rate: { type: 'string', default: '50' },
      'deadline-ms': { type: 'string', default: '1000' },
      capacity: { type: 'string' },
      'overload-seconds': { type: 'string', default: '60' },
      'probe-seconds': { type: 'string', default: '3' },
    },
  });
  const requests = Number(values.requests);
  const rounds = Number(values.rounds);
  const offered = Number(values.offered);
  const levels = values.concurrency.split(',').map(Number);
  if (![requests, rounds, offered, ...levels].every((n) => Number.isInteger(n) && n > 0))
    throw new Error('--requests, --rounds, --offered and --concurrency must be positive integers');
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
  const children: ChildProcess[] = [];
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
    const camera = await cameraOn(base, db.adminToken, { name: 'bench-async', verdictMode: 'async' });
    const upload = (url: string, key: string | undefined, wantsVerdict: boolean) =>
      uploader(images, url, key, wantsVerdict);
    const paths = {
      'bare handler (write + fsync)': upload(`http://127.0.0.1:${barePort}/`, undefined, false),
      'Linescope ingest, inference off': upload(`${base}/api/v1/inspections`, camera, false),
    };
    const names = Object.keys(paths) as (keyof typeof paths)[];
    const processes: Processes = { bare: bare.pid!, api: apiProcess.pid! };
    for (const name of names)
      await measuredOpenLoop(paths[name], { ratePerSecond: 50, requests: 20, maxInFlight: 4 }, {});

    console.log(
      `${requests} requests per row offered at ${offered}/s with at most <concurrency> in flight, ` +
        `in ${rounds} interleaved rounds per concurrency (bare, Linescope, bare, ...)`,
    );
    const rows: (string | number)[][] = [];
    const ratios: string[] = [];
    for (const concurrency of levels) {
      const byPath = await interleaved(names, rounds, (name) =>
        measuredOpenLoop(
          paths[name],
          { ratePerSecond: offered, requests: Math.ceil(requests / rounds), maxInFlight: concurrency },
          processes,
        ),
      );
      const summaries = names.map((name) => summarise(mergeMeasured(byPath.get(name)!)));
      const [bareRow, ingestRow] = summaries;
      names.forEach((name, index) =>
        rows.push([name, ...loadCells(summaries[index], Object.keys(processes))]),
      );
      ratios.push(
        `concurrency ${concurrency}: Linescope ok/s ${timesOf(ingestRow.okPerSecond, bareRow.okPerSecond, 'the bare handler')}` +
          ` (${ingestRow.okPerSecond.toFixed(1)} / ${bareRow.okPerSecond.toFixed(1)}, goal >= 0.5x: ` +
          `${ingestRow.okPerSecond >= 0.5 * bareRow.okPerSecond ? 'met' : 'not met'}); CPU ms per request: api ` +
          `${ingestRow.cpuMsPerRequest.api.toFixed(2)} ms, ${timesOf(ingestRow.cpuMsPerRequest.api, bareRow.cpuMsPerRequest.bare, "the bare handler's")}`,
      );
    }
    console.log(`\n${markdownTable(['path', ...loadHeaders(Object.keys(processes))], rows)}\n`);
    console.log(`${loadNotes(MINIMUM_REQUESTS)}\n`);
    console.log(`Ratios, each from the two rows of its concurrency above (same run, interleaved rounds):`);
    for (const line of ratios) console.log(`- ${line}`);

    if (values.inference)
      await withInference(values, {
        env,
        base,
        db,
        data,
        children,
        images,
        requests,
        apiPid: apiProcess.pid!,
      });
  } finally {
    for (const child of children.reverse()) await stop(child);
    await db.drop();
    await data.remove();
    await bareDir.remove();
  }
}

/** POSTs image n of `images`; `wantsVerdict`: an answer without a verdict (`pending`) is a miss. */
function uploader(images: Buffer[], url: string, key: string | undefined, wantsVerdict: boolean) {
  return async (n: number): Promise<Answer> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', ...(key ? { 'x-api-key': key } : {}) },
      body: images[n % images.length],
    });
    const body = (await response.json().catch(() => ({}))) as { verdict?: string | null };
    return { status: response.status, missing: wantsVerdict && !body.verdict };
  };
}

async function cameraOn(
  base: string,
  token: string,
  line: { name: string; verdictMode: 'sync' | 'async'; verdictDeadlineMs?: number },
): Promise<string> {
  const created = await api<{ id: string }>(base, token, 'POST', '/api/v1/lines', line);
  const camera = await api<{ apiKey: string }>(base, token, 'POST', `/api/v1/lines/${created.id}/cameras`, {
    name: line.name,
    rateLimitPerSecond: 10_000,
  });
  return camera.apiKey;
}

/** The verdict path: a sync line through the real API with the default model served by the inference service. */
async function withInference(
  values: {
    rate: string;
    'deadline-ms': string;
    capacity?: string;
    'overload-seconds': string;
    'probe-seconds': string;
  },
  context: {
    env: Record<string, string>;
    base: string;
    db: { url: string; adminToken: string };
    data: { dir: string };
    children: ChildProcess[];
    images: Buffer[];
    requests: number;
    apiPid: number;
  },
): Promise<void> {
  const { env, base, db, data, children, images, requests, apiPid } = context;
  const rate = Number(values.rate);
  const deadlineMs = Number(values['deadline-ms']);
  const model = await registerProductionModel(db.url, data.dir);
  const inference = await startApp(
    'inference',
    { ...env, INFERENCE_WORKERS: '2' },
    Number(env.INFERENCE_PORT),
  );
  children.push(inference);
  const camera = await cameraOn(base, db.adminToken, {
    name: 'bench-sync',
    verdictMode: 'sync',
    verdictDeadlineMs: deadlineMs,
  });
  const send = uploader(images, `${base}/api/v1/inspections`, camera, true);
  const processes: Processes = { api: apiPid, inference: inference.pid! };
  const fixed = (ratePerSecond: number, count: number): Promise<LoadSummary> =>
    measuredOpenLoop(send, { ratePerSecond, requests: count, maxInFlight: 256 }, processes).then(summarise);
  await fixed(rate, rate * 3); // warm-up
  const row = await fixed(rate, requests);
  console.log(`\nVerdicts through the real API (${model}), sync line with a ${deadlineMs} ms deadline:\n`);
  console.log(
    markdownTable(
      ['path', ...loadHeaders(Object.keys(processes))],
      [[`ingest + verdict, fixed ${rate}/s`, ...loadCells(row, Object.keys(processes))]],
    ),
  );
  console.log(
    `\np99 ${row.p99.toFixed(0)} ms at ${rate}/s with ${row.pending} pending (goal p99 <= 50 ms with 0 pending: ` +
      `${row.p99 <= 50 && row.pending === 0 && row.requests >= MINIMUM_REQUESTS ? 'met' : 'not met'})`,
  );

  const capacity =
    values.capacity !== undefined
      ? Number(values.capacity)
      : await findCapacity(fixed, {
          startRate: 10,
          deadlineMs,
          probeSeconds: Number(values['probe-seconds']),
          log: (line) => console.log(line),
        });
  const seconds = Number(values['overload-seconds']);
  const report = await overloadRun(
    send,
    { ratePerSecond: 2 * capacity, seconds, deadlineMs, maxInFlight: 1024 },
    processes,
  );
  console.log(
    `\nCapacity ${values.capacity !== undefined ? 'given (--capacity)' : 'measured'}: ${capacity}/s (capacity: the ` +
      `highest rate whose p99 stays within the ${deadlineMs} ms deadline with 99% verdicts); overload at twice it:\n`,
  );
  console.log(overloadTable(`ingest + verdict at 2x capacity`, capacity, report));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/ingest: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
