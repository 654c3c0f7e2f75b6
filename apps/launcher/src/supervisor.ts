import { type ChildProcess } from 'node:child_process';
import { exitedWithin } from '@linescope/db';

export interface RestartPolicy {
  /** Delay before the first restart; doubles with each crash that follows a short run. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A child that ran this long before it died counts as stable: its next restart waits initialDelayMs again. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
};

/**
 * Keeps one child process running: restarts it whenever it exits, with exponential backoff that resets after a
 * stable run. It never gives up and never stops anything else, so a crash-looping child costs only itself.
 */
export class Supervisor {
  private child: ChildProcess | undefined;
  private startedAt = 0;
  private failures = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private immediateRestart = false;
  private launching: Promise<unknown> | undefined;

  constructor(
    readonly name: string,
    private readonly launch: () => Promise<ChildProcess> | ChildProcess,
    private readonly say: (message: string) => void,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the child; a failure of this first start is thrown to the caller (nothing is retried yet). */
  async start(): Promise<void> {
    this.adopt(await this.launch());
  }

  /** Stops the current child (it is started again at once, e.g. with new settings). */
  restart(reason: string): void {
    if (this.stopping || !this.child || hasExited(this.child)) return;
    this.say(`${this.name}: restarting (${reason})`);
    this.immediateRestart = true;
    this.child.kill('SIGTERM');
  }

  /** Sends `signal`, waits up to `timeoutMs`, then SIGKILL. Resolves once the child is gone; never restarts it. */
  async stop(timeoutMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.launching) await withTimeout(this.launching, timeoutMs / 2);
    const child = this.child;
    if (!child || hasExited(child)) return;
    child.kill(signal);
    if (await exitedWithin(child, timeoutMs)) return;
    this.say(`${this.name} did not stop within ${timeoutMs} ms: killing it`);
    child.kill('SIGKILL');
    await exitedWithin(child, 5_000);
  }

  private adopt(child: ChildProcess): void {
    this.child = child;
    this.startedAt = Date.now();
    child.once('exit', (code, signal) => this.onExit(code, signal));
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) return;
    const ranMs = Date.now() - this.startedAt;
    if (ranMs >= this.policy.stableAfterMs || this.immediateRestart) this.failures = 0;
    const delay = this.immediateRestart ? 0 : this.nextDelay();
    this.immediateRestart = false;
    if (delay > 0)
      this.say(`${this.name} exited (${code ?? signal}) after ${ranMs} ms; restarting in ${delay} ms`);
    this.schedule(delay);
  }

  private nextDelay(): number {
    const delay = Math.min(this.policy.maxDelayMs, this.policy.initialDelayMs * 2 ** this.failures);
    this.failures += 1;
    return delay;
  }

  private schedule(delay: number): void {
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.launching = Promise.resolve()
        .then(() => this.launch())
        .then(
          (child) => {
            this.launching = undefined;
            this.adopt(child);
          },
          (error: unknown) => {
            this.launching = undefined;
            if (this.stopping) return;
            const delay = this.nextDelay();
            this.say(`${this.name} could not start: ${firstLine(error)}; retrying in ${delay} ms`);
            this.schedule(delay);
          },
        );
    }, delay);
  }
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
