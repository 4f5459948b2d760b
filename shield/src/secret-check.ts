import { ProblemError } from '@cascade/common';
import { createSecretMatcher } from '@cascade/common/node';

/** The header a CDN (our edge) sends on every shield request. */
export const SHIELD_AUTH_HEADER = 'x-cascade-shield-auth';

export type SecretCheck = (presented: string | string[] | undefined) => void;

/**
 * A checker for a presented secret against a list (several during a rotation), compared in constant
 * time by `createSecretMatcher`. Throws 403
 * `shield-auth-missing` / `shield-auth-invalid`; `what` names the credential in the problem detail.
 */
export function createSecretCheck(options: { secrets: readonly string[]; what: string }): SecretCheck {
  if (!Array.isArray(options?.secrets) || options.secrets.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new TypeError('createSecretCheck: options.secrets must be an array of non-empty strings');
  }
  const matches = createSecretMatcher(options.secrets);
  const configured = options.secrets.length > 0;
  return (presented) => {
    if (presented === undefined || presented === '') {
      throw new ProblemError('shield-auth-missing', `this request needs ${options.what}`);
    }
    // A repeated header is a client that does not know what it sends: never pick one of the values.
    const ok = typeof presented === 'string' && presented.length <= 512 && matches(presented);
    if (!ok) {
      throw new ProblemError('shield-auth-invalid', !configured ? `${options.what} is not configured on this shield` : `${options.what} is not valid`);
    }
  };
}
