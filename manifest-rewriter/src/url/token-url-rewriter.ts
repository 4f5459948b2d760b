import { NOT_PLAIN, PLAIN_WITH_QUERY, plainRelativeKind, resolveHref } from './resolve-fast.ts';
import type { ResolvedBase, UrlRewriter } from './url-rewriter.ts';

/** Where the session token goes, as the delivery pathway requires. */
export type TokenPlacement = 'path' | 'query';

export interface TokenUrlOptions {
  /**
   * Absolute http(s) URL prefix, ending in '/', of the URLs to send through `publicPrefix`, e.g.
   * `https://shield.internal/vod/demo/`. URLs outside it are left exactly as written.
   */
  upstreamPrefix: string;
  /**
   * What replaces `upstreamPrefix`. With `placement: 'path'` it holds `{token}` once, e.g.
   * `https://edge.example/v1/media/{token}/vod/demo/`; with `'query'` it holds no `{token}` and the token is
   * added as a query parameter to every URL.
   */
  publicPrefix: string;
  token: string;
  placement: TokenPlacement;
  /** Query parameter name for `placement: 'query'`; default `token`. */
  queryParameter?: string;
}

const TOKEN_CHARS = /^[A-Za-z0-9._~-]+$/;
const PLACEHOLDER = '{token}';

/**
 * Rewrites every URL under `upstreamPrefix` to `publicPrefix` with the session token in the path or query.
 * Options are checked once here (a bad value is a programming error: RangeError naming the option), so the
 * per-URL work is string concatenation.
 */
export function tokenUrlRewriter(options: TokenUrlOptions): UrlRewriter {
  const upstream = checkedPrefix(options.upstreamPrefix, 'upstreamPrefix');
  if (!TOKEN_CHARS.test(options.token)) {
    throw new RangeError(`token: expected URL-safe characters [A-Za-z0-9._~-]+, received ${JSON.stringify(options.token)}`);
  }
  const placeholders = options.publicPrefix.split(PLACEHOLDER).length - 1;
  if (options.placement === 'path') {
    if (placeholders !== 1) {
      throw new RangeError(`publicPrefix: expected exactly one ${PLACEHOLDER} for placement 'path', received ${JSON.stringify(options.publicPrefix)}`);
    }
    // The token is URL-safe, so normalising the filled-in prefix keeps it exactly where {token} was.
    const publicPrefix = checkedPrefix(options.publicPrefix.replace(PLACEHOLDER, options.token), 'publicPrefix');
    const publicDirectory = publicDirectoryCache(upstream, publicPrefix);
    return {
      resultsAreSafe: true,
      rewrite(reference, base, plainKind) {
        // Hot path: a plain segment name below a playlist inside the upstream scope is one concatenation.
        if ((plainKind ?? plainRelativeKind(reference)) !== NOT_PLAIN) {
          const directory = publicDirectory(base);
          if (directory !== undefined) return directory + reference;
        }
        const href = resolveHref(reference, base);
        return href.startsWith(upstream) ? publicPrefix + href.slice(upstream.length) : undefined;
      },
    };
  }
  if (options.placement !== 'query') {
    throw new RangeError(`placement: expected 'path' or 'query', received ${JSON.stringify(options.placement)}`);
  }
  if (placeholders !== 0) throw new RangeError(`publicPrefix: ${PLACEHOLDER} is only for placement 'path'`);
  const publicPrefix = checkedPrefix(options.publicPrefix, 'publicPrefix');
  const name = options.queryParameter ?? 'token';
  if (!TOKEN_CHARS.test(name)) throw new RangeError(`queryParameter: expected [A-Za-z0-9._~-]+, received ${JSON.stringify(name)}`);
  const parameter = `${name}=${options.token}`;
  const withToken = (url: string): string => {
    const hash = url.indexOf('#');
    const end = hash === -1 ? url.length : hash;
    const separator = url.lastIndexOf('?', end) === -1 ? '?' : '&';
    return hash === -1 ? url + separator + parameter : url.slice(0, hash) + separator + parameter + url.slice(hash);
  };
  const publicDirectory = publicDirectoryCache(upstream, publicPrefix);
  const afterPath = `?${parameter}`;
  const afterQuery = `&${parameter}`;
  return {
    resultsAreSafe: true,
    rewrite(reference, base, plainKind) {
      const kind = plainKind ?? plainRelativeKind(reference);
      if (kind !== NOT_PLAIN) {
        const directory = publicDirectory(base);
        if (directory !== undefined) return directory + reference + (kind === PLAIN_WITH_QUERY ? afterQuery : afterPath);
      }
      const href = resolveHref(reference, base);
      return href.startsWith(upstream) ? withToken(publicPrefix + href.slice(upstream.length)) : undefined;
    },
    rewriteRelative(reference, base) {
      // A relative DASH template does not inherit the BaseURL's query, so it carries the token itself.
      return resolveHref(reference, base).startsWith(upstream) ? withToken(reference) : undefined;
    },
  };
}

function checkedPrefix(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(`${option}: expected an absolute URL, received ${JSON.stringify(value)}`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '' || !url.pathname.endsWith('/')) {
    throw new RangeError(`${option}: expected an http(s) URL ending in '/' without query or fragment, received ${JSON.stringify(value)}`);
  }
  return url.href;
}

/**
 * The public counterpart of a base's directory, or undefined when the directory is outside the upstream
 * scope (or not http). One entry is enough: a manifest is rewritten against one base at a time.
 */
function publicDirectoryCache(upstream: string, publicPrefix: string): (base: ResolvedBase) => string | undefined {
  let lastBase: ResolvedBase | undefined;
  let lastDirectory: string | undefined;
  let lastPublic: string | undefined;
  return (base) => {
    // Identity first: comparing two equal sliced strings character by character showed up in profiles.
    if (base === lastBase) return lastPublic;
    lastBase = base;
    if (base.directory === lastDirectory) return lastPublic;
    lastDirectory = base.directory;
    lastPublic = base.directory !== '' && base.directory.startsWith(upstream) ? publicPrefix + base.directory.slice(upstream.length) : undefined;
    return lastPublic;
  };
}
