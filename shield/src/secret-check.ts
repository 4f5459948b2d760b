import { hash, timingSafeEqual } from 'node:crypto';
import { ProblemError } from '@cascade/common';

/** The header a CDN (our edge) sends on every shield request. */
export const SHIELD_AUTH_HEADER = 'x-cascade-shield-auth';

export type SecretCheck = (presented: string | string[] | undefined) => void;

/** One-shot hashing: no Hash object per request on the hot path. */
function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/**
 * A checker for a presented secret against a list (several during a rotation). Secrets are compared as
 * SHA-256 digests with timingSafeEqual, and every accepted secret is tried, so neither the length nor the
 * content of a configured secret, nor which one matched, leaks through timing. Throws 403
 * `shield-auth-missing` / `shield-auth-invalid`; `what` names the credential in the problem detail.
 */
export function createSecretCheck(options: { secrets: readonly string[]; what: string }): SecretCheck {
  if (!Array.isArray(options?.secrets) || options.secrets.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new TypeError('createSecretCheck: options.secrets must be an array of non-empty strings');
  }
  const accepted = options.secrets.map(digest);
  return (presented) => {
    if (presented === undefined || presented === '') {
      throw new ProblemError('shield-auth-missing', `this request needs ${options.what}`);
    }
    // A repeated header is a client that does not know what it sends: never pick one of the values.
    const candidate = typeof presented === 'string' && presented.length <= 512 ? digest(presented) : undefined;
    let ok = false;
    for (const secret of accepted) if (candidate !== undefined && timingSafeEqual(secret, candidate)) ok = true;
    if (!ok) {
      throw new ProblemError('shield-auth-invalid', accepted.length === 0 ? `${options.what} is not configured on this shield` : `${options.what} is not valid`);
    }
  };
}
