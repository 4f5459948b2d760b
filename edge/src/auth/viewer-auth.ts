import { ProblemError } from '@cascade/common';
import type { MiddlewareHandler } from 'hono';
import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Viewer } from './viewer.ts';
import { viewerFromClaims } from './viewer-claims.ts';

export interface ViewerAuthOptions {
  /** Key resolver: createLocalJWKSet (VIEWER_JWKS) or RemoteJwks#getKey (VIEWER_JWKS_URL). */
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** Explicit allow-list; never defaulted (RFC 8725 §3.1). */
  algorithms: string[];
  clockToleranceSeconds: number;
  maxTokenBytes: number;
}

export type ViewerVariables = { viewer: Viewer };

function checkOptions(options: ViewerAuthOptions): void {
  if (typeof options.keys !== 'function') throw new TypeError('viewerAuth: keys must be a jose key resolver');
  if (options.algorithms.length === 0) throw new TypeError('viewerAuth: algorithms must list at least one algorithm');
  if (options.algorithms.some((a) => a === 'none' || a.startsWith('HS'))) {
    throw new TypeError(`viewerAuth: algorithms must be asymmetric, received ${options.algorithms.join(',')}`);
  }
  if (!options.issuer) throw new TypeError('viewerAuth: issuer is required');
  if (!options.audience) throw new TypeError('viewerAuth: audience is required');
  if (!(options.clockToleranceSeconds >= 0 && options.clockToleranceSeconds <= 300)) {
    throw new TypeError(`viewerAuth: clockToleranceSeconds must be 0..300, received ${options.clockToleranceSeconds}`);
  }
  if (!(Number.isInteger(options.maxTokenBytes) && options.maxTokenBytes >= 512)) {
    throw new TypeError(`viewerAuth: maxTokenBytes must be an integer >= 512, received ${options.maxTokenBytes}`);
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

/** Verify a viewer JWT string; throws ProblemError (401, or 503 when the identity service's keys are unavailable). */
export function viewerVerifier(options: ViewerAuthOptions): (token: string) => Promise<Viewer> {
  checkOptions(options);
  const verifyOptions = {
    algorithms: options.algorithms,
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSeconds,
    requiredClaims: ['exp', 'sub'],
  };
  return async (token) => {
    if (token.length > options.maxTokenBytes) {
      throw new ProblemError('token-invalid', `token is ${token.length} bytes, at most ${options.maxTokenBytes} allowed`);
    }
    let payload;
    try {
      // Only the configured keys verify: jose never follows `jku`/`x5u` and ignores an embedded `jwk`
      // unless asked to (EmbeddedJWK), which this code never does.
      ({ payload } = await jwtVerify(token, options.keys, verifyOptions));
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      if (error instanceof errors.JWTExpired) throw new ProblemError('token-expired', 'the viewer token has expired');
      if (error instanceof errors.JOSEError) throw new ProblemError('token-invalid', `viewer token rejected: ${error.message}`);
      // Anything else (a TypeError from a malformed header deep inside) is still the token's fault.
      throw new ProblemError('token-invalid', 'viewer token rejected: malformed');
    }
    return viewerFromClaims(payload);
  };
}

/** Verifies the viewer JWT (jose) and puts the viewer on the context. Options are checked when built. */
export function viewerAuth(options: ViewerAuthOptions): MiddlewareHandler<{ Variables: ViewerVariables }> {
  const verify = viewerVerifier(options);
  return async (c, next) => {
    c.set('viewer', await verify(tokenFrom(c.req.header('authorization'), c.req.query('token'))));
    await next();
  };
}

/** After viewerAuth: only viewers with `role` may pass (403 not-entitled otherwise). */
export function requireRole(role: Viewer['role']): MiddlewareHandler<{ Variables: ViewerVariables }> {
  if (role !== 'viewer' && role !== 'operator') throw new TypeError(`requireRole: unknown role ${String(role)}`);
  return async (c, next) => {
    if (c.get('viewer').role !== role) throw new ProblemError('not-entitled', `this API needs a token with role "${role}"`);
    await next();
  };
}
