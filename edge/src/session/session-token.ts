import { ProblemError } from '@cascade/common';
import { base64urlToBytes, bytesToBase64url } from './base64url.ts';
import { BoundedCache } from './bounded-cache.ts';

/**
 * What a session token grants: every object under `scope` (an upstream path prefix such as
 * `vod/demo/`) until `exp`. The token travels as a path segment (`/v1/media/{token}/vod/demo/…`),
 * so relative URIs in media playlists and MPD segment templates inherit it without the edge
 * rewriting each segment: one signature per session, not one per segment.
 */
export interface SessionClaims {
  v: 1;
  /** Play session id: the same for every token of one playback, across refreshes. */
  sid: string;
  sub: string;
  /** Account (viewer claim `acct`): account revocations key on it. */
  acct: string;
  /** Viewer's country when the session opened ('' when unknown): live blackouts are checked per reload. */
  ctry: string;
  scope: string;
  /** The viewer's max_height (0: no cap): media playlists of taller renditions are refused. */
  mh: number;
  /** Issued at (seconds): the session-open time carried over on refresh, for account revocations. */
  iat: number;
  exp: number;
  kid: string;
  /** Ad segments only (README "Ad insertion"): `{break}.{ad}.{segmentCount}` of the session's ad plan, for beacons. */
  ad?: string;
  /**
   * Media-playlist tokens only: the variant's BANDWIDTH (bit/s) that the segments under this token belong to,
   * so a segment above the operator's surge cap is refused (README "Surge cap"); 0: never capped. Absent: a
   * manifest's token (DASH segments use the MPD's), whose segments the edge looks up in the MPD.
   */
  bw?: number;
  /**
   * Media playlists of a query-token pathway (Akamai, CloudFront; README "Query-token pathways"): the pathway
   * whose CDN the playlist's segment URIs point at, with that CDN's token.
   */
  pw?: string;
}

export interface SessionGrant {
  sid: string;
  sub: string;
  acct: string;
  ctry: string;
  scope: string;
  /** Viewer's max_height, 0 for none. */
  mh?: number;
  /** When the session opened; a refreshed token keeps the original. Default now. */
  iat?: number;
  ttlSeconds: number;
  /**
   * Absolute expiry (epoch seconds) instead of now + ttlSeconds: tokens minted into a live playlist keep
   * the playlist token's expiry, so their URIs stay the same from one reload to the next (the same claims
   * then sign to the same token).
   */
  exp?: number;
  /** Ad segments only: which ad of the session's plan the scope's segments play. */
  ad?: string;
  /** Variant BANDWIDTH for the surge cap (see SessionClaims.bw); media-playlist tokens only. */
  bw?: number;
  /** The query-token pathway the media playlists under this token are written for. */
  pw?: string;
}

/** A session-token secret and the key id tokens name it by (SESSION_TOKEN_KEYS). */
export interface SessionKey {
  kid: string;
  secret: Uint8Array;
}

// Spelled via importKey so the same file typechecks for workerd and for Node (the benchmark).
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const MAX_TOKEN_LENGTH = 1024;
const SCOPE = /^(vod|live)\/[A-Za-z0-9][A-Za-z0-9._-]{0,63}\/$/;
const AD_CLAIM = /^\d{1,3}\.\d{1,2}\.\d{1,5}$/;
const PATHWAY_CLAIM = /^[A-Za-z0-9._~-]{1,32}$/;

export interface SessionTokenOptions {
  keys: SessionKey[];
  /** How many verified tokens to remember per isolate; hot tokens then cost a map lookup. */
  cacheSize?: number;
  now?: () => number;
}

export class SessionTokens {
  readonly #keys: Map<string, Promise<HmacKey>>;
  readonly #signingKid: string;
  readonly #verified: BoundedCache<string, SessionClaims>;
  readonly #now: () => number;
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder();

