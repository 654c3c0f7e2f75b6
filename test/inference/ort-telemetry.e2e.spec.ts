import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { onnx } from 'onnx-proto';
import { REPO_ROOT } from '../support/processes';

const run = promisify(execFile);

/** A one-node model (Identity on a float [n, 4] tensor): enough for ONNX Runtime to open a session and run it. */
function identityModel(): Uint8Array {
  const tensor = (name: string) => ({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'n' }, { dimValue: 4 }] },
      },
    },
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'identity',
        node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
        input: [tensor('x')],
        output: [tensor('y')],
      },
    }),
  ).finish();
}

/**
 * A process scoring with ONNX Runtime on its main thread and in a worker thread, as the trainer and the inference
 * service do. `product`: through the built OnnxScorer (which turns ORT's telemetry off); `raw`: onnxruntime-node as is.
 */
const SCRIPT = `
const { Worker } = require('node:worker_threads');
const [mode, modelFile] = process.argv.slice(1);
const scorer = ${JSON.stringify(path.join(REPO_ROOT, 'dist', 'libs', 'vision', 'src', 'onnx', 'onnx.scorer.js'))};
const score = \`
  const fs = require('node:fs');
  const ort = require('onnxruntime-node');
  module.exports = async (mode, file) => {
    const bytes = fs.readFileSync(file);
    const session = mode === 'product'
      ? await require(\${JSON.stringify(scorer)}).OnnxScorer.create(bytes)
      : await ort.InferenceSession.create(bytes);
    if (mode !== 'product') await session.run({ x: new ort.Tensor('float32', new Float32Array(8), [2, 4]) });
  };\`;
const load = (code) => { const m = { exports: {} }; new Function('module', 'require', code)(m, require); return m.exports; };
(async () => {
  await load(score)(mode, modelFile);
  await new Promise((resolve, reject) => {
    const worker = new Worker(\`const { workerData } = require('node:worker_threads');
      const load = (code) => { const m = { exports: {} }; new Function('module', 'require', code)(m, require); return m.exports; };
      load(workerData.score)(workerData.mode, workerData.modelFile);\`, { eval: true, workerData: { score, mode, modelFile } });
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
  process.stdout.write(String(process.pid));
})().catch((error) => { console.error(error); process.exit(1); });
`;

describe("ONNX Runtime's telemetry", () => {
  let folder: string;
  let modelFile: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'linescope-ort-telemetry-'));
    modelFile = path.join(folder, 'identity.onnx');
    await writeFile(modelFile, identityModel());
  });
  afterAll(async () => rm(folder, { recursive: true, force: true }));

  const debugLogOf = (pid: string) => path.join('/tmp', `mat-debug-${pid}.log`);
  const scoreIn = async (mode: 'raw' | 'product') => {
    const env = { ...process.env };
    // This jest process has loaded the scorer itself, which set the variable: the child must start without it.
    delete env.ORT_DISABLE_TELEMETRY;
    // The telemetry client also stays off when CI is set (seen: CI=true, no log), which would hide the cause.
    delete env.CI;
    const { stdout } = await run(process.execPath, ['-e', SCRIPT, mode, modelFile], {
      cwd: REPO_ROOT,
      env,
      timeout: 30_000,
    });
    return stdout.trim();
  };

  it('leaves mat-debug-<pid>.log in /tmp when onnxruntime-node is used as is (the cause)', async () => {
    const pid = await scoreIn('raw');
    expect(existsSync(debugLogOf(pid))).toBe(true);
    await rm(debugLogOf(pid), { force: true });
  });

  it('leaves nothing behind in a process that scores through the product, on its main thread and in a worker', async () => {
    const pid = await scoreIn('product');
    expect(pid).toMatch(/^\d+$/);
    expect(existsSync(debugLogOf(pid))).toBe(false);
    expect(existsSync(path.join(tmpdir(), `mat-debug-${pid}.log`))).toBe(false);
  });
});
