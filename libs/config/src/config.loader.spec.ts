import path from 'node:path';
import { ConfigError, loadConfig } from './config.loader';

describe('loadConfig', () => {
  it('defaults to the embedded single-box setup', () => {
    const config = loadConfig({});
    expect(config.database.url).toBeUndefined();
    expect(config.storage).toEqual({ driver: 'fs', root: path.resolve('data', 'storage') });
    expect(config.ports).toEqual({ api: 3000, inference: 3001, trainer: 3002 });
    expect(config.database.runMigrations).toBe(true);
    expect(config.console).toEqual({ sessionIdleHours: 12, sessionMaxHours: 168, reviewClaimSeconds: 300 });
  });

  it('switches to S3 when an endpoint is given', () => {
    const config = loadConfig({
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_ACCESS_KEY: 'minio',
      S3_SECRET_KEY: 'minio123',
      S3_BUCKET: 'inspections',
    });
    expect(config.storage).toMatchObject({
      driver: 's3',
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'inspections',
    });
  });

  it.each([
    [{ S3_ENDPOINT: 'not a url', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 'b' }, /S3_ENDPOINT .*is not a URL/],
    [{ S3_ENDPOINT: 'ftp://host:21', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 'b' }, /must use http or https/],
    [
      { S3_ENDPOINT: 'http://host:9000/bucket', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 'b' },
      /must not have a path/,
    ],
    [{ STORAGE_DRIVER: 's3' }, /S3_ENDPOINT is required for S3 storage/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres/],
    [{ API_PORT: '99999' }, /API_PORT/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ SESSION_IDLE_HOURS: '0' }, /SESSION_IDLE_HOURS/],
    [{ SESSION_IDLE_HOURS: '200' }, /SESSION_IDLE_HOURS must not exceed SESSION_MAX_HOURS/],
    [{ REVIEW_CLAIM_SECONDS: '1.5' }, /REVIEW_CLAIM_SECONDS/],
  ])('rejects %j with one clear line', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
