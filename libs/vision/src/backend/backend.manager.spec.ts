import * as tf from '@tensorflow/tfjs-core';

import { currentBackend, initBackend } from './backend.manager';
import { wasmTrainingKernels } from './wasm-kernels/wasm-kernels.registry';

function isInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}

const nativeTensorflow = isInstalled('@tensorflow/tfjs-node-gpu') || isInstalled('@tensorflow/tfjs-node');

describe('initBackend', () => {
  it('picks the best available backend, says why, and registers the wasm training kernels', async () => {
    const messages: string[] = [];
    const info = await initBackend({ logger: (m) => messages.push(m) });

    expect(info.name).toBe(nativeTensorflow ? 'tensorflow' : 'wasm');
    expect(tf.getBackend()).toBe(info.name);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(info.name);
    expect(messages[0]).toContain(info.reason);
    if (info.name === 'wasm') {
      expect(info.reason).toMatch(/tfjs-node/);
      for (const kernel of wasmTrainingKernels) {
        expect(tf.getKernel(kernel.kernelName, 'wasm')).toBe(kernel);
      }
    }
    expect(currentBackend()).toBe(info);
  });

  it('is idempotent, and restores its choice when the backend was switched behind its back', async () => {
    const first = await initBackend({ logger: () => undefined });
    const messages: string[] = [];
    const [second, third] = await Promise.all([
      initBackend({ logger: (m) => messages.push(m) }),
      initBackend({ logger: (m) => messages.push(m) }),
    ]);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(messages).toEqual([]);

    await tf.setBackend('cpu');
    expect(await initBackend()).toBe(first);
    expect(tf.getBackend()).toBe(first.name);
  });

  it('honours an explicit preference', async () => {
    const cpu = await initBackend({ preferred: 'cpu', logger: () => undefined });
    expect(cpu).toMatchObject({ name: 'cpu', threads: 1 });
    expect(cpu.reason).toMatch(/requested/);
    expect(tf.getBackend()).toBe('cpu');

    const wasm = await initBackend({ preferred: 'wasm', logger: () => undefined });
    expect(wasm.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasm.threads).toBe(1);
  });

  it('fails clearly, without falling back, when the preferred backend cannot load', async () => {
    const before = tf.getBackend();
    const attempt = initBackend({ preferred: 'tensorflow', logger: () => undefined });
    if (nativeTensorflow) {
      await expect(attempt).resolves.toMatchObject({ name: 'tensorflow' });
      return;
    }
    await expect(attempt).rejects.toThrow(/'tensorflow' was requested but cannot load.*not installed/);
    expect(tf.getBackend()).toBe(before);
    // A failed request leaves the manager usable.
    await expect(initBackend({ preferred: 'cpu', logger: () => undefined })).resolves.toMatchObject({
      name: 'cpu',
    });
  });
});
