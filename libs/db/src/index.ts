export * from './entities';
export * from './data-source';
export * from './database-errors';
export { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded/embedded-postgres';
