import { link, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { chromium, type Page } from 'playwright-core';
import { markdownTable } from '../support/table';
import { api, benchDatabase, freePort, startApp, stop, tempDir, tileImages } from '../support/bench-env';

/**
 * bench/web: the console on a large database. Seeds N inspections over 30 days (10% flagged for review, their
 * images stored), then measures on a warm server: navigation to the review station until the first item's image
 * is on screen, the 30-day line dashboard API, and the gzipped JavaScript of a first visit (sign-in, then review).
 *   node dist/bench/web/web.bench.js [--rows 100000] [--runs 5] [--quick]
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

async function seed(url: string, storageRoot: string, lineId: string, cameraId: string, rows: number) {
  const sql = new Client({ connectionString: url });
  await sql.connect();
  const model = await sql.query(
    `INSERT INTO model_versions (name, version, architecture, spec, input_height, input_width, class_names, preprocessing, artifact_key, stage)
     VALUES ('bench', 1, 'resnet', '{}', 32, 32, '["ok","defect"]', '{}', 'models/bench/', 'production') RETURNING id`,
  );
  const modelId = model.rows[0].id as string;
  // Every tenth row is flagged (half uncertain, half defect); the rest are OK. Spread over 30 days.
  await sql.query(
    `INSERT INTO inspections (line_id, camera_id, product_serial, image_key, image_sha256, image_bytes, width, height,
       format, received_at, status, verdict, score, model_version_id, latency, scored_at)
     SELECT $1, $2, 'B-' || i, 'images/bench/' || i || '.jpg', repeat('a', 64), 20000, 240, 289, 'jpeg',
       now() - (i * (30 * 86400.0 / $3)) * interval '1 second', 'scored',
       (CASE WHEN i % 20 = 0 THEN 'uncertain' WHEN i % 20 = 10 THEN 'defect' ELSE 'ok' END)::verdict,
       CASE WHEN i % 20 = 0 THEN 0.5 WHEN i % 20 = 10 THEN 0.9 ELSE 0.1 END, $4,
       jsonb_build_object('totalMs', 10 + (i % 50)), now()
     FROM generate_series(1, $3) AS i`,
    [lineId, cameraId, rows, modelId],
  );
  await sql.query('ANALYZE inspections');
  await sql.end();
  // The flagged rows' images: hard links to a few real tiles (the review station downloads them).
  const images = await tileImages(8);
  const dir = path.join(storageRoot, 'objects', 'images', 'bench');
  await mkdir(dir, { recursive: true });
  const sources: string[] = [];
  for (const [i, bytes] of images.entries()) {
    const file = path.join(storageRoot, `source-${i}.jpg`);
    await writeFile(file, bytes);
    sources.push(file);
  }
  for (let i = 10; i <= rows; i += 10) await link(sources[i % sources.length], path.join(dir, `${i}.jpg`));
}

async function scriptBytes(page: Page, visit: () => Promise<void>): Promise<{ files: number; gzip: number }> {
  const bodies: Promise<Buffer>[] = [];
  page.on('response', (response) => {
    if (response.request().resourceType() === 'script') bodies.push(response.body());
  });
  await visit();
  const all = await Promise.all(bodies);
  return { files: all.length, gzip: all.reduce((sum, body) => sum + gzipSync(body).length, 0) };
}

/**
 * Milliseconds from the start of the navigation to the first review image on screen: the station sets a
 * performance mark when an item's image has loaded (read through the DevTools protocol; the page's CSP forbids eval).
 */
async function firstImageShownMs(page: Page): Promise<number> {
  await page.getByTestId('review-image').waitFor();
  for (;;) {
    const mark = await page.evaluate(
      (name) => (globalThis as any).performance.getEntriesByName(name)[0]?.startTime as number | undefined,
      'linescope:review-image-shown',
    );
    if (mark !== undefined) return mark;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '5' },
      quick: { type: 'boolean', default: false },
    },
  });
  const rows = values.quick ? 5000 : Number(values.rows);
  const runs = values.quick ? 2 : Number(values.runs);
  const db = await benchDatabase();
  const data = await tempDir('linescope-bench-web-');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let server;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  try {
    server = await startApp(
      'api',
      { DATABASE_URL: db.url, DATA_DIR: data.dir, API_PORT: String(port) },
      port,
    );
    const line = await api<{ id: string }>(base, db.adminToken, 'POST', '/api/v1/lines', { name: 'bench' });
    const camera = await api<{ camera: { id: string } }>(
      base,
      db.adminToken,
      'POST',
      `/api/v1/lines/${line.id}/cameras`,
      { name: 'bench-cam' },
    );
    const seeded = Date.now();
    await seed(db.url, path.join(data.dir, 'storage'), line.id, camera.camera.id, rows);
    const seedSeconds = (Date.now() - seeded) / 1000;
    const qa = await api<{ token: string }>(base, db.adminToken, 'POST', '/api/v1/users', {
      email: 'qa@bench.local',
      displayName: 'QA',
      role: 'qa',
    });
    const password = 'bench-password-1';
    await api(base, qa.token, 'POST', '/api/v1/auth/password', { newPassword: password });

    // First visit: a fresh browser context, the sign-in page, then the review station.
    const context = await browser.newContext();
    const page = await context.newPage();
    const firstVisit = await scriptBytes(page, async () => {
      await page.goto(`${base}/review`);
      await page.getByLabel('Email').fill('qa@bench.local');
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByLabel('Password', { exact: true }).press('Enter');
      await page.getByTestId('review-image').waitFor();
    });

    // Warm server and cache: navigate away and back, until the first item's image has decoded.
    const reviewMs: number[] = [];
    for (let run = 0; run < runs; run++) {
      await page.goto(`${base}/inspections`);
      await page.getByTestId('inspections-table').waitFor();
      await page.goto(`${base}/review`);
      reviewMs.push(await firstImageShownMs(page));
    }

    const dashboardMs: number[] = [];
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86_400_000);
    const route = `/api/v1/dashboards/lines/${line.id}?from=${from.toISOString()}&to=${to.toISOString()}`;
    await api(base, db.adminToken, 'GET', route);
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      await api(base, db.adminToken, 'GET', route);
      dashboardMs.push(performance.now() - started);
    }
    console.log(`\nbench/web — ${rows} inspections (seeded in ${seedSeconds.toFixed(1)} s), ${runs} runs\n`);
    console.log(
      markdownTable(
        ['measure', 'median', 'worst', 'goal'],
        [
          [
            'review station: navigation to first image shown (ms)',
            median(reviewMs),
            Math.max(...reviewMs),
            '≤ 1500',
          ],
          ['line dashboard API, 30 days (ms)', median(dashboardMs), Math.max(...dashboardMs), '≤ 500'],
          [
            `first visit JavaScript, gzipped (KB, ${firstVisit.files} files)`,
            firstVisit.gzip / 1024,
            firstVisit.gzip / 1024,
            '≤ 300',
          ],
        ],
      ),
    );
    await context.close();
  } finally {
    await browser.close();
    await stop(server);
    await db.drop();
    await data.remove();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
