// After `tsc`, makes every library importable by its package name from the built apps:
// dist/node_modules/@linescope/<lib> -> dist/libs/<lib>/src. Node then resolves `@linescope/<lib>` and
// `@linescope/<lib>/<folder>` from anything under dist/ exactly as the TypeScript path aliases do in the sources.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const scope = path.join(root, 'dist', 'node_modules', '@linescope');
fs.mkdirSync(scope, { recursive: true });
for (const lib of fs.readdirSync(path.join(root, 'libs'))) {
  const target = path.join('..', '..', 'libs', lib, 'src');
  const link = path.join(scope, lib);
  try {
    if (fs.readlinkSync(link) === target) continue;
    fs.unlinkSync(link);
  } catch {
    // no link yet
  }
  fs.symlinkSync(target, link, 'dir');
}
