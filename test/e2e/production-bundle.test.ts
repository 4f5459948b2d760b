import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/repo-root.ts';

const run = promisify(execFile);
const wrangler = createRequire(join(repoRoot, 'package.json')).resolve('wrangler/bin/wrangler.js');

describe('the production Worker bundle', () => {
  it('builds with wrangler deploy --dry-run --env production, with dev features off and the limiter bound', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cascade-bundle-'));
    try {
      const { stdout } = await run(process.execPath, [wrangler, 'deploy', '--dry-run', '--env', 'production', '--outdir', outdir], {
        cwd: repoRoot,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      });
      expect(stdout).toContain('env.STREAM_LIMITER (StreamLimiter)');
      expect(stdout).toContain('env.DEV_FEATURES ("false")');
      expect(stdout).toContain('env.ENVIRONMENT ("production")');
      const bundle = readdirSync(outdir).find((file) => file.endsWith('.js'));
      expect(bundle).toBeDefined();
      const code = readFileSync(join(outdir, bundle!), 'utf8');
      expect(code).toContain('class StreamLimiter');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
