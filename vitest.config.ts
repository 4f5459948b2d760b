import { defineConfig } from 'vitest/config';
import AlphabeticalSequencer from './test/e2e/alphabetical-sequencer.ts';

// One runner for the whole suite. Each package is a project; the edge runs inside workerd through
// its own config; the cross-tier tests (integration, browser) share one real stack.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    // Only the root sequencer is used; e2e needs a fixed file order (see alphabetical-sequencer.ts).
    sequence: { sequencer: AlphabeticalSequencer },
    projects: [
      { test: { name: 'common', include: ['common/test/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'licensing', include: ['licensing/test/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'manifest-rewriter', include: ['manifest-rewriter/test/**/*.test.ts'], environment: 'node', provide: { expectedRuntime: 'node' } } },
      { test: { name: 'origin', include: ['origin/test/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 300_000, server: { deps: { inline: ['scte35'] } } } },
      { test: { name: 'shield', include: ['shield/test/**/*.test.ts'], environment: 'node', testTimeout: 30_000 } },
      { test: { name: 'k6', include: ['k6/test/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'scripts', include: ['scripts/test/**/*.test.ts'], environment: 'node', testTimeout: 120_000 } },
      'manifest-rewriter/vitest.workerd.config.ts',
      'edge/vitest.config.ts',
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/stack.global-setup.ts'],
          // One shared stack: files run one after another so the collapsing test sees a quiet origin.
          fileParallelism: false,
          // After every other project: the players' stall and latency bounds are about the stack, and a
          // unit-test worker beside them on a 2-core machine takes the CPU a player's decoder needs.
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
