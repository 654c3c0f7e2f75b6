import { isMainThread } from 'node:worker_threads';

/**
 * onnxruntime-node (1.30) on Linux starts Microsoft's 1DS telemetry client with the first session of a process; it
 * reads the machine id and leaves an empty `mat-debug-<pid>.log` in /tmp for every process that ever scored with ONNX
 * Runtime. `ORT_DISABLE_TELEMETRY` turns it off. The native library reads the process environment when it creates its
 * first session, and only the main thread changes that environment (a worker thread's `process.env` is a copy), so
 * this runs on the main thread before any session exists: when a module that opens sessions is loaded, and before the
 * inference service starts its worker threads. An explicit ORT_DISABLE_TELEMETRY from the operator is left as is.
 */
export function disableOrtTelemetry(): void {
  if (isMainThread) process.env.ORT_DISABLE_TELEMETRY ??= '1';
}
