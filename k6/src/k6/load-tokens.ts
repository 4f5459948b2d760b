import { SharedArray } from 'k6/data';
import type { TokenSet } from './viewer-iteration.ts';

/**
 * Viewer tokens come from a file (`npm run k6:tokens` locally; the platform's identity service for a
 * deployed edge): k6 cannot hold the signing key, and must not. Loaded once per k6 instance into shared
 * memory. Call from the init context only (k6 `open`).
 */
export function loadTokens(file: string): TokenSet {
  const read = (kind: keyof TokenSet) =>
    new SharedArray(`tokens-${kind}`, () => {
      const parsed = JSON.parse(open(file)) as Partial<Record<keyof TokenSet, unknown>>;
      const list = parsed[kind] ?? [];
      if (!Array.isArray(list) || !list.every((t) => typeof t === 'string')) throw new Error(`${file}: "${kind}" must be an array of tokens`);
      return list as string[];
    }) as unknown as string[];
  return { valid: read('valid'), expired: read('expired'), shared: read('shared') };
}

/** A token whose signature no key made: the last characters of a valid one, changed. */
export function forge(token: string): string {
  const tail = token.slice(-4);
  return token.slice(0, -4) + (tail === 'AAAA' ? 'BBBB' : 'AAAA');
}
