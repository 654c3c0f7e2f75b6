import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startS3Server, type TestS3Server } from '../../../test/support/s3-server';
import { FsObjectStore } from './fs-object-store';
import { InvalidObjectKeyError, ObjectNotFoundError, type ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

interface StoreFixture {
  store: ObjectStore;
  teardown(): Promise<void>;
}

async function fsFixture(): Promise<StoreFixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'linescope-fs-store-'));
  return { store: new FsObjectStore(dir), teardown: () => rm(dir, { recursive: true, force: true }) };
}

async function s3Fixture(): Promise<StoreFixture> {
  const server: TestS3Server = await startS3Server();
  const store = new S3ObjectStore({
    endpoint: server.address,
    bucket: 'linescope-test',
    accessKey: server.accessKey,
    secretKey: server.secretKey,
  });
  return { store, teardown: () => server.stop() };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe.each([
  ['filesystem', fsFixture],
  ['s3 (minio client against s3rver)', s3Fixture],
])('ObjectStore contract: %s', (_name, makeFixture) => {
  let fixture: StoreFixture;
  let store: ObjectStore;

  beforeAll(async () => {
    fixture = await makeFixture();
    store = fixture.store;
    await store.init();
    await store.init(); // idempotent
  });
  afterAll(async () => fixture.teardown());

  it('round-trips bytes and content type', async () => {
    const body = Buffer.from([0, 1, 2, 253, 254, 255]);
    const info = await store.put('images/line-1/a.png', body, { contentType: 'image/png' });
    expect(info.size).toBe(6);
    expect(await store.get('images/line-1/a.png')).toEqual(body);
    const stat = await store.stat('images/line-1/a.png');
    expect(stat).toMatchObject({ key: 'images/line-1/a.png', size: 6, contentType: 'image/png' });
    expect(await store.exists('images/line-1/a.png')).toBe(true);
  });

  it('streams an object', async () => {
    const body = Buffer.alloc(300_000, 7);
    await store.put('streams/big.bin', body);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.getStream('streams/big.bin')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
  });

  it('overwrites an existing key', async () => {
    await store.put('over/x', Buffer.from('one'));
    await store.put('over/x', Buffer.from('second'));
    expect((await store.get('over/x')).toString()).toBe('second');
  });

  it('answers a missing key with ObjectNotFoundError, null or false', async () => {
    await expect(store.get('nope/missing.jpg')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.getStream('nope/missing.jpg')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await store.stat('nope/missing.jpg')).toBeNull();
    expect(await store.exists('nope/missing.jpg')).toBe(false);
  });

  it('deletes, and deleting a missing key is not an error', async () => {
    await store.put('del/x', Buffer.from('x'));
    await store.delete('del/x');
    expect(await store.exists('del/x')).toBe(false);
    await expect(store.delete('del/x')).resolves.toBeUndefined();
  });

  it('lists by prefix in key order', async () => {
    await store.put('list/b/2', Buffer.from('2'));
    await store.put('list/a/1', Buffer.from('1'));
    await store.put('list/a/3', Buffer.from('333'));
    await store.put('listing-other', Buffer.from('o'));
    const listed = await collect(store.list('list/'));
    expect(listed.map((o) => o.key)).toEqual(['list/a/1', 'list/a/3', 'list/b/2']);
    expect(listed.map((o) => o.size)).toEqual([1, 3, 1]);
    expect((await collect(store.list('list/a/'))).map((o) => o.key)).toEqual(['list/a/1', 'list/a/3']);
    expect(await collect(store.list('absent/'))).toEqual([]);
  });

  it.each(['../etc/passwd', 'a/../../b', '/abs/key', 'a//b', 'a/./b', 'back\\slash', '', 'sp ace', 'a/'])(
    'rejects the key %j before touching the backend',
    async (key) => {
      await expect(store.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.get(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    },
  );

  it('pings', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe('FsObjectStore specifics', () => {
  it('leaves no temporary files behind and keeps the object outside its metadata', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'linescope-fs-store-'));
    try {
      const store = new FsObjectStore(dir);
      await store.init();
      await store.put('k/v.bin', Buffer.from('abc'));
      expect(await readdir(path.join(dir, '.tmp'))).toEqual([]);
      await expect(store.put('k/v.bin.meta.json', Buffer.from('x'))).rejects.toBeInstanceOf(
        InvalidObjectKeyError,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails ping when its root is gone', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'linescope-fs-store-'));
    const store = new FsObjectStore(dir);
    await store.init();
    await rm(dir, { recursive: true, force: true });
    await expect(store.ping()).rejects.toThrow();
  });
});

describe('S3ObjectStore specifics', () => {
  it('fails ping against an endpoint where nothing listens', async () => {
    const store = new S3ObjectStore({
      endpoint: { endPoint: '127.0.0.1', port: 1, useSSL: false },
      bucket: 'b',
      accessKey: 'a',
      secretKey: 'b',
    });
    await expect(store.ping()).rejects.toThrow();
  });
});
