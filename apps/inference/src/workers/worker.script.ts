import { existsSync } from 'node:fs';
import path from 'node:path';
import { type WorkerOptions } from 'node:worker_threads';

/** How to start a worker file: the compiled `.js` in production, the `.ts` source under jest. */
export interface WorkerScript {
  filename: string;
  options: Pick<WorkerOptions, 'eval'>;
}

/**
 * The built service runs `<name>.js` beside this file. When this file is itself TypeScript (jest runs the sources
 * without a build), a worker cannot load `.ts` on its own: it is started with a few lines that compile each
 * source with @swc/core, the transform jest uses, and resolve the `@linescope/*` aliases as jest.config.js does.
 * @swc/core is a dev dependency, reached only from sources.
 */
export function workerScript(directory: string, name: string): WorkerScript {
  const compiled = path.join(directory, `${name}.js`);
  if (existsSync(compiled)) return { filename: compiled, options: {} };
  const source = path.join(directory, `${name}.ts`);
  if (!existsSync(source)) throw new Error(`worker ${name} has neither ${compiled} nor ${source}`);
  return { filename: sourceBootstrap(source, repositoryRootOf(directory)), options: { eval: true } };
}

/** The folder holding `libs/` and `apps/`, found upwards from the worker's folder. */
function repositoryRootOf(directory: string): string {
  let current = directory;
  while (!existsSync(path.join(current, 'libs')) || !existsSync(path.join(current, 'apps'))) {
    const parent = path.dirname(current);
    if (parent === current) throw new Error(`no repository root above ${directory}`);
    current = parent;
  }
  return current;
}

function sourceBootstrap(source: string, root: string): string {
  return `
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require(require.resolve('@swc/core', { paths: [${JSON.stringify(root)}] }));
const root = ${JSON.stringify(root)};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const sub = /^@linescope\\/(vision|training)\\/(.+)$/.exec(request);
  const lib = /^@linescope\\/([^/]+)$/.exec(request);
  if (sub) request = path.join(root, 'libs', sub[1], 'src', sub[2]);
  else if (lib) request = path.join(root, 'libs', lib[1], 'src');
  return resolveFilename.call(this, request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
require(${JSON.stringify(source)});
`;
}
