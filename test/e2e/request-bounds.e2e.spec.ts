import { apiApp } from '../../apps/api/src/api.app';
import { WebhookService } from '../../apps/api/src/services/webhook.service';
import { type RunningApp, startApp } from '@linescope/platform';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { createMigratedDatabase, type TestDatabase } from '../support/database';
import { createUserWithToken } from '@linescope/accounts';
import { DatabaseTransactions } from '@linescope/db';
import { datasetImages } from '../support/datasets';
import { waitFor } from '../support/processes';
import {
  seedCamera,
  seedLine,
  seedModelVersion,
  seedPendingInspection,
  seedScoredInspection,
} from '../support/seed';

const STATEMENT_TIMEOUT_MS = 1_000;
const INFERENCE_TIMEOUT_MS = 1_000;
const WEBHOOK_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 1_500;
/** Scheduling on a loaded 2-core machine, and the client-side second pg adds behind statement_timeout. */
const SLACK_MS = 1_500;

/** A server that accepts connections and never answers: a stalled dependency, not a dead one. */
async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Sends the headers and `firstBytes` of a body, then `trickle` (if any) byte by byte; resolves with what came back. */
function rawUpload(
  url: string,
  cameraKey: string,
  options: { declared: number; firstBytes: Buffer; trickleEveryMs?: number },
): Promise<{ response: string; ms: number }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let response = '';
    let trickle: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(
        `POST /api/v1/inspections?serial=SN-SLOW HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
          `Content-Type: image/jpeg\r\nContent-Length: ${options.declared}\r\nX-Api-Key: ${cameraKey}\r\n\r\n`,
      );
      socket.write(options.firstBytes);
      if (options.trickleEveryMs)
        trickle = setInterval(() => socket.write(Buffer.from([0])), options.trickleEveryMs);
    });
    socket.on('data', (chunk) => (response += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(trickle);
      resolve({ response, ms: Date.now() - started });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open: ${response}`));
    }, 20_000).unref();
  });
}

