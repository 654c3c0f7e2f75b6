import { chooseEngine, OnnxEngineUnavailableError, onnxRuntimeInstalled } from './engine.choice';

const withRowKey = {
  onnxRuntimeInstalled: true,
  rowOnnxKey: 'models/a/model.onnx',
  manifestOnnxKey: undefined,
};
const withManifestKey = {
  onnxRuntimeInstalled: true,
  rowOnnxKey: null,
  manifestOnnxKey: 'models/b/model.onnx',
};
const withoutKey = { onnxRuntimeInstalled: true, rowOnnxKey: null, manifestOnnxKey: undefined };

describe('chooseEngine', () => {
  it("picks ONNX Runtime for a version with an ONNX artifact, the row's key before the manifest's", () => {
    expect(chooseEngine('auto', withRowKey)).toEqual({ kind: 'onnx', onnxKey: 'models/a/model.onnx' });
    expect(chooseEngine('auto', withManifestKey)).toEqual({ kind: 'onnx', onnxKey: 'models/b/model.onnx' });
    expect(chooseEngine('onnx', { ...withManifestKey, rowOnnxKey: 'models/row/model.onnx' })).toEqual({
      kind: 'onnx',
      onnxKey: 'models/row/model.onnx',
    });
  });

  it('falls back to TensorFlow.js in auto mode without an artifact or without ONNX Runtime', () => {
    expect(chooseEngine('auto', withoutKey)).toEqual({ kind: 'tfjs' });
    expect(chooseEngine('auto', { ...withRowKey, onnxRuntimeInstalled: false })).toEqual({ kind: 'tfjs' });
  });

  it('never uses ONNX Runtime when told tfjs', () => {
    expect(chooseEngine('tfjs', withRowKey)).toEqual({ kind: 'tfjs' });
  });

  it('fails a version in onnx mode with the reason', () => {
    expect(() => chooseEngine('onnx', withoutKey)).toThrow(OnnxEngineUnavailableError);
    expect(() => chooseEngine('onnx', withoutKey)).toThrow(/has no ONNX artifact/);
    expect(() => chooseEngine('onnx', { ...withRowKey, onnxRuntimeInstalled: false })).toThrow(
      /onnxruntime-node cannot be loaded/,
    );
  });
});

describe('onnxRuntimeInstalled', () => {
  it('finds the installed package and reports a missing one', () => {
    expect(onnxRuntimeInstalled()).toBe(true);
    expect(
      onnxRuntimeInstalled(() => {
        throw new Error('Cannot find module');
      }),
    ).toBe(false);
  });
});
