import { type ChildProcess, spawn } from 'node:child_process';
import { FsObjectStore } from '@linescope/storage';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { api, benchDatabase, freePort, REPO_ROOT, tempDir, tileImages } from '../support/bench-env';
import { registerProductionModel } from '../support/production-model';
import { openLoop } from '../support/load';
import { residentMb } from '../support/process-stats';
import { percentile } from '../support/stats';
import { markdownTable } from '../support/table';

/**
 * bench/soak: the built product (the launcher and its api, inference and trainer children) under a sustained
 * open-loop stream of camera uploads, as a line of cameras sends them whatever the answers.
 *   npm run build:dev && node dist/bench/soak/soak.js [--minutes 10] [--rate 20] [--deadline-ms 500] [--no-model]
 *     [--max-in-flight 1024]
 * Every minute: upload latency p50/p95/p99 measured from each upload's scheduled time (a late send counts), how
 * many got a verdict (201), how many only `pending` (202, counted as a miss) or an error, the resident memory
 * (VmRSS) of the launcher and each child, and the job backlogs from the queue tables. At the end, after the
 * stream stops and the backlog drains: every 2xx has exactly one row and one stored object, nothing else was
 * stored, and nothing is left pending.
 */

interface Sent {
  latencyMs: number;
  status: number;
  inspectionId?: string;
  done: Promise<void>;
}

interface MinuteRow {
  minute: number;
  sent: Sent[];
  rssMb: Record<string, number>;
  backlog: Record<string, number>;
  pendingRows: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: '20' },
      'deadline-ms': { type: 'string', default: '500' },
      'no-model': { type: 'boolean', default: false },
      'drain-seconds': { type: 'string', default: '120' },
      'max-in-flight': { type: 'string', default: '1024' },
    },
  });
  const minutes = Number(values.minutes);
  const rate = Number(values.rate);
  const deadlineMs = Number(values['deadline-ms']);
  const maxInFlight = Number(values['max-in-flight']);
  if (!(minutes > 0) || !(rate > 0) || !(deadlineMs > 0) || !(maxInFlight >= 1))
    throw new Error('--minutes, --rate, --deadline-ms and --max-in-flight must be positive numbers');

  const images = await tileImages(100);
  const db = await benchDatabase();
  const data = await tempDir('linescope-soak-');
  let launcher: ChildProcess | undefined;
  try {
    const model = values['no-model'] ? 'none' : await registerProductionModel(db.url, data.dir);
    const [apiPort, inferencePort, trainerPort] = [await freePort(), await freePort(), await freePort()];
    launcher = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'apps', 'launcher', 'src', 'main.js')], {
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'warn',
        DATABASE_URL: db.url,
        DATA_DIR: data.dir,
        API_PORT: String(apiPort),
        INFERENCE_PORT: String(inferencePort),
        TRAINER_PORT: String(trainerPort),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${apiPort}`;
    await waitReady([`${base}/health/ready`, `http://127.0.0.1:${inferencePort}/health/ready`], launcher);

    const line = await api<{ id: string }>(base, db.adminToken, 'POST', '/api/v1/lines', {
      name: 'soak',
      verdictMode: 'sync',
      verdictDeadlineMs: deadlineMs,
    });
    const camera = await api<{ apiKey: string }>(
      base,
      db.adminToken,
      'POST',
      `/api/v1/lines/${line.id}/cameras`,
      { name: 'soak-camera', rateLimitPerSecond: Math.ceil(rate * 4) },
    );
    const queueDb = new Client({ connectionString: db.url });
    await queueDb.connect();

    console.log(
      `soak: ${minutes} min at ${rate} uploads/s (open loop), sync line with a ${deadlineMs} ms deadline, ` +
        `model ${model}; launcher pid ${launcher.pid}`,
    );
    const rows: MinuteRow[] = [];
    const all: Sent[] = [];
    const reports: Promise<void>[] = [];
    const startedWall = Date.now();
    const total = Math.floor(rate * minutes * 60);
    let minuteStart = 0;
    let current: Sent[] = [];
    // Sampled in the background once the minute's uploads are answered, so the stream is never held up.
    const closeMinute = (minute: number) => {
      const sent = current;
      current = [];
      const previous = reports[reports.length - 1] ?? Promise.resolve();
      reports.push(
        Promise.all(sent.map((s) => s.done)).then(async () => {
          const row: MinuteRow = {
            minute,
            sent,
            rssMb: await residentMemory(launcher!.pid!),
            backlog: await backlogs(queueDb),
            pendingRows: await pendingRows(queueDb),
          };
          await previous;
          rows.push(row);
          console.log(formatMinute(row));
        }),
      );
    };

    const load = openLoop((n) => upload(base, camera.apiKey, images[n % images.length], `SN-${n}`), {
      ratePerSecond: rate,
      requests: total,
      maxInFlight,
      onRequest: (n, answered) => {
        const minute = Math.floor(n / (rate * 60));
        if (minute > minuteStart) {
          closeMinute(minuteStart + 1);
          minuteStart = minute;
        }
        const record: Sent = { latencyMs: Number.NaN, status: 0, done: Promise.resolve() };
        record.done = answered.then((sample) => {
          record.status = sample.value?.status ?? 0;
          record.inspectionId = sample.value?.id;
          record.latencyMs = sample.latencyMs;
        });
        current.push(record);
        all.push(record);
      },
    });
    const { heldBack } = await load;
    closeMinute(minuteStart + 1);
    await Promise.all(reports);
    console.log(
      `stream over after ${((Date.now() - startedWall) / 1000).toFixed(0)} s; ` +
        `${heldBack} uploads sent late because ${maxInFlight} were in flight`,
    );

    console.log('\n' + summaryTable(rows));
    const drainDeadline = Date.now() + Number(values['drain-seconds']) * 1000;
    while (Date.now() < drainDeadline) {
      const backlog = await backlogs(queueDb);
      const waiting = (backlog['score-inspection'] ?? 0) + (await pendingRows(queueDb));
      if (waiting === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const report = await reconcile(queueDb, data.dir, all);
    console.log('\n' + report.text);
    await queueDb.end();
    process.exitCode = report.clean ? 0 : 1;
  } finally {
    if (launcher && launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher!.once('exit', resolve));
      launcher.kill('SIGTERM');
      await exited;
    }
    await db.drop();
    await data.remove();
  }
}

