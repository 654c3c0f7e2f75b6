import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../support/processes';

const SCRIPT = `
  const S3rver = require('s3rver');
  new S3rver({ address: '127.0.0.1', port: Number(process.env.S3_PORT), silent: true, directory: process.env.S3_DIR })
    .run().then((address) => process.stdout.write(address.port + '\\n'));`;

/**
 * A real S3-protocol server (s3rver) in a process of its own, so that a fault can be injected by its process id:
 * SIGKILL (then `start()` again on the same port and folder, objects kept) or SIGSTOP/SIGCONT (a stalled server).
 */
export class S3Process {
  private child: ChildProcess | undefined;
  port = 0;

  private constructor(private readonly directory: string) {}

  static async start(): Promise<S3Process> {
    const server = new S3Process(await mkdtemp(path.join(tmpdir(), 'linescope-faults-s3-')));
    await server.start();
    return server;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child!.pid!;
  }

  /** (Re)starts the server on its port (a free one the first time) and folder. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ['-e', SCRIPT], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, S3_DIR: this.directory, S3_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    this.port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
    });
  }

  /** SIGKILL, and waits until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child!;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    process.kill(this.pid, signal);
  }

  async stop(): Promise<void> {
    if (this.child) {
      process.kill(this.pid, 'SIGCONT');
      await this.kill();
    }
    await rm(this.directory, { recursive: true, force: true });
  }
}
