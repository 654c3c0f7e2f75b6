import { EmbeddedCluster } from '@linescope/db';
import { Supervisor } from './supervisor';

/**
 * The installation's embedded PostgreSQL, supervised like the apps: restarted with backoff when it dies. When a
 * restart had to move it to another port (someone took its port meanwhile), `onMoved` tells the launcher to
 * restart the apps with the new URL.
 */
export class EmbeddedDatabase {
  private readonly supervisor: Supervisor;
  private announcedUrl: string;

  private constructor(
    private readonly cluster: EmbeddedCluster,
    say: (message: string) => void,
    onMoved: () => void,
  ) {
    this.announcedUrl = cluster.url;
    this.supervisor = new Supervisor(
      'postgres',
      async () => {
        const server = await cluster.start();
        if (cluster.url !== this.announcedUrl) {
          this.announcedUrl = cluster.url;
          onMoved();
        }
        return server;
      },
      say,
    );
  }

  static async start(
    dataDir: string,
    preferredPort: number,
    say: (message: string) => void,
    onMoved: () => void,
  ): Promise<EmbeddedDatabase> {
    const cluster = await EmbeddedCluster.open({
      dataDir,
      preferredPort,
      log: (line) => logServerLine(say, line),
    });
    const database = new EmbeddedDatabase(cluster, say, onMoved);
    await database.supervisor.start();
    database.announcedUrl = cluster.url;
    return database;
  }

  get url(): string {
    return this.cluster.url;
  }

  get systemIdentifier(): string | undefined {
    return this.cluster.systemIdentifier;
  }

  get pid(): number | undefined {
    return this.supervisor.pid;
  }

  /** Fast shutdown (SIGINT: disconnects sessions, checkpoints), SIGKILL past the timeout. */
  stop(timeoutMs: number): Promise<void> {
    return this.supervisor.stop(timeoutMs, 'SIGINT');
  }
}

/** The server's own log: only what an operator must see (errors, crashes, recovery) reaches the launcher's output. */
function logServerLine(say: (message: string) => void, line: string): void {
  if (
    /not yet accepting connections|is starting up|is shutting down|terminating connection due to/.test(line)
  )
    return;
  if (
    /\b(FATAL|PANIC|ERROR)\b|terminated by signal|not this installation|moves to|cannot enter|left running/.test(
      line,
    )
  )
    say(`postgres: ${line}`);
}
