import { describe, expect, inject, it } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    expectedRuntime: 'node' | 'workerd';
  }
}

describe('test runtime', () => {
  it('is the runtime this project promises (Node, or workerd as the edge ships the library)', () => {
    const expected = inject('expectedRuntime');
    expect(navigator.userAgent.startsWith(expected === 'workerd' ? 'Cloudflare-Workers' : 'Node.js')).toBe(true);
  });
});
