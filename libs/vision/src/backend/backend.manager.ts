import { availableParallelism } from 'node:os';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
// tfjs-core's CommonJS bundle registers no gradients; tfjs-layers' bundle registers all of them.
import '@tensorflow/tfjs-layers';

import { registerTrainingGradients } from './gradients/training-gradients.registry';
import { registerWasmTrainingKernels } from './wasm-kernels/wasm-kernels.registry';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen, in one sentence. */
  reason: string;
  /** Threads the backend computes with. */
  threads: number;
}

export interface InitBackendOptions {
  /** Use this backend or fail; without it: tensorflow if installed, else wasm, else cpu. */
  preferred?: BackendName;
  logger?: (message: string) => void;
}

/** Native TensorFlow bindings, GPU build first. Optional: neither is installable on every machine. */
const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let current: BackendInfo | undefined;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Picks and initialises the TensorFlow.js backend: `tensorflow` (tfjs-node-gpu, else tfjs-node) when one is
 * installed, else `wasm`, else `cpu`; `preferred` forces one, and a preferred backend that cannot load is
 * an error. Registers the wasm training kernels when wasm is chosen. Idempotent: a repeated call returns the
 * same info (and re-selects the backend if someone switched it meanwhile).
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const run = queue.then(() => selectBackend(options));
  queue = run.catch(() => undefined);
  return run;
}

/** The backend chosen by the last successful `initBackend`, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

async function selectBackend(options: InitBackendOptions): Promise<BackendInfo> {
  const log = options.logger ?? defaultLogger;
  registerTrainingGradients();
  const wanted = options.preferred ?? current?.name;
  if (current !== undefined && wanted === current.name) {
    if (tf.getBackend() !== current.name) {
      await activate(current.name);
    }
    return current;
  }
  const info = options.preferred !== undefined ? await loadPreferred(options.preferred) : await loadBest(log);
  current = info;
  log(
    `TensorFlow.js backend: ${info.name} (${info.threads} thread${info.threads === 1 ? '' : 's'}) - ${info.reason}`,
  );
  return info;
}

async function loadPreferred(name: BackendName): Promise<BackendInfo> {
  switch (name) {
    case 'tensorflow': {
      const { loaded, failures } = await loadTensorflowPackage();
      if (loaded === undefined) {
        throw new Error(
          `Backend 'tensorflow' was requested but cannot load: ${failures.join('; ')}. ` +
            `Install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu, or choose 'wasm' or 'cpu'.`,
        );
      }
      await activateOrThrow('tensorflow', `loaded ${loaded}, but its backend did not initialise`);
      return { name, reason: `requested; using ${loaded}`, threads: availableParallelism() };
    }
    case 'wasm':
      await activateOrThrow('wasm', 'the WebAssembly module did not initialise');
      return wasmInfo('requested');
    case 'cpu':
      await activateOrThrow('cpu', 'the plain JavaScript backend did not initialise');
      return { name, reason: 'requested', threads: 1 };
  }
}

async function loadBest(log: (message: string) => void): Promise<BackendInfo> {
  const { loaded, failures } = await loadTensorflowPackage();
  const tensorflowNote = failures.length > 0 ? failures.join('; ') : 'neither tfjs-node package is installed';
  if (loaded !== undefined) {
    if (await activate('tensorflow')) {
      return {
        name: 'tensorflow',
        reason: `native TensorFlow from ${loaded}`,
        threads: availableParallelism(),
      };
    }
    log(`${loaded} loaded but its backend did not initialise; trying wasm`);
  }
  if (await activate('wasm')) {
    return wasmInfo(`no native TensorFlow (${tensorflowNote}); wasm is the fastest backend left`);
  }
  await activateOrThrow('cpu', 'no backend could initialise');
  return {
    name: 'cpu',
    reason: `no native TensorFlow (${tensorflowNote}) and wasm did not initialise; plain JavaScript is slow`,
    threads: 1,
  };
}

function wasmInfo(reason: string): BackendInfo {
  const kernels = registerWasmTrainingKernels();
  return {
    name: 'wasm',
    reason: `${reason}; registered wasm training kernels ${kernels.join(', ')}`,
    threads: wasmThreads(),
  };
}

function wasmThreads(): number {
  try {
    return Math.max(1, getThreadsCount());
  } catch {
    return 1;
  }
}

/** Imports the first tfjs-node package that is installed and loads; importing it registers `tensorflow`. */
async function loadTensorflowPackage(): Promise<{ loaded?: string; failures: string[] }> {
  const failures: string[] = [];
  for (const packageName of TENSORFLOW_PACKAGES) {
    if (!isInstalled(packageName)) {
      continue;
    }
    try {
      await import(packageName);
      return { loaded: packageName, failures };
    } catch (error) {
      failures.push(`${packageName} is installed but failed to load (${errorMessage(error)})`);
    }
  }
  if (failures.length === 0) {
    failures.push(`${TENSORFLOW_PACKAGES.join(' and ')} are not installed`);
  }
  return { failures };
}

function isInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

async function activate(name: BackendName): Promise<boolean> {
  if (tf.findBackendFactory(name) === null) {
    return false;
  }
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (ok && name === 'wasm') {
      registerWasmTrainingKernels();
    }
    return ok;
  } catch {
    return false;
  }
}

async function activateOrThrow(name: BackendName, why: string): Promise<void> {
  if (!(await activate(name))) {
    throw new Error(`Backend '${name}' was requested but cannot be used: ${why}`);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function defaultLogger(message: string): void {
  process.stderr.write(`[vision/backend] ${message}\n`);
}
