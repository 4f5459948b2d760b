// Copies the player libraries the /demo page uses out of node_modules into the Worker's static
// assets. Runs as `postinstall` (under whatever Node npm uses, so plain JS), and again from
// `npm start` / the test setup in case node_modules was restored without running scripts.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const target = join(root, 'edge', 'public', 'demo', 'vendor');
mkdirSync(target, { recursive: true });

const files = [
  [join(dirname(require.resolve('hls.js/package.json')), 'dist', 'hls.min.js'), 'hls.min.js'],
  [join(dirname(require.resolve('shaka-player/package.json')), 'dist', 'shaka-player.compiled.js'), 'shaka-player.compiled.js'],
  // dash.js's UMD build (window.dashjs; its package exports it to `require`, and no package.json).
  [require.resolve('dashjs'), 'dash.all.min.js'],
];
for (const [from, name] of files) copyFileSync(from, join(target, name));
