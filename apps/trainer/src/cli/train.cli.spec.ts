import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsObjectStore } from '@linescope/storage';
import { loadModelArtifact } from '@linescope/vision/artifacts';
import { runTrainCli } from './train.cli';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const neuCls = path.resolve(repoRoot, '..', 'shared', 'datasets', 'neu-cls');

function capture() {
  const chunks: string[] = [];
  return {
    stream: { write: (text: string) => chunks.push(text), isTTY: false },
    text: () => chunks.join(''),
  };
}

let out: string;
beforeEach(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'linescope-cli-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

const common = [
  '--data',
  neuCls,
  '--task',
  'multiclass',
  '--limit-per-class',
  '8',
  '--size',
  '32',
  '--epochs',
  '2',
  '--batch',
  '16',
  '--no-checklist',
  '--backend',
  'wasm',
  '--out',
];

describe('train CLI', () => {
  it('trains a CNN, prints findings and the evaluation, saves the artifact with its config; then distils it into a ViT', async () => {
    const stdout = capture();
    const stderr = capture();
    const code = await runTrainCli(
      [...common, out, '--arch', 'resnet10', '--width', '8', '--name', 'teacher', '--test-fraction', '0.25'],
      {
        stdout: stdout.stream,
        stderr: stderr.stream,
      },
    );
    expect({ code, err: code === 0 ? '' : stderr.text() }).toEqual({ code: 0, err: '' });
    expect(stdout.text()).toContain('checklist');
    expect(stdout.text()).toContain('curves.');
    expect(stdout.text()).toMatch(/evaluation on the test split[\s\S]*accuracy[\s\S]*confusion/);
    expect(stderr.text()).toMatch(/epoch 2\/2: loss/);
    // FsObjectStore keeps objects under <root>/objects/<key>.
    const modelDir = path.join(out, 'objects', 'models', 'teacher');
    const config = JSON.parse(await readFile(path.join(modelDir, 'training-config.json'), 'utf8')) as {
      epochs: number;
      model: { arch: string };
    };
    expect(config).toMatchObject({ epochs: 2, model: { arch: 'resnet' } });
    expect((await readFile(path.join(modelDir, 'charts', 'loss.png'))).subarray(1, 4).toString()).toBe('PNG');
    const split = JSON.parse(await readFile(path.join(modelDir, 'split.json'), 'utf8')) as Record<
      'train' | 'validation' | 'test',
      { id: string }[]
    >;
    const ids = [...split.train, ...split.validation, ...split.test].map((m) => m.id);
    expect(new Set(ids).size).toBe(48);
    // --test-fraction 0.25 of 8 images per class, 6 classes.
    expect(split.test).toHaveLength(12);
    const { manifest, model } = await loadModelArtifact(new FsObjectStore(out), 'models/teacher');
    expect(manifest.classNames).toHaveLength(6);
    model.dispose();

    const distilled = capture();
    const distillCode = await runTrainCli(
      [
        ...common,
        out,
        '--arch',
        'vit',
        '--vit',
        '8,16,1,2',
        '--teacher',
        modelDir,
        '--distill',
        'hard',
        '--name',
        'student',
      ],
      { stdout: distilled.stream, stderr: stderr.stream },
    );
    expect({ distillCode, err: distillCode === 0 ? '' : stderr.text() }).toEqual({ distillCode: 0, err: '' });
    const student = await loadModelArtifact(new FsObjectStore(out), 'models/student');
    expect(student.manifest.teacherVersion).toBe('teacher');
    expect(student.model.outputs).toHaveLength(2);
    student.model.dispose();

    const again = await runTrainCli([...common, out, '--name', 'teacher'], {
      stdout: capture().stream,
      stderr: stderr.stream,
    });
    expect(again).toBe(2);
    expect(stderr.text()).toContain('already holds a model');
  });

  it('prints usage on a bad flag', async () => {
    const stderr = capture();
    expect(await runTrainCli(['--epochs', '3'], { stdout: capture().stream, stderr: stderr.stream })).toBe(2);
    expect(stderr.text()).toContain('usage: train --data');
  });
});
