import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot } from './repo-root.ts';

/** wrangler's CLI entry, found through its package.json `bin` (its `exports` hide the file itself). */
export function wranglerBin(): string {
  const manifest = createRequire(join(repoRoot, 'package.json')).resolve('wrangler/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  const entry = bin['wrangler'];
  if (!entry) throw new Error('wrangler/package.json has no "wrangler" bin');
  return join(dirname(manifest), entry);
}
