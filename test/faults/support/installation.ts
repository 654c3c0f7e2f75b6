import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../support/ports';
import { builtEntry, childProcesses, type Running, runNode, waitFor } from '../../support/processes';

export type Part = 'api' | 'inference' | 'trainer' | 'postgres';

export interface EmbeddedDatabaseState {
  port: number;
  password: string;
  clusterDir: string;
  systemIdentifier: string;
}

/**
 * One installation run as `npm start` runs it: the built launcher with its embedded PostgreSQL in `dataDir`, on
 * ports of its own, storing on an S3 server. Faults are injected by process id (the launcher's children, read from
 * /proc).
 */
export class Installation {
  run: Running | undefined;
  /** Everything the launcher and its children wrote, across restarts. */
  private readonly logs: string[] = [];

  private constructor(
    readonly name: string,
    readonly dataDir: string,
    readonly ports: { api: number; inference: number; trainer: number },
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(name: string, dataDir: string, env: NodeJS.ProcessEnv): Promise<Installation> {
    const ports = { api: await freePort(), inference: await freePort(), trainer: await freePort() };
    return new Installation(name, dataDir, ports, {
      DATA_DIR: dataDir,
      API_PORT: String(ports.api),
      INFERENCE_PORT: String(ports.inference),
      TRAINER_PORT: String(ports.trainer),
      INFERENCE_URLS: `http://127.0.0.1:${ports.inference}`,
      ...env,
    });
  }

  get api(): string {
    return `http://127.0.0.1:${this.ports.api}`;
  }

  get launcherPid(): number {
    return this.run!.child.pid!;
  }

  /** Starts the launcher and waits until the apps named are ready. */
  async start(
    waitForParts: ('api' | 'inference' | 'trainer')[] = ['api', 'inference', 'trainer'],
    timeoutMs = 120_000,
  ): Promise<number> {
    const started = Date.now();
    this.run = runNode(builtEntry('launcher'), this.env);
    for (const part of waitForParts)
      await waitFor(() => this.ready(part), timeoutMs, `${this.name}: ${part} ready`, this.run);
    return Date.now() - started;
  }

  async ready(part: 'api' | 'inference' | 'trainer'): Promise<boolean> {
    const response = await fetch(`http://127.0.0.1:${this.ports[part]}/health/ready`, {
      signal: AbortSignal.timeout(3_000),
    });
    return response.status === 200;
  }

  async allReady(): Promise<boolean> {
    for (const part of ['api', 'inference', 'trainer'] as const) if (!(await this.ready(part))) return false;
    return true;
  }

  /** The process id of one of the launcher's children, or undefined while it is being restarted. */
  pid(part: Part): number | undefined {
    if (!this.run || this.run.child.exitCode !== null) return undefined;
    return childProcesses(this.launcherPid).find((entry) =>
      part === 'postgres'
        ? entry.command.includes('/bin/postgres')
        : entry.command.includes(`/${part}/src/main.js`),
    )?.pid;
  }

  /** Waits until `part` runs under another process id than `before`. */
  async restarted(part: Part, before: number, timeoutMs = 30_000): Promise<number> {
    let pid: number | undefined;
    await waitFor(
      async () => (pid = this.pid(part)) !== undefined && pid !== before,
      timeoutMs,
      `${this.name}: ${part} restarted`,
      this.run,
    );
    return pid!;
  }

  async databaseState(): Promise<EmbeddedDatabaseState> {
    return JSON.parse(
      await readFile(path.join(this.dataDir, 'embedded-database.json'), 'utf8'),
    ) as EmbeddedDatabaseState;
  }

  async databaseUrl(): Promise<string> {
    const state = await this.databaseState();
    return `postgresql://linescope:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/linescope`;
  }

  async adminToken(): Promise<string> {
    return (await readFile(path.join(this.dataDir, 'initial-admin-token'), 'utf8')).trim();
  }

  /** Runs one query on this installation's database (a connection of its own, closed after). */
  async query<T>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new Client({
      connectionString: await this.databaseUrl(),
      application_name: 'fault-suite',
    });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** SIGTERM to the launcher: the product stops in order; resolves with its exit code. */
  async terminate(): Promise<number | null> {
    const run = this.run!;
    this.logs.push(run.output().stderr, run.output().stdout);
    run.child.kill('SIGTERM');
    return (await run.exited).code;
  }

  /** Whatever is left: every child and the launcher killed, the data folder (and a cluster kept elsewhere) removed. */
  async destroy(): Promise<void> {
    const run = this.run;
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      process.kill(run.child.pid!, 'SIGCONT');
      for (const entry of childProcesses(run.child.pid!)) process.kill(entry.pid, 'SIGKILL');
      run.child.kill('SIGKILL');
      await run.exited;
    }
    const clusterDir = await this.databaseState().then(
      (state) => state.clusterDir,
      () => undefined,
    );
    if (clusterDir && !clusterDir.startsWith(this.dataDir))
      await rm(path.dirname(clusterDir), { recursive: true, force: true });
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** The launcher's output (its own lines and its children's logs), across restarts. */
  output(): string {
    return [...this.logs, this.run?.output().stderr ?? '', this.run?.output().stdout ?? ''].join('\n');
  }
}
