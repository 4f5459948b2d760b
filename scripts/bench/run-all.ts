// `npm run bench`: every `bench:<area>` script in package.json, one after another (benchmarks that
// share two cores must not run at the same time). Exits non-zero if any bench fails to run; a missed
// target is reported in its table, not as a failure.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../lib/repo-root.ts';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const areas = Object.keys(pkg.scripts).filter((s) => s.startsWith('bench:')).sort();
if (areas.length === 0) {
  console.error('no bench:<area> scripts in package.json');
  process.exit(1);
}
let failed = 0;
for (const script of areas) {
  console.log(`\n── npm run ${script}`);
  const result = spawnSync('npm', ['run', script], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
