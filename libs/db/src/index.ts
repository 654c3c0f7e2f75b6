export * from './entities';
export * from './data-source';
export * from './database-errors';
export * from './model-notifications';
export * from './repositories';
export * from './server-identity';
export { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded/embedded-postgres';
export { EmbeddedCluster, exitedWithin } from './embedded/embedded-cluster';
export {
  readInstallationDatabase,
  databaseUrl,
  type InstallationDatabase,
} from './embedded/installation-state';
export * from './transactions';
