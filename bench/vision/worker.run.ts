import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { type ServeCommand, type WorkerJob, type WorkerReport } from './bench.protocol';

/** The compiled worker beside this file (the bench runs from dist/). */
const WORKER_SCRIPT = path.join(__dirname, 'bench.worker.js');

export interface WorkerOutcome {
  reports: WorkerReport[];
  /** Why the worker stopped early: an uncaught error (e.g. a wasm abort when out of memory) or its exit code. */
  failure?: string;
}

export interface RunningWorker {
  /** Resolves when the worker has exited, with everything it reported. */
  finished: Promise<WorkerOutcome>;
  /** Resolves at the first report of `kind` (rejects if the worker ends first). */
  reported(kind: WorkerReport['kind']): Promise<WorkerReport>;
  send(command: ServeCommand): void;
  /** Stops the worker now (e.g. a partner of a failed worker waiting for a command that will not come). */
  terminate(): Promise<void>;
}

function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /abort/i.test(message) ? `wasm aborted (out of memory?): ${message}` : message;
}

export function startWorker(
  job: WorkerJob,
  onReport: (report: WorkerReport) => void = () => undefined,
): RunningWorker {
  const worker = new Worker(WORKER_SCRIPT, { workerData: job });
  const reports: WorkerReport[] = [];
  const waiting = new Map<WorkerReport['kind'], Array<(report: WorkerReport) => void>>();
  let failure: string | undefined;

  worker.on('message', (report: WorkerReport) => {
    reports.push(report);
    onReport(report);
    waiting.get(report.kind)?.forEach((resolve) => resolve(report));
    waiting.delete(report.kind);
  });
  worker.on('error', (error) => {
    failure = describeFailure(error);
  });
  const finished = new Promise<WorkerOutcome>((resolve) => {
    worker.on('exit', (code) => {
      const done = reports.some((report) => report.kind === 'done');
      if (!done && failure === undefined) failure = `worker exited with code ${code}`;
      resolve(done ? { reports } : { reports, failure });
    });
  });

  return {
    finished,
    reported: (kind) =>
      new Promise<WorkerReport>((resolve, reject) => {
        const earlier = reports.find((report) => report.kind === kind);
        if (earlier !== undefined) {
          resolve(earlier);
          return;
        }
        waiting.set(kind, [...(waiting.get(kind) ?? []), resolve]);
        void finished.then((outcome) =>
          reject(new Error(`worker ended before reporting ${kind}: ${outcome.failure ?? 'no reason'}`)),
        );
      }),
    send: (command) => worker.postMessage(command),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

export function runWorker(job: WorkerJob, onReport?: (report: WorkerReport) => void): Promise<WorkerOutcome> {
  return startWorker(job, onReport).finished;
}
