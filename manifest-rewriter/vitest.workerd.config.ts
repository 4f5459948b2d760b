import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// The same tests as the Node project, inside workerd: the library runs in the edge Worker, so its corpus,
// property and fuzz tests must hold in the runtime that ships it. No Worker entry point: the tests import
// the library directly. Fixtures load as Vite raw imports (no node:fs at run time).
export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: '2026-11-01',
        compatibilityFlags: ['nodejs_compat'],
      },
    }),
  ],
  test: {
    name: 'manifest-rewriter-workerd',
    include: ['test/**/*.test.ts'],
    provide: { expectedRuntime: 'workerd' },
  },
});
