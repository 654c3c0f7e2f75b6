import { type ServeEngine } from './bench.protocol';
import { startWorker } from './worker.run';

export interface ServedRate {
  /** Sum over the workers of images / wall seconds. */
  imagesPerSecond: number;
  /** All images over the CPU time the whole process used meanwhile. */
  imagesPerCpuSecond: number;
}

/**
 * Runs `workers` serve-loop workers side by side (each its own wasm backend and serving graph, or its own
 * 1-thread ONNX Runtime session): all build and warm up first, then serve for the same `durationMs`.
 */
export async function servedImagesPerSecond(
  engine: ServeEngine,
  modelIndex: number,
  batch: number,
  workers: number,
  durationMs: number,
): Promise<ServedRate> {
  const running = Array.from({ length: workers }, () =>
    startWorker({ kind: 'serve-loop', modelIndex, batch, engine }),
  );
  try {
    await Promise.all(running.map((worker) => worker.reported('ready')));
    const cpuBefore = process.cpuUsage();
    running.forEach((worker) => worker.send({ durationMs }));
    const served = (await Promise.all(running.map((worker) => worker.reported('served')))).flatMap(
      (report) => (report.kind === 'served' ? [report] : []),
    );
    const cpu = process.cpuUsage(cpuBefore);
    await Promise.all(running.map((worker) => worker.finished));
    const images = served.reduce((total, report) => total + report.images, 0);
    return {
      imagesPerSecond: served.reduce((total, report) => total + report.images / (report.elapsedMs / 1000), 0),
      imagesPerCpuSecond: images / ((cpu.user + cpu.system) / 1e6),
    };
  } catch (error) {
    await Promise.all(running.map((worker) => worker.terminate()));
    throw error;
  }
}
