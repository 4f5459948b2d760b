import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { parse as parseToml } from 'smol-toml';
import { repoRoot } from './repo-root.ts';

/**
 * The local development identity service: an ES256 key pair made on first use under .dev/ (never
 * committed), plus the session-token secret. `npm run token` signs with the private key; the edge
 * gets the public JWKS and the session secret through .dev.vars, which wrangler dev reads.
 */
export interface DevIdentity {
  privateJwk: JWK;
  jwks: { keys: JWK[] };
  sessionTokenKeys: string;
  /** Secrets the tiers share with each other (never with players). */
  serviceSecrets: ServiceSecrets;
  issuer: string;
  audience: string;
}

export interface ServiceSecrets {
  /** Bearer token for the origin's operator API (ORIGIN_API_TOKENS). */
  originApiToken: string;
  /** Shared secret the edge presents to the shield (edge SHIELD_AUTH_SECRET, shield SHIELD_AUTH_SECRETS). */
  shieldSecret: string;
  /** Key-encryption key for content keys (origin and edge CONTENT_KEK): base64 of 32 random bytes. */
  contentKek: string;
}

function randomSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}

export function makeServiceSecrets(): ServiceSecrets {
  return { originApiToken: randomSecret(), shieldSecret: randomSecret(), contentKek: randomKek() };
}

function randomKek(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
}

interface WranglerDevVars {
  vars?: { JWT_ISSUER?: string; JWT_AUDIENCE?: string };
}

/** Issuer and audience are whatever wrangler.toml tells the development edge to expect. */
export function devTokenExpectations(): { issuer: string; audience: string } {
  const config = parseToml(readFileSync(join(repoRoot, 'wrangler.toml'), 'utf8')) as WranglerDevVars;
  const issuer = config.vars?.JWT_ISSUER;
  const audience = config.vars?.JWT_AUDIENCE;
  if (!issuer || !audience) throw new Error('wrangler.toml [vars] must set JWT_ISSUER and JWT_AUDIENCE');
  return { issuer, audience };
}

export async function makeIdentity(): Promise<Omit<DevIdentity, 'issuer' | 'audience'>> {
  const kid = `dev-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
  return { privateJwk, jwks: { keys: [publicJwk] }, sessionTokenKeys: `dev1:${secret}`, serviceSecrets: makeServiceSecrets() };
}

/** Load the development identity from `dir`, creating it (and .dev.vars) the first time. */
export async function ensureDevIdentity(dir = join(repoRoot, '.dev'), devVarsPath = join(repoRoot, '.dev.vars')): Promise<DevIdentity> {
  const file = join(dir, 'identity.json');
  let identity: Omit<DevIdentity, 'issuer' | 'audience'>;
  if (existsSync(file)) {
    identity = JSON.parse(readFileSync(file, 'utf8')) as Omit<DevIdentity, 'issuer' | 'audience'>;
    // Identities made before the tiers shared secrets gain them once.
    if (!identity.serviceSecrets) {
      identity.serviceSecrets = makeServiceSecrets();
      writeFileSync(file, JSON.stringify(identity, null, 2) + '\n', { mode: 0o600 });
    } else if (!identity.serviceSecrets.contentKek) {
      // Identities made before licensing gain a key-encryption key once.
      identity.serviceSecrets.contentKek = randomKek();
      writeFileSync(file, JSON.stringify(identity, null, 2) + '\n', { mode: 0o600 });
    }
  } else {
    identity = await makeIdentity();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify(identity, null, 2) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  writeDevVars(devVarsPath, identity);
  return { ...identity, ...devTokenExpectations() };
}

/** .dev.vars is dotenv syntax; single quotes keep the JSON intact. */
export function writeDevVars(path: string, identity: Pick<DevIdentity, 'jwks' | 'sessionTokenKeys' | 'serviceSecrets'>): void {
  const text =
    '# Made by npm start / npm run token from .dev/identity.json. Local development only; never commit.\n' +
    `VIEWER_JWKS='${JSON.stringify(identity.jwks)}'\n` +
    `SESSION_TOKEN_KEYS='${identity.sessionTokenKeys}'\n` +
    `SHIELD_AUTH_SECRET='${identity.serviceSecrets.shieldSecret}'\n` +
    `CONTENT_KEK='${identity.serviceSecrets.contentKek}'\n`;
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileSync(path, text, { mode: 0o600 });
}

export interface TokenRequest {
  sub: string;
  plan: 'basic' | 'standard' | 'premium';
  role: 'viewer' | 'operator';
  ttlSeconds: number;
  /** Optional entitlement claims (README "Viewer tokens"). */
  acct?: string;
  maxHeight?: number;
  adTier?: 'ad-supported' | 'ad-free';
  titles?: string[];
  packages?: string[];
}

export async function signViewerToken(identity: DevIdentity, request: TokenRequest): Promise<string> {
  const key = await importJWK(identity.privateJwk, 'ES256');
  const claims: Record<string, unknown> = { plan: request.plan, role: request.role };
  if (request.acct !== undefined) claims['acct'] = request.acct;
  if (request.maxHeight !== undefined) claims['max_height'] = request.maxHeight;
  if (request.adTier !== undefined) claims['ad_tier'] = request.adTier;
  if (request.titles !== undefined) claims['titles'] = request.titles;
  if (request.packages !== undefined) claims['packages'] = request.packages;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: identity.privateJwk.kid ?? 'dev', typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuer(identity.issuer)
    .setAudience(identity.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + request.ttlSeconds)
    .sign(key);
}
