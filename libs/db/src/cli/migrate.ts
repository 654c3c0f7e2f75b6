import { loadConfig } from '@linescope/config';
import { createDataSource, migrateDownAll, migrateUp } from '../data-source';
import { describeDatabaseError } from '../database-errors';
import { startEmbeddedPostgres } from '../embedded/embedded-postgres';

/** `migrate up` applies pending migrations; `migrate down` reverts all of them. Uses the embedded database when no DATABASE_URL is set. */
async function main(direction: string | undefined): Promise<void> {
  if (direction !== 'up' && direction !== 'down') throw new Error('usage: migrate up|down');
  const config = loadConfig();
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  const url = config.database.url ?? embedded!.url;
  const dataSource = createDataSource({ url, applicationName: 'linescope-migrate' });
  try {
    await dataSource.initialize().catch((error: unknown) => {
      throw new Error(describeDatabaseError(url, error));
    });
    if (direction === 'up') {
      const applied = await migrateUp(dataSource);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
    } else {
      process.stdout.write(`reverted ${await migrateDownAll(dataSource)} migration(s)\n`);
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