describe('bounded waits on the request path: database, inference, webhooks, slow request bodies', () => {
  let api: ApiHarness;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let cameraKey: string;
  const [tile] = datasetImages('magnetic-tile', 'ok', 1);

  const rows = async (): Promise<number> => {
    const result: { n: number }[] = await api.running.infra.dataSource.query(
      'SELECT count(*)::int AS n FROM inspections',
    );
    return result[0].n;
  };
  const imageKeys = async (): Promise<string[]> => {
    const keys: string[] = [];
    for await (const object of api.running.infra.store.list('images/')) keys.push(object.key);
    return keys;
  };
  const upload = () =>
    api.call('POST', '/api/v1/inspections?serial=SN-1', {
      body: tile.bytes,
      headers: { 'content-type': 'image/jpeg', 'x-api-key': cameraKey },
    });

  beforeAll(async () => {
    silent = await startSilentServer();
    api = await startApiHarness({
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DATABASE_CONNECT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      INFERENCE_URLS: silent.url,
      INFERENCE_TIMEOUT_MS: String(INFERENCE_TIMEOUT_MS),
      WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    });
    const line = await api.call('POST', '/api/v1/lines', {
      token: api.adminToken,
      json: { name: 'bounded', verdictMode: 'sync', verdictDeadlineMs: 300 },
    });
    const camera = await api.call('POST', `/api/v1/lines/${line.body.id}/cameras`, {
      token: api.adminToken,
      json: { name: 'cam-bounded', rateLimitPerSecond: 1000 },
    });
    cameraKey = camera.body.apiKey;
  }, 60_000);

  afterAll(async () => {
    await api?.stop();
    await silent?.close();
  });

  describe('a database session holding a lock on inspections', () => {
    let locker: Client;
    beforeEach(async () => {
      locker = new Client({ connectionString: api.db.url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE inspections IN ACCESS EXCLUSIVE MODE');
    });
    afterEach(async () => {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    });

    it('makes a read answer 503 database_unavailable within DATABASE_STATEMENT_TIMEOUT_MS', async () => {
      const started = Date.now();
      const listed = await api.call('GET', '/api/v1/inspections', { token: api.adminToken });
      const elapsed = Date.now() - started;
      expect(listed.status).toBe(503);
      expect(listed.body).toMatchObject({ statusCode: 503, error: 'database_unavailable' });
      expect(elapsed).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(STATEMENT_TIMEOUT_MS + SLACK_MS);
    }, 30_000);

    it('makes an upload answer 503 database_unavailable in time, leaving no row and no object', async () => {
      await locker.query('ROLLBACK');
      const rowsBefore = await rows();
      const keysBefore = await imageKeys();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE inspections IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const refused = await upload();
      const elapsed = Date.now() - started;
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ statusCode: 503, error: 'database_unavailable' });
      expect(elapsed).toBeLessThan(STATEMENT_TIMEOUT_MS + SLACK_MS);
      await locker.query('ROLLBACK');
      expect(await rows()).toBe(rowsBefore);
      expect(await imageKeys()).toEqual(keysBefore);
    }, 30_000);
  });

  describe('an inference service that accepts connections and never answers', () => {
    it("answers a sync line's upload 202 pending within the line's deadline", async () => {
      const started = Date.now();
      const answered = await upload();
      expect(answered.status).toBe(202);
      expect(answered.body).toMatchObject({ status: 'pending' });
      expect(Date.now() - started).toBeLessThan(300 + SLACK_MS);
    }, 30_000);

    it('answers a heatmap rendered on demand 503 inference_unavailable within INFERENCE_TIMEOUT_MS', async () => {
      const dataSource = api.running.infra.dataSource;
      const lineId = await seedLine(dataSource);
      const cameraId = await seedCamera(dataSource, lineId);
      const modelVersionId = await seedModelVersion(dataSource);
      const defect = await seedScoredInspection(dataSource, {
        lineId,
        cameraId,
        verdict: 'defect',
        receivedAt: new Date(),
        modelVersionId,
      });
      const ok = await seedScoredInspection(dataSource, {
        lineId,
        cameraId,
        verdict: 'ok',
        receivedAt: new Date(),
        modelVersionId,
      });

      const started = Date.now();
      const stalled = await api.call('GET', `/api/v1/inspections/${defect}/heatmap`, {
        token: api.adminToken,
      });
      const elapsed = Date.now() - started;
      expect(stalled.status).toBe(503);
      expect(stalled.body).toMatchObject({ statusCode: 503, error: 'inference_unavailable' });
      expect(elapsed).toBeGreaterThanOrEqual(INFERENCE_TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(INFERENCE_TIMEOUT_MS + SLACK_MS);

      // An OK verdict never has a heatmap: answered at once, without asking the inference service.
      const quick = Date.now();
      const none = await api.call('GET', `/api/v1/inspections/${ok}/heatmap`, { token: api.adminToken });
      expect(none.status).toBe(404);
      expect(none.body).toMatchObject({ error: 'heatmap_not_found' });
      expect(Date.now() - quick).toBeLessThan(INFERENCE_TIMEOUT_MS);
    }, 30_000);
  });

  it('gives up a webhook delivery to a receiver that never answers after WEBHOOK_TIMEOUT_MS (the job retries)', async () => {
    const dataSource = api.running.infra.dataSource;
    const lineId = await seedLine(dataSource, { webhookUrl: `${silent.url}/hook` });
    const cameraId = await seedCamera(dataSource, lineId);
    const modelVersionId = await seedModelVersion(dataSource);
    const id = await seedScoredInspection(dataSource, {
      lineId,
      cameraId,
      verdict: 'defect',
      receivedAt: new Date(),
      modelVersionId,
    });
    const started = Date.now();
    await expect(api.running.app.get(WebhookService).notify(id)).rejects.toThrow(/abort|timeout/i);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(WEBHOOK_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(WEBHOOK_TIMEOUT_MS + SLACK_MS);
  }, 30_000);

  describe('a client that sends its headers and then stalls or trickles its body', () => {
    it('is answered 408 and cut off within HTTP_REQUEST_TIMEOUT_MS; nothing is stored', async () => {
      const rowsBefore = await rows();
      const keysBefore = await imageKeys();
      const { response, ms } = await rawUpload(api.url, cameraKey, {
        declared: tile.bytes.length,
        firstBytes: tile.bytes.subarray(0, 1024),
      });
      expect(response).toMatch(/^HTTP\/1\.1 408 /);
      expect(ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
      expect(await rows()).toBe(rowsBefore);
      expect(await imageKeys()).toEqual(keysBefore);
    }, 30_000);

    it('cuts off a body trickled a byte every 100 ms the same way (the bound is on the whole request)', async () => {
      const rowsBefore = await rows();
      const { response, ms } = await rawUpload(api.url, cameraKey, {
        declared: tile.bytes.length,
        firstBytes: tile.bytes.subarray(0, 1024),
        trickleEveryMs: 100,
      });
      expect(response).toMatch(/^HTTP\/1\.1 408 /);
      expect(ms).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
      expect(await rows()).toBe(rowsBefore);
    }, 30_000);
  });
});

describe('uploads left pending by a stop', () => {
  it('are queued for scoring again when the API starts', async () => {
    const { db, dataSource } = await createMigratedDatabase();
    const dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-pending-'));
    let running: RunningApp | undefined;
    try {
      const lineId = await seedLine(dataSource);
      // As a stop in the middle of a synchronous scoring leaves it: a pending row and no job.
      const pending = await seedPendingInspection(dataSource, lineId);
      await dataSource.destroy();
      running = await startApp(apiApp, {
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
        API_PORT: '0',
        LOG_LEVEL: 'silent',
        INFERENCE_URLS: 'http://127.0.0.1:9',
      });
      const queued = async () => {
        const jobs: { n: number }[] = await running!.infra.dataSource.query(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'score-inspection' AND data->>'inspectionId' = $1`,
          [pending],
        );
        return jobs[0].n;
      };
      await waitFor(async () => (await queued()) > 0, 10_000, 'the pending inspection queued again');
      expect(await queued()).toBe(1);
    } finally {
      await running?.shutdown('test over');
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

/**
 * A TCP proxy in front of PostgreSQL that can stall: while stalled it forwards nothing either way and connects no
 * new client upstream, as a database server that was stopped (SIGSTOP) or a network that drops everything does.
 */
async function startStallableProxy(upstream: URL): Promise<{
  port: number;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}> {
  let stalled = false;
  const pairs = new Set<[net.Socket, net.Socket | undefined]>();
  const waiting: (() => void)[] = [];
  const server = net.createServer((client) => {
    const pair: [net.Socket, net.Socket | undefined] = [client, undefined];
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair[1]?.destroy();
      pairs.delete(pair);
    });
    const connect = () => {
      if (client.destroyed) return;
      const server = net.connect(Number(upstream.port || 5432), upstream.hostname);
      pair[1] = server;
      server.on('error', () => client.destroy());
      server.on('close', () => client.destroy());
      client.pipe(server);
      server.pipe(client);
      if (stalled) {
        client.pause();
        server.pause();
      }
    };
    if (stalled) waiting.push(connect);
    else connect();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const setPaused = (paused: boolean) => {
    for (const [client, upstreamSocket] of pairs) {
      for (const socket of [client, upstreamSocket]) {
        if (!socket) continue;
        if (paused) socket.pause();
        else socket.resume();
      }
    }
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    stall: () => {
      stalled = true;
      setPaused(true);
    },
    resume: () => {
      stalled = false;
      setPaused(false);
      for (const connect of waiting.splice(0)) connect();
    },
    close: async () => {
      for (const [client, upstreamSocket] of pairs) {
        client.destroy();
        upstreamSocket?.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a database server that stops answering (stalled behind a proxy)', () => {
  let db: TestDatabase;
  let proxy: Awaited<ReturnType<typeof startStallableProxy>>;
  let running: RunningApp;
  let dataDir: string;
  let adminToken: string;

  beforeAll(async () => {
    const migrated = await createMigratedDatabase();
    db = migrated.db;
    adminToken = (
      await createUserWithToken(
        new DatabaseTransactions(migrated.dataSource),
        { email: 'admin@example.com', displayName: 'Admin', role: 'admin' },
        null,
      )
    ).token;
    await migrated.dataSource.destroy();
    const target = new URL(db.url);
    proxy = await startStallableProxy(target);
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-db-stall-'));
    running = await startApp(apiApp, {
      DATABASE_URL: viaProxy.toString(),
      DATA_DIR: dataDir,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
      INFERENCE_URLS: 'http://127.0.0.1:9',
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DATABASE_CONNECT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DATABASE_POOL_SIZE: '2',
    });
  }, 60_000);

  afterAll(async () => {
    proxy?.resume();
    await running?.shutdown('test over');
    await proxy?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const list = async () => {
    const started = Date.now();
    const response = await fetch(`${running.url}/api/v1/inspections`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    return { status: response.status, body: await response.json(), ms: Date.now() - started };
  };

  it('answers 503 database_unavailable within the bound (statement + 1 s, or the connect bound), then recovers', async () => {
    expect((await list()).status).toBe(200);
    proxy.stall();
    // Several at once: some wait on a pooled connection that never answers, others for a new connection.
    const stalled = await Promise.all([list(), list(), list(), list()]);
    for (const answer of stalled) {
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ statusCode: 503, error: 'database_unavailable' });
      expect(answer.ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 1_000 + SLACK_MS);
    }
    proxy.resume();
    await waitFor(async () => (await list()).status === 200, 10_000, 'the API answering again');
  }, 60_000);
});
