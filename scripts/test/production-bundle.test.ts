import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/repo-root.ts';
import { wranglerBin } from '../lib/wrangler-bin.ts';

const run = promisify(execFile);
const wrangler = wranglerBin();

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
      // The Durable Object class must be exported by name for the STREAM_LIMITER binding to deploy.
      expect(code).toMatch(/export\s*\{[^}]*\bStreamLimiter\b/);
      // Development-only code paths stay behind DEV_FEATURES, which production sets to false.
      expect(code).toContain('the demo page is a development feature');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);
});
