import type { JSONWebKeySet } from 'jose';

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
const MAX_KEYS = 20;

/**
 * Check that `value` is a JWKS of public keys only; returns it typed or throws an Error whose message
 * says what is wrong. A private or symmetric key here means a secret has leaked to the wrong place.
 */
export function publicJwks(value: unknown): JSONWebKeySet {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_KEYS) throw new Error(`a JWKS with 1..${MAX_KEYS} keys`);
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string') throw new Error('keys with a "kty"');
    const leaked = PRIVATE_JWK_MEMBERS.filter((member) => member in key);
    if (leaked.length > 0) throw new Error(`public keys only, not a key with private member(s) ${leaked.join(',')}`);
  }
  return value as JSONWebKeySet;
}
