export * from './entities';
export * from './data-source';
export * from './database-errors';
export * from './model-notifications';
export * from './repositories';
export { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded/embedded-postgres';
export * from './transactions';
