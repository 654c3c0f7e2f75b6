import { availableParallelism } from 'node:os';
import { ConfigError } from '@linescope/config';
import { loadInferenceConfig } from './inference.config';

describe('loadInferenceConfig', () => {
  it('defaults to one worker per core on wasm, one on native TensorFlow', () => {
    expect(loadInferenceConfig({})).toEqual({
      backend: 'auto',
      engine: 'auto',
      onnxThreads: 1,
      onnxMaxBatch: 1,
      workers: availableParallelism(),
      maxBatch: 8,
      maxWaitMs: 2,
      modelPollMs: 5_000,
      shadowMaxPending: 64,
      jobConcurrency: Math.max(2, 2 * availableParallelism()),
    });
    expect(loadInferenceConfig({ TF_BACKEND: 'tensorflow' }).workers).toBe(1);
  });

  it('reads every variable', () => {
    expect(
      loadInferenceConfig({
        TF_BACKEND: 'cpu',
        INFERENCE_ENGINE: 'onnx',
        INFERENCE_ONNX_THREADS: '2',
        INFERENCE_ONNX_MAX_BATCH: '4',
        INFERENCE_WORKERS: '3',
        INFERENCE_MAX_BATCH: '16',
        INFERENCE_MAX_WAIT_MS: '0.5',
        INFERENCE_MODEL_POLL_MS: '250',
        INFERENCE_SHADOW_MAX_PENDING: '0',
        INFERENCE_JOB_CONCURRENCY: '5',
      }),
    ).toEqual({
      backend: 'cpu',
      engine: 'onnx',
      onnxThreads: 2,
      onnxMaxBatch: 4,
      workers: 3,
      maxBatch: 16,
      maxWaitMs: 0.5,
      modelPollMs: 250,
      shadowMaxPending: 0,
      jobConcurrency: 5,
    });
  });

  it('refuses an unknown engine', () => {
    expect(() => loadInferenceConfig({ INFERENCE_ENGINE: 'tensorrt' })).toThrow(
      /INFERENCE_ENGINE Invalid enum value\. Expected 'auto' \| 'onnx' \| 'tfjs', received 'tensorrt'/,
    );
  });

  it('reports every problem in one line', () => {
    const load = () =>
      loadInferenceConfig({ INFERENCE_WORKERS: '0', INFERENCE_MAX_BATCH: 'many', TF_BACKEND: 'webgl' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /^invalid configuration: TF_BACKEND Invalid enum value\. Expected 'auto' \| 'tensorflow' \| 'wasm' \| 'cpu', received 'webgl'; INFERENCE_WORKERS Number must be greater than or equal to 1; INFERENCE_MAX_BATCH Expected number, received nan$/,
    );
  });
});
