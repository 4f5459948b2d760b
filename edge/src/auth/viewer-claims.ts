import { ProblemError } from '@cascade/common';
import type { JWTPayload } from 'jose';
import { AD_TIERS, PLANS, ROLES, type AdTier, type Plan, type Role, type Viewer } from './viewer.ts';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_LIST = 100;

function invalid(claim: string, expected: string): ProblemError {
  return new ProblemError('token-invalid', `claim "${claim}" must be ${expected}`);
}

function identifier(payload: JWTPayload, claim: string, fallback?: string): string {
  const value = payload[claim] ?? fallback;
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) throw invalid(claim, 'a string of 1..256 characters');
  return value;
}

function oneOf<T extends string>(payload: JWTPayload, claim: string, allowed: readonly T[], fallback: T): T {
  const value = payload[claim] ?? fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw invalid(claim, `one of ${allowed.join(', ')}`);
  return value as T;
}

function idList(payload: JWTPayload, claim: string): string[] | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > MAX_LIST || !value.every((v) => typeof v === 'string' && ID.test(v))) {
    throw invalid(claim, `an array of at most ${MAX_LIST} ids ([A-Za-z0-9._-], 1..64 characters)`);
  }
  return value as string[];
}

/** Turn a verified JWT payload into a Viewer; every claim is checked, missing optional ones get their documented default. */
export function viewerFromClaims(payload: JWTPayload): Viewer {
  const sub = identifier(payload, 'sub');
  const maxHeight = payload['max_height'];
  if (maxHeight !== undefined && !(Number.isInteger(maxHeight) && (maxHeight as number) >= 144 && (maxHeight as number) <= 4320)) {
    throw invalid('max_height', 'an integer in 144..4320');
  }
  return {
    sub,
    account: identifier(payload, 'acct', sub),
    plan: oneOf<Plan>(payload, 'plan', PLANS, 'basic'),
    role: oneOf<Role>(payload, 'role', ROLES, 'viewer'),
    maxHeight: maxHeight as number | undefined,
    adTier: oneOf<AdTier>(payload, 'ad_tier', AD_TIERS, 'ad-supported'),
    titles: idList(payload, 'titles'),
    packages: idList(payload, 'packages'),
    iat: payload.iat,
    exp: payload.exp ?? 0,
  };
}
