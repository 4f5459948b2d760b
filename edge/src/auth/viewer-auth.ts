import { ProblemError } from '@cascade/common';
import type { MiddlewareHandler } from 'hono';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { PLANS, ROLES, type Plan, type Role, type Viewer } from './viewer.ts';

export interface ViewerAuthOptions {
  jwks: JSONWebKeySet;
  issuer: string;
  audience: string;
  /** Explicit allow-list; never defaulted (RFC 8725 §3.1). */
  algorithms: string[];
  clockToleranceSeconds: number;
  maxTokenBytes: number;
}

export type ViewerVariables = { viewer: Viewer };

function checkOptions(options: ViewerAuthOptions): void {
  if (options.algorithms.length === 0) throw new TypeError('viewerAuth: algorithms must list at least one algorithm');
  if (options.algorithms.some((a) => a === 'none' || a.startsWith('HS'))) {
    throw new TypeError(`viewerAuth: algorithms must be asymmetric, received ${options.algorithms.join(',')}`);
  }
  if (!options.issuer) throw new TypeError('viewerAuth: issuer is required');
  if (!options.audience) throw new TypeError('viewerAuth: audience is required');
  if (!(options.clockToleranceSeconds >= 0 && options.clockToleranceSeconds <= 300)) {
    throw new TypeError(`viewerAuth: clockToleranceSeconds must be 0..300, received ${options.clockToleranceSeconds}`);
  }
}

function tokenFrom(authorization: string | undefined, query: string | undefined): string {
  if (authorization !== undefined) {
    const match = /^Bearer ([^\s]+)$/i.exec(authorization);
    if (!match?.[1]) throw new ProblemError('token-invalid', 'Authorization header must be "Bearer <token>"');
    return match[1];
  }
  if (query !== undefined && query !== '') return query;
  throw new ProblemError('token-missing', 'send the viewer token as ?token= or Authorization: Bearer');
}

/** Verifies the viewer JWT (jose) and puts the viewer on the context. Options are checked when built. */
export function viewerAuth(options: ViewerAuthOptions): MiddlewareHandler<{ Variables: ViewerVariables }> {
  checkOptions(options);
  const keys = createLocalJWKSet(options.jwks);
  const verifyOptions = {
    algorithms: options.algorithms,
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSeconds,
    requiredClaims: ['exp', 'sub'],
  };

  return async (c, next) => {
    const token = tokenFrom(c.req.header('authorization'), c.req.query('token'));
    if (token.length > options.maxTokenBytes) {
      throw new ProblemError('token-invalid', `token is ${token.length} bytes, at most ${options.maxTokenBytes} allowed`);
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, verifyOptions));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new ProblemError('token-expired', 'the viewer token has expired');
      if (error instanceof errors.JOSEError) throw new ProblemError('token-invalid', `viewer token rejected: ${error.message}`);
      throw error;
    }
    const plan = payload['plan'] ?? 'basic';
    const role = payload['role'] ?? 'viewer';
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256) {
      throw new ProblemError('token-invalid', 'claim "sub" must be a string of 1..256 characters');
    }
    if (typeof plan !== 'string' || !(PLANS as readonly string[]).includes(plan)) {
      throw new ProblemError('token-invalid', `claim "plan" must be one of ${PLANS.join(', ')}`);
    }
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
      throw new ProblemError('token-invalid', `claim "role" must be one of ${ROLES.join(', ')}`);
    }
    c.set('viewer', { sub: payload.sub, plan: plan as Plan, role: role as Role, exp: payload.exp ?? 0 });
    await next();
  };
}