  constructor(options: SessionTokenOptions) {
    const first = options.keys[0];
    if (!first) throw new RangeError('keys: expected at least one session key, received none');
    this.#signingKid = first.kid;
    this.#keys = new Map(
      options.keys.map((key) => [
        key.kid,
        crypto.subtle.importKey('raw', key.secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
      ]),
    );
    this.#verified = new BoundedCache(options.cacheSize ?? 10_000);
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  async sign(grant: SessionGrant): Promise<string> {
    if (!SCOPE.test(grant.scope)) throw new RangeError(`scope: expected "vod|live/<id>/", received ${JSON.stringify(grant.scope)}`);
    const now = this.#now();
    const claims: SessionClaims = {
      v: 1,
      sid: grant.sid,
      sub: grant.sub,
      acct: grant.acct,
      ctry: grant.ctry,
      scope: grant.scope,
      mh: grant.mh ?? 0,
      iat: grant.iat ?? now,
      exp: grant.exp ?? now + grant.ttlSeconds,
      kid: this.#signingKid,
      ...(grant.ad !== undefined && { ad: grant.ad }),
      ...(grant.bw !== undefined && { bw: grant.bw }),
      ...(grant.pw !== undefined && { pw: grant.pw }),
    };
    if (claims.pw !== undefined && !PATHWAY_CLAIM.test(claims.pw)) throw new RangeError(`pw: expected a pathway id, received ${JSON.stringify(claims.pw)}`);
    if (claims.bw !== undefined && !(Number.isSafeInteger(claims.bw) && claims.bw >= 0)) throw new RangeError(`bw: expected a non-negative integer, received ${claims.bw}`);
    if (claims.ad !== undefined && !AD_CLAIM.test(claims.ad)) throw new RangeError(`ad: expected "break.ad.segments", received ${JSON.stringify(claims.ad)}`);
    const payload = bytesToBase64url(this.#encoder.encode(JSON.stringify(claims)));
    const key = await this.#key(this.#signingKid);
    const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, this.#encoder.encode(payload)));
    return `${payload}.${bytesToBase64url(signature)}`;
  }

  /** Verify a token and that it covers `path`; throws ProblemError (401) otherwise. */
  async verify(token: string, path: string): Promise<SessionClaims> {
    const claims = await this.#claims(token);
    if (claims.exp <= this.#now()) throw new ProblemError('session-token-expired', `session ${claims.sid} expired`);
    return this.#inScope(claims, path);
  }

  /**
   * For media-playlist reloads only: a player reloads the playlist URL the multivariant playlist gave it,
   * so that URL's token may be past `exp` in a long live session. It is accepted while the session is
   * younger than `maxSessionSeconds` (from its `iat`), because each reload re-checks revocation and
   * rights before handing out fresh segment tokens.
   */
  async verifyForReload(token: string, path: string, maxSessionSeconds: number): Promise<SessionClaims> {
    const claims = await this.#claims(token);
    const now = this.#now();
    if (claims.exp <= now && claims.iat + maxSessionSeconds <= now) {
      throw new ProblemError('session-token-expired', `session ${claims.sid} is older than ${maxSessionSeconds} s; open a new one`);
    }
    return this.#inScope(claims, path);
  }

  /** For session-level calls (heartbeat, stop) that name no media path: the reload rule, any scope. */
  async verifySession(token: string, maxSessionSeconds: number): Promise<SessionClaims> {
    const claims = await this.#claims(token);
    return this.verifyForReload(token, claims.scope, maxSessionSeconds);
  }

  async #claims(token: string): Promise<SessionClaims> {
    let claims = this.#verified.get(token);
    if (claims === undefined) {
      claims = await this.#verifySignature(token);
      this.#verified.set(token, claims);
    }
    return claims;
  }

  #inScope(claims: SessionClaims, path: string): SessionClaims {
    if (!path.startsWith(claims.scope)) {
      throw new ProblemError('session-token-invalid', `the session token does not cover ${path.split('/').slice(0, 2).join('/')}/`);
    }
    return claims;
  }

  async #key(kid: string): Promise<HmacKey> {
    const key = this.#keys.get(kid);
    if (!key) throw new ProblemError('session-token-invalid', 'unknown session key id');
    return key;
  }

  async #verifySignature(token: string): Promise<SessionClaims> {
    const dot = token.indexOf('.');
    if (token.length > MAX_TOKEN_LENGTH || dot <= 0 || dot !== token.lastIndexOf('.')) {
      throw new ProblemError('session-token-invalid', 'malformed session token');
    }
    const payload = token.slice(0, dot);
    let claims: SessionClaims;
    let signature: Uint8Array;
    try {
      claims = JSON.parse(this.#decoder.decode(base64urlToBytes(payload))) as SessionClaims;
      signature = base64urlToBytes(token.slice(dot + 1));
    } catch {
      throw new ProblemError('session-token-invalid', 'malformed session token');
    }
    if (
      claims === null || typeof claims !== 'object' || claims.v !== 1 || typeof claims.kid !== 'string' ||
      typeof claims.sid !== 'string' || typeof claims.sub !== 'string' || typeof claims.acct !== 'string' ||
      typeof claims.ctry !== 'string' || typeof claims.scope !== 'string' || !SCOPE.test(claims.scope) ||
      !Number.isInteger(claims.exp) || !Number.isInteger(claims.iat) || !Number.isInteger(claims.mh) ||
      (claims.ad !== undefined && (typeof claims.ad !== 'string' || !AD_CLAIM.test(claims.ad))) ||
      (claims.bw !== undefined && (!Number.isSafeInteger(claims.bw) || claims.bw < 0)) ||
      (claims.pw !== undefined && (typeof claims.pw !== 'string' || !PATHWAY_CLAIM.test(claims.pw)))
    ) {
      throw new ProblemError('session-token-invalid', 'malformed session token');
    }
    // crypto.subtle.verify compares in constant time.
    const valid = await crypto.subtle.verify('HMAC', await this.#key(claims.kid), signature, this.#encoder.encode(payload));
    if (!valid) throw new ProblemError('session-token-invalid', 'bad session token signature');
    return claims;
  }
}
