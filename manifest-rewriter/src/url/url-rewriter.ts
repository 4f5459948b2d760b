import { resolveReference, type UrlMapper } from './url-mapper.ts';

/**
 * What the scanners call for every URL they find. `reference` is the text as written (entities decoded),
 * `base` what it resolves against (the manifest URL or the effective DASH BaseURL). Returns the text to
 * write instead, or undefined to leave the reference exactly as written.
 */
export interface UrlRewriter {
  /**
   * `plainKind`, when given, is what plainRelativeKind(reference) returns, already computed by a scanner that
   * read the reference in place; rewriters that do not care ignore it.
   */
  rewrite(reference: string, base: ResolvedBase, plainKind?: number): string | undefined;
  /**
   * Set only when every result is built from validated parts and URL-serialized text, so it can never hold a
   * line break or a quote; the HLS writer then skips its per-URL check. Leave unset for custom rewriters.
   */
  readonly resultsAreSafe?: boolean;
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
