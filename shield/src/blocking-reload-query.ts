import { ProblemError } from '@cascade/common';

/**
 * LL-HLS delivery directives (RFC 8216bis §6.2.5.2, §6.2.5.1): the only query parameters the shield
 * keeps, and only under `/live/`. They are part of the cache key in one canonical order, so every
 * viewer blocking on the same media sequence number (and part) shares one origin request; every other
 * parameter (tokens, CMCD) is still dropped from key and origin request alike.
 */
const MSN = '_HLS_msn';
const PART = '_HLS_part';
const SKIP = '_HLS_skip';
const DIRECTIVES = new Set([MSN, PART, SKIP]);
const SKIP_VALUES = new Set(['YES', 'v2']);
/** decimal-integer, capped so the canonical form is exact (a real msn is nowhere near 2^53). */
const DECIMAL = /^[0-9]{1,16}$/;

/**
 * The canonical query (`?_HLS_msn=…&_HLS_part=…&_HLS_skip=…`, or `''`) to append to a validated
 * media path. `rawQuery` is what followed the `?` of the request target. Throws 400
 * `bad-hls-directive` on a malformed or repeated directive, or `_HLS_part` without `_HLS_msn`.
 */
export function blockingReloadQuery(path: string, rawQuery: string): string {
  if (rawQuery === '' || !path.startsWith('/live/') || !rawQuery.includes('_HLS_')) return '';
  const found = new Map<string, string>();
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (!DIRECTIVES.has(name)) continue;
    if (found.has(name)) throw bad(`${name} appears more than once`);
    found.set(name, eq === -1 ? '' : pair.slice(eq + 1));
  }
  if (found.size === 0) return '';
  const parts: string[] = [];
  const msn = found.get(MSN);
  const part = found.get(PART);
  const skip = found.get(SKIP);
  if (msn !== undefined) parts.push(`${MSN}=${integer(MSN, msn)}`);
  if (part !== undefined) {
    if (msn === undefined) throw bad(`${PART} is only allowed together with ${MSN}`);
    parts.push(`${PART}=${integer(PART, part)}`);
  }
  if (skip !== undefined) {
    if (!SKIP_VALUES.has(skip)) throw bad(`${SKIP} must be YES or v2, got ${JSON.stringify(skip.slice(0, 32))}`);
    parts.push(`${SKIP}=${skip}`);
  }
  return `?${parts.join('&')}`;
}

/** A key that asks the origin to hold the answer until a future segment or part exists. */
export function isBlockingReload(key: string): boolean {
  return key.includes('?_HLS_msn=');
}

/** The path part of a cache key (keys of blocking reloads carry the canonical query). */
export function keyPath(key: string): string {
  const at = key.indexOf('?');
  return at === -1 ? key : key.slice(0, at);
}

function integer(name: string, value: string): string {
  if (!DECIMAL.test(value)) throw bad(`${name} must be a non-negative decimal integer, got ${JSON.stringify(value.slice(0, 32))}`);
  // Canonical: `007` and `7` are one key.
  return String(Number(value));
}

function bad(detail: string): ProblemError {
  return new ProblemError('bad-hls-directive', detail);
}
