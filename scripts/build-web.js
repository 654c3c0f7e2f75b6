// Builds the web console into dist/web (type check, then vite), unless nothing it is built from changed since the
// last build: the hash of apps/web and package-lock.json is kept beside the output, so `npm start` on an unchanged
// tree skips the slowest step of the build. LINESCOPE_FORCE_WEB_BUILD=1 rebuilds regardless.
'use strict';
const { createHash } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const output = path.join(root, 'dist', 'web');
const stamp = path.join(output, '.source-hash');

function filesUnder(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(full);
      return entry.isFile() ? [full] : [];
    });
}

function sourceHash() {
  const hash = createHash('sha256');
  for (const file of [...filesUnder(path.join(root, 'apps', 'web')), path.join(root, 'package-lock.json')]) {
    hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

const current = sourceHash();
const built =
  fs.existsSync(path.join(output, 'index.html')) && fs.existsSync(stamp)
    ? fs.readFileSync(stamp, 'utf8')
    : '';
if (built === current && process.env.LINESCOPE_FORCE_WEB_BUILD !== '1') {
  console.log('web console unchanged since its last build: not rebuilt');
  process.exit(0);
}
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });
run(bin('tsc'), ['-p', 'apps/web/tsconfig.json']);
run(bin('vite'), ['build', '--config', 'apps/web/vite.config.mjs', '--logLevel', 'warn']);
fs.writeFileSync(stamp, current);
