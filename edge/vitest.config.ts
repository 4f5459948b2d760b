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
          // Hermetic secrets, whatever a developer's .dev.vars holds. VIEWER_JWKS is a public key whose
          // private half was discarded: every test that verifies tokens sets its own issuer's JWKS.
          VIEWER_JWKS: '{"keys":[{"kty":"EC","x":"G8F7GnEsMlfJU_nherEsVwe7121uPYcZgOwabu_AdEM","y":"1cWlUrNx2VrCXwcRoGVu-L5kM233RuVFRAoSeFF8cOo","crv":"P-256","kid":"unusable","alg":"ES256"}]}',
          // Test-only session keys; two, so rotation can be tested.
          // Must equal FAKE_SHIELD_SECRET in test/fake-shield.global-setup.ts, which refuses anything else.
          SHIELD_AUTH_SECRET: 'edge-test-shield-secret-0123456789',
          SESSION_TOKEN_KEYS: 'test-k2:dGVzdC1zZWNyZXQtdHdvLXR3by10d28tdHdvLXR3by10d28tdHdvLXR3bw==,test-k1:dGVzdC1zZWNyZXQtb25lLW9uZS1vbmUtb25lLW9uZS1vbmUtb25lLW9uZQ==',
        },
      },
    }),
  ],
  test: {
    name: 'edge',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/fake-shield.global-setup.ts', 'test/cdn-verifiers.global-setup.ts', 'test/mock-ad-server.global-setup.ts'],
  },
});
