// Run after `npm install` changes package-lock.json:  node scripts/lockfile-platform-entries.mjs
//
// The npm registry these machines reach does not carry workerd's macOS and Windows builds
// (@cloudflare/workerd-darwin-*, -windows-64). npm then leaves them out of package-lock.json, and
// `npm ci` refuses the lock as "out of sync" even on Linux, where they would never be installed.
// This writes the entries npm would have written: platform-gated (os/cpu) optional packages with
// their exact versions. On Linux npm skips them; elsewhere npm fetches them by version.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORMS = {
  '@cloudflare/workerd-darwin-64': { os: ['darwin'], cpu: ['x64'] },
  '@cloudflare/workerd-darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  '@cloudflare/workerd-linux-64': { os: ['linux'], cpu: ['x64'] },
  '@cloudflare/workerd-linux-arm64': { os: ['linux'], cpu: ['arm64'] },
  '@cloudflare/workerd-windows-64': { os: ['win32'], cpu: ['x64'] },
};

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
let added = 0;

for (const [path, entry] of Object.entries(lock.packages)) {
  if (!path.endsWith('node_modules/workerd') || !entry.optionalDependencies) continue;
  const parent = path.slice(0, -'workerd'.length); // ".../node_modules/"
  for (const [name, version] of Object.entries(entry.optionalDependencies)) {
    const platform = PLATFORMS[name];
    const key = parent + name;
    if (!platform || lock.packages[key]) continue;
    lock.packages[key] = {
      version,
      cpu: platform.cpu,
      ...(entry.dev ? { dev: true } : {}),
      license: 'Apache-2.0',
      optional: true,
      os: platform.os,
      engines: { node: '>=16' },
    };
    added++;
  }
}

// Keep npm's ordering (sorted by path) so later `npm install` runs produce small diffs.
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`lockfile: added ${added} platform entr${added === 1 ? 'y' : 'ies'}`);
