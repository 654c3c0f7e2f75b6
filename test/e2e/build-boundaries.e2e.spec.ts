import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, builtEntry } from '../support/processes';

/** The @tensorflow modules a fresh Node process holds after requiring a built app's whole module graph. */
function tensorflowModulesLoadedBy(app: string, module: string): string[] {
  builtEntry(app); // fails with a clear message when the build is missing
  const file = path.join(REPO_ROOT, 'dist', 'apps', app, 'src', module);
  const script = `require('reflect-metadata'); require(${JSON.stringify(file)});
    process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('@tensorflow'))));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

describe('what the built product holds and loads', () => {
  it('the API (ingestion, reviews, training-job validation) loads no TensorFlow.js', () => {
    expect(tensorflowModulesLoadedBy('api', 'api.app.js')).toEqual([]);
  });

  it('the inference service does (the check sees TensorFlow.js when it is there)', () => {
    expect(tensorflowModulesLoadedBy('inference', 'inference.app.js')).toEqual(
      expect.arrayContaining([expect.stringContaining('@tensorflow/tfjs-core')]),
    );
  });

  it('the production build compiles no spec, test helper or test support, not even through an import', () => {
    const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const files = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((file) => file && !file.includes('/node_modules/'));
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((file) => /\.(spec|testing|fixture)\.ts$|\/(test|bench)\//.test(file))).toEqual([]);
  });
});