async function waitReady(urls: string[], launcher: ChildProcess): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (const url of urls) {
    for (;;) {
      if (launcher.exitCode !== null) throw new Error(`the launcher exited with ${launcher.exitCode}`);
      if (Date.now() > deadline) throw new Error(`${url} not ready within 180 s`);
      const ready = await fetch(url).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function upload(
  base: string,
  apiKey: string,
  image: Buffer,
  serial: string,
): Promise<{ status: number; id?: string }> {
  const response = await fetch(`${base}/api/v1/inspections?serial=${serial}`, {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg', 'x-api-key': apiKey },
    body: image,
  });
  const body = (await response.json().catch(() => ({}))) as { id?: string };
  return { status: response.status, id: response.ok ? body.id : undefined };
}

/** VmRSS of the launcher and each of its children, named by the app they run (api, inference, trainer). */
async function residentMemory(launcherPid: number): Promise<Record<string, number>> {
  const result: Record<string, number> = { launcher: residentMb(launcherPid) };
  const children = (
    await readFile(`/proc/${launcherPid}/task/${launcherPid}/children`, 'utf8').catch(() => '')
  )
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  for (const pid of children) {
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const app = /apps\/(\w+)\/src\/main\.js/.exec(command)?.[1] ?? `pid-${pid}`;
    result[app] = residentMb(pid);
  }
  return result;
}

/** Jobs waiting or running, by kind (created + retry + active). */
async function backlogs(client: Client): Promise<Record<string, number>> {
  const result = await client.query<{ name: string; n: number }>(
    `SELECT name, count(*)::int AS n FROM pgboss.job WHERE state IN ('created', 'retry', 'active') GROUP BY name`,
  );
  return Object.fromEntries(result.rows.map((row) => [row.name, row.n]));
}

async function pendingRows(client: Client): Promise<number> {
  const result = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM inspections WHERE status = 'pending'`,
  );
  return result.rows[0].n;
}

function latencyOf(sent: Sent[]): { p50: number; p95: number; p99: number } {
  const latencies = sent.map((s) => s.latencyMs);
  return {
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
  };
}

function counts(sent: Sent[]): { verdict: number; pending: number; errors: number } {
  return {
    verdict: sent.filter((s) => s.status === 201).length,
    pending: sent.filter((s) => s.status === 202).length,
    errors: sent.filter((s) => s.status !== 201 && s.status !== 202).length,
  };
}

function formatMinute(row: MinuteRow): string {
  const { p50, p95, p99 } = latencyOf(row.sent);
  const { verdict, pending, errors } = counts(row.sent);
  const memory = Object.entries(row.rssMb)
    .map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`)
    .join(', ');
  const backlog =
    Object.entries(row.backlog)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ') || 'empty';
  return (
    `minute ${row.minute}: ${row.sent.length} sent, ${verdict} verdicts, ${pending} pending (miss), ` +
    `${errors} errors; latency p50 ${p50.toFixed(0)} / p95 ${p95.toFixed(0)} / p99 ${p99.toFixed(0)} ms; ` +
    `RSS ${memory}; backlog ${backlog}; pending rows ${row.pendingRows}`
  );
}

function summaryTable(rows: MinuteRow[]): string {
  const apps = [...new Set(rows.flatMap((row) => Object.keys(row.rssMb)))];
  const kinds = [...new Set(rows.flatMap((row) => Object.keys(row.backlog)))].sort();
  const table = markdownTable(
    [
      'minute',
      'sent',
      'verdict',
      'miss (pending or error)',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      ...apps.map((app) => `${app} RSS MB`),
      ...kinds.map((kind) => `${kind} backlog`),
    ],
    rows.map((row) => {
      const { p50, p95, p99 } = latencyOf(row.sent);
      const { verdict, pending, errors } = counts(row.sent);
      return [
        String(row.minute),
        String(row.sent.length),
        String(verdict),
        String(pending + errors),
        p50,
        p95,
        p99,
        ...apps.map((app) => row.rssMb[app] ?? Number.NaN),
        ...kinds.map((kind) => String(row.backlog[kind] ?? 0)),
      ];
    }),
  );
  if (rows.length < 2) return table;
  const growth = apps.map((app) => {
    const first = rows[0].rssMb[app];
    const last = rows[rows.length - 1].rssMb[app];
    return `${app} ${(((last - first) / first) * 100).toFixed(1)}%`;
  });
  return `${table}\n\nresident memory after the first minute -> at the end: ${growth.join(', ')}`;
}

/** Every 2xx has one row and one stored object; nothing else was stored; nothing is left pending. */
async function reconcile(
  client: Client,
  dataDir: string,
  all: Sent[],
): Promise<{ clean: boolean; text: string }> {
  const acknowledged = all.filter((s) => s.status >= 200 && s.status < 300);
  const ids = acknowledged.map((s) => s.inspectionId).filter((id): id is string => Boolean(id));
  const found = await client.query<{ id: string; image_key: string; status: string }>(
    `SELECT id, image_key, status FROM inspections`,
  );
  const byId = new Map(found.rows.map((row) => [row.id, row]));
  const missingRows = ids.filter((id) => !byId.has(id)).length + (acknowledged.length - ids.length);
  const acknowledgedIds = new Set(ids);
  const extraRows = found.rows.filter((row) => !acknowledgedIds.has(row.id)).length;
  const store = new FsObjectStore(path.join(dataDir, 'storage'));
  let missingObjects = 0;
  for (const id of ids) {
    const row = byId.get(id);
    if (row && !(await store.exists(row.image_key))) missingObjects += 1;
  }
  const stored: string[] = [];
  for await (const object of store.list('images/')) stored.push(object.key);
  const referenced = new Set(found.rows.map((row) => row.image_key));
  const orphanObjects = stored.filter((key) => !referenced.has(key)).length;
  const stillPending = found.rows.filter((row) => row.status === 'pending').length;
  const failed = found.rows.filter((row) => row.status === 'failed').length;
  const clean = missingRows === 0 && extraRows === 0 && missingObjects === 0 && orphanObjects === 0;
  const text = [
    'reconciliation:',
    `  uploads sent ${all.length}, acknowledged (2xx) ${acknowledged.length}, refused or failed ${all.length - acknowledged.length}`,
    `  rows ${found.rows.length}: missing for a 2xx ${missingRows}, without a 2xx ${extraRows}`,
    `  image objects ${stored.length}: missing for a 2xx ${missingObjects}, orphans ${orphanObjects}`,
    `  after the drain: still pending ${stillPending}, failed ${failed}`,
    `  ${clean ? 'CLEAN' : 'NOT CLEAN'}: every 2xx has ${clean ? 'exactly' : 'NOT exactly'} one row and one object`,
  ];
  return { clean, text: text.join('\n') };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
