import NodeEnvironment from 'jest-environment-node';

/** Typed arrays that onnxruntime-node's native binding creates (in Node's own realm) for session outputs. */
const SHARED_TYPED_ARRAYS = [
  'Int8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

/**
 * Jest environment for specs that run ONNX Runtime. Jest runs each spec in its own realm, so the Float32Array
 * of a session output (made by the native addon in Node's realm) fails onnxruntime-common's `instanceof` check
 * (microsoft/onnxruntime#16622). Jest already shares ArrayBuffer and Uint8Array with the spec's realm for the
 * same reason; this shares the other typed arrays too. Use with a docblock at the top of a spec:
 * `@jest-environment <rootDir>/libs/vision/src/onnx/ort-realm.environment.ts`.
 */
export default class OrtRealmEnvironment extends NodeEnvironment {
  override async setup(): Promise<void> {
    await super.setup();
    const global = this.global as unknown as Record<string, unknown>;
    for (const name of SHARED_TYPED_ARRAYS) global[name] = globalThis[name];
  }
}
