import { resolveReference, type UrlMapper } from './url-mapper.ts';

/**
 * What the scanners call for every URL they find. `reference` is the text as written (entities decoded),
 * `base` what it resolves against (the manifest URL or the effective DASH BaseURL). Returns the text to
 * write instead, or undefined to leave the reference exactly as written.
 */
export interface UrlRewriter {
  rewrite(reference: string, base: ResolvedBase): string | undefined;
  /**
   * DASH only: a relative segment reference that stays relative below a rewritten BaseURL. Returns the text
   * to write instead (e.g. the reference with a query token, which URL resolution would not inherit from the
   * BaseURL), or undefined to keep it.
   */
  rewriteRelative?(reference: string, base: ResolvedBase): string | undefined;
}

/** A base URL with its directory precomputed, so simple relative references resolve by concatenation. */
export interface ResolvedBase {
  url: URL;
  /** href up to and including the last '/' of the path, without query and fragment; '' for non-HTTP bases. */
  directory: string;
}

export function resolvedBase(url: URL): ResolvedBase {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { url, directory: '' };
  const href = url.href;
  let end = href.length;
  const hash = href.indexOf('#');
  if (hash !== -1) end = hash;
  const query = href.indexOf('?');
  if (query !== -1 && query < end) end = query;
  return { url, directory: href.slice(0, href.lastIndexOf('/', end - 1) + 1) };
}

/** The rewriter behind the original `UrlMapper` API: every reference is resolved with URL and handed over. */
export function urlMapperRewriter(map: UrlMapper): UrlRewriter {
  return { rewrite: (reference, base) => map(resolveReference(reference, base.url)) };
}
