import { hash, timingSafeEqual } from 'node:crypto';

/** One-shot hashing: no Hash object per call on a hot path. */
function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * Whether a presented secret is one of `secrets` (several during a rotation). Secrets are compared as
 * SHA-256 digests with timingSafeEqual, and every accepted secret is tried, so neither the length nor
 * the content of a configured secret, nor which one matched, leaks through timing. The shield's CDN and
 * purge secrets and the origin's operator tokens all use this one comparison.
 */
export function createSecretMatcher(secrets: readonly string[]): (presented: string) => boolean {
  const accepted = secrets.map(digest);
  return (presented) => {
    const candidate = digest(presented);
    let ok = false;
    for (const secret of accepted) if (timingSafeEqual(secret, candidate)) ok = true;
    return ok;
  };
}
