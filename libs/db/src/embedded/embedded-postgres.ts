import { EmbeddedCluster } from './embedded-cluster';

export interface EmbeddedPostgresHandle {
  url: string;
  systemIdentifier: string | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The installation's data folder (the cluster goes in `postgres/` inside it when the server's user can enter it). */
  dataDir: string;
  /** Port tried first at first start; later starts reuse the recorded one. */
  port?: number;
  database?: string;
  log?: (message: string) => void;
}

/**
 * This installation's embedded PostgreSQL for short commands such as `npm run migrate`: the running one when the
 * launcher has it up, else started here (unsupervised) and stopped by `stop()`.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const cluster = await EmbeddedCluster.open({
    dataDir: options.dataDir,
    preferredPort: options.port,
    database: options.database,
    log: options.log,
  });
  if (await cluster.answers())
    return { url: cluster.url, systemIdentifier: cluster.systemIdentifier, stop: async () => undefined };
  await cluster.start();
  return { url: cluster.url, systemIdentifier: cluster.systemIdentifier, stop: () => cluster.stop() };
}
