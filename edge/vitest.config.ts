import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Edge tests run inside workerd with the root wrangler.toml (same bindings as `wrangler dev`).
// Secrets come from the test harness, never from a developer's .dev.vars.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: '../wrangler.toml' },
      miniflare: {
        bindings: {
          // Test-only key material made for this suite (edge/test/fixtures/keys.ts documents it).
          SESSION_TOKEN_KEYS: 'test-k2:dGVzdC1zZWNyZXQtdHdvLXR3by10d28tdHdvLXR3by10d28tdHdvLXR3bw==,test-k1:dGVzdC1zZWNyZXQtb25lLW9uZS1vbmUtb25lLW9uZS1vbmUtb25lLW9uZQ==',
        },
      },
    }),
  ],
  test: {
    name: 'edge',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/fake-shield.global-setup.ts'],
  },
});
