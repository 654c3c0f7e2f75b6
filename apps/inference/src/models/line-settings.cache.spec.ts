import { randomUUID } from 'node:crypto';
import { notifyModelsChanged, ProductionLineEntity } from '@linescope/db';
import pino from 'pino';
import { type DataSource } from 'typeorm';
import { createMigratedDatabase, type TestDatabase } from '../../../../test/support/database';
import { LineSettingsCache, type LineSettingsQuery } from './line-settings.cache';
import { ModelChangeWatcher } from './model-change.watcher';
import { type LineSettings, ServingSetRepository } from '../repositories/serving-set.repository';

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('LineSettingsCache (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ db, dataSource } = await createMigratedDatabase());
  });
  afterAll(async () => db.drop());

  /** The real query, counting the line ids it is asked for. */
  function countedQuery(): { query: LineSettingsQuery; asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      query: (lineId) => {
        asked.push(lineId);
        return new ServingSetRepository(dataSource.manager).findLineSettings(lineId);
      },
    };
  }

  async function createLine(settings: Partial<LineSettings> = {}): Promise<ProductionLineEntity> {
    return dataSource.getRepository(ProductionLineEntity).save({ name: `line-${randomUUID()}`, ...settings });
  }

  it('reads a line once and answers the next lookups from memory', async () => {
    const line = await createLine({ operatingThreshold: 0.7, uncertainLow: 0.6, uncertainHigh: 0.8 });
    const { query, asked } = countedQuery();
    const cache = new LineSettingsCache({ lookup: query, listening: () => true });

    const first = await cache.get(line.id);
    expect(first).toEqual({
      id: line.id,
      operatingThreshold: 0.7,
      uncertainLow: 0.6,
      uncertainHigh: 0.8,
      modelVersionId: null,
    });
    expect(await cache.get(line.id)).toBe(first);
    expect(await cache.get(line.id)).toBe(first);
    expect(asked).toEqual([line.id]);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('shares one query between concurrent first lookups of a line', async () => {
    const line = await createLine({ operatingThreshold: 0.3 });
    const unknownId = randomUUID();
    const { query, asked } = countedQuery();
    const cache = new LineSettingsCache({ lookup: query, listening: () => true });

    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => cache.get(line.id)),
      ...Array.from({ length: 8 }, () => cache.get(unknownId)),
    ]);
    expect(answers.slice(0, 8).map((settings) => settings?.operatingThreshold)).toEqual(Array(8).fill(0.3));
    expect(answers.slice(8)).toEqual(Array(8).fill(null));
    expect(asked.sort()).toEqual([line.id, unknownId].sort());
  });

  it('remembers that a line does not exist, for a bounded number of ids, least recently asked forgotten first', async () => {
    const { query, asked } = countedQuery();
    const cache = new LineSettingsCache({ lookup: query, listening: () => true, maxUnknownLines: 3 });
    const [a, b, c, d] = Array.from({ length: 4 }, () => randomUUID());

    expect(await cache.get(a)).toBeNull();
    expect(await cache.get(a)).toBeNull();
    expect(asked).toEqual([a]);

    await cache.get(b);
    await cache.get(c);
    await cache.get(a); // a is now the most recently asked: b is the oldest
    await cache.get(d);
    expect(cache.size()).toEqual({ lines: 0, unknown: 3 });
    expect(asked).toEqual([a, b, c, d]);
    for (const id of [a, c, d]) expect(await cache.get(id)).toBeNull();
    expect(asked).toEqual([a, b, c, d]);
    expect(await cache.get(b)).toBeNull();
    expect(asked).toEqual([a, b, c, d, b]);

    for (let i = 0; i < 50; i++) expect(await cache.get(randomUUID())).toBeNull();
    expect(cache.size()).toEqual({ lines: 0, unknown: 3 });
  });

  it('keeps no failed query: every caller that shared it sees the error, the next lookup asks again', async () => {
    const line = await createLine({ uncertainHigh: 0.9 });
    const { query: real, asked } = countedQuery();
    let failures = 1;
    const cache = new LineSettingsCache({
      lookup: async (lineId) => {
        const settings = await real(lineId);
        if (failures-- > 0) throw new Error('connection reset');
        return settings;
      },
      listening: () => true,
    });

    const shared = await Promise.allSettled([cache.get(line.id), cache.get(line.id)]);
    expect(shared.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(cache.size()).toEqual({ lines: 0, unknown: 0 });
    expect((await cache.get(line.id))?.uncertainHigh).toBe(0.9);
    expect(await cache.get(line.id)).toEqual(expect.objectContaining({ id: line.id }));
    expect(asked).toEqual([line.id, line.id]);

    // A query the database refuses is not kept either.
    const refused = new LineSettingsCache({ lookup: countedQuery().query, listening: () => true });
    await expect(refused.get('not-a-uuid')).rejects.toThrow(/uuid/);
    expect(refused.size()).toEqual({ lines: 0, unknown: 0 });
  });

  it('does not keep what a lookup read if the cache was cleared while it ran', async () => {
    const line = await createLine({ operatingThreshold: 0.4 });
    const { query: real, asked } = countedQuery();
    let release: () => void = () => undefined;
    let held = 0;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const cache = new LineSettingsCache({
      lookup: async (lineId) => {
        const first = asked.length < 2;
        const settings = await real(lineId);
        if (first) {
          held++;
          await gate;
        }
        return settings;
      },
      listening: () => true,
    });
    const unknownId = randomUUID();

    const inFlight = cache.get(line.id);
    const unknownInFlight = cache.get(unknownId);
    await waitUntil(() => held === 2, 'both queries read');
    await dataSource.getRepository(ProductionLineEntity).update(line.id, { operatingThreshold: 0.45 });
    cache.clear();
    release();
    expect((await inFlight)?.operatingThreshold).toBe(0.4);
    expect(await unknownInFlight).toBeNull();
    expect(cache.size()).toEqual({ lines: 0, unknown: 0 });
    expect((await cache.get(line.id))?.operatingThreshold).toBe(0.45);
  });

  it('reads the database on every lookup while notifications are not heard, and holds nothing read then', async () => {
    const line = await createLine({ operatingThreshold: 0.2 });
    const { query, asked } = countedQuery();
    let listening = true;
    const cache = new LineSettingsCache({ lookup: query, listening: () => listening });

    await cache.get(line.id);
    listening = false;
    await dataSource.getRepository(ProductionLineEntity).update(line.id, { operatingThreshold: 0.25 });
    for (let i = 0; i < 3; i++) expect((await cache.get(line.id))?.operatingThreshold).toBe(0.25);
    expect(cache.size()).toEqual({ lines: 0, unknown: 0 });
    expect(asked).toHaveLength(4);

    listening = true;
    await dataSource.getRepository(ProductionLineEntity).update(line.id, { operatingThreshold: 0.3 });
    expect((await cache.get(line.id))?.operatingThreshold).toBe(0.3);
    expect(asked).toHaveLength(5);
  });

  describe('wired to the change watcher as the runtime wires it', () => {
    let watcher: ModelChangeWatcher;
    let cache: LineSettingsCache;
    let asked: string[];
    const reasons: string[] = [];

    beforeAll(async () => {
      const counted = countedQuery();
      asked = counted.asked;
      watcher = new ModelChangeWatcher({
        databaseUrl: db.url,
        pollMs: 3_600_000,
        reconnectMs: 200,
        logger: pino({ level: 'silent' }),
        onChange: (reason) => {
          reasons.push(reason);
          cache.clear();
        },
      });
      cache = new LineSettingsCache({ lookup: counted.query, listening: () => watcher.listening });
      watcher.start();
      await waitUntil(() => watcher.listening, 'listening');
    });
    afterAll(async () => watcher.stop());

    it("sees a line's change on the next lookup once its notification is heard", async () => {
      const line = await createLine({ operatingThreshold: 0.5, uncertainLow: 0.4, uncertainHigh: 0.6 });
      const unknownId = randomUUID();
      expect((await cache.get(line.id))?.operatingThreshold).toBe(0.5);
      expect(await cache.get(unknownId)).toBeNull();
      expect(await cache.get(line.id)).toEqual(expect.objectContaining({ operatingThreshold: 0.5 }));
      const before = asked.length;

      // What the API's line service does: the update and its notification in one transaction.
      await dataSource.transaction(async (manager) => {
        await manager
          .getRepository(ProductionLineEntity)
          .update(line.id, { operatingThreshold: 0.9, uncertainHigh: 0.95 });
        await notifyModelsChanged(manager, { event: 'line', id: line.id });
      });
      await waitUntil(() => reasons.some((reason) => reason.includes(line.id)), 'notification heard');

      expect(await cache.get(line.id)).toEqual({
        id: line.id,
        operatingThreshold: 0.9,
        uncertainLow: 0.4,
        uncertainHigh: 0.95,
        modelVersionId: null,
      });
      expect(await cache.get(line.id)).toEqual(expect.objectContaining({ operatingThreshold: 0.9 }));
      expect(asked.slice(before)).toEqual([line.id]);
      expect(await cache.get(unknownId)).toBeNull();
    });

    it('never answers from memory while the listener is cut, and reads every line again once it is back', async () => {
      const cut = async () => {
        await dataSource.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'linescope-inference-listen'`,
        );
        await waitUntil(() => !watcher.listening, 'listener lost');
      };
      const threshold = async () => (await cache.get(line.id))?.operatingThreshold;
      const line = await createLine({ operatingThreshold: 0.5 });
      expect(await threshold()).toBe(0.5);

      // Changes without a notification below: only reading the database can see them.
      await cut();
      await dataSource.getRepository(ProductionLineEntity).update(line.id, { operatingThreshold: 0.55 });
      expect(await threshold()).toBe(0.55);
      await waitUntil(() => watcher.listening, 'listener back');
      expect(await threshold()).toBe(0.55);
      const before = asked.length;
      expect(await threshold()).toBe(0.55);
      expect(asked.length).toBe(before);

      // Changed while the listener was down and nobody asked: read again after the reconnection.
      await cut();
      await dataSource.getRepository(ProductionLineEntity).update(line.id, { operatingThreshold: 0.6 });
      await waitUntil(() => watcher.listening, 'listener back');
      expect(await threshold()).toBe(0.6);
      expect(reasons.filter((reason) => reason === 'listening')).toHaveLength(3);
    });
  });
});
