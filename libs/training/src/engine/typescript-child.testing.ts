import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/**
 * Compiles TypeScript on require with @swc/core (as jest does) and maps the @linescope/* aliases, so a test can
 * run a .ts file in a real child process it may kill.
 */
const REGISTER = `
const Module = require('module');
const fs = require('fs');
const path = require('path');
const swc = require('@swc/core');
const root = ${JSON.stringify(REPO_ROOT)};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  let m = /^@linescope\\/(vision|training)\\/(.*)$/.exec(request);
  if (m) request = path.join(root, 'libs', m[1], 'src', m[2]);
  else if ((m = /^@linescope\\/([^/]+)$/.exec(request))) request = path.join(root, 'libs', m[1], 'src');
  return resolve.call(this, request, ...rest);
};
require.extensions['.ts'] = function (module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
`;

export function spawnTypeScript(file: string, env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['-e', `${REGISTER}\nrequire(${JSON.stringify(file)});`], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
}
