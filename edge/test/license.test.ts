import { beforeAll, describe, expect, it } from 'vitest';
import { KeyEncryptionKey, bytesToBase64url, generateContentKeys, uuidToClearKeyKid, type ContentKey } from '@cascade/licensing/protection';
import type { Env } from '../src/env.ts';
import { withDashLicenseUrl } from '../src/license/dash-license-url.ts';
import { SessionTokens } from '../src/session/session-token.ts';
import { PERMISSIVE_RIGHTS, call, makeIssuer, problemCode, putCatalogueEntry, testEnv, text } from './harness.ts';

// Test-only key-encryption key; the wrapping below runs in workerd's own WebCrypto (AES-KW).
const KEK_TEXT = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff)));
const KEK = KeyEncryptionKey.fromBase64(KEK_TEXT);

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;
let keys: ContentKey[];
let otherTitleKeys: ContentKey[];
let operator: string;

const keyOf = (tier: string) => keys.find((k) => k.tier === tier)!;
const kid = (key: ContentKey) => uuidToClearKeyKid(key.kid);
const request = (kids: string[], type = 'temporary') => JSON.stringify({ kids, type });

async function protectTitle(id: string, titleKeys: ContentKey[]): Promise<void> {
  await putCatalogueEntry(id, { name: id, rights: PERMISSIVE_RIGHTS, protection: { scheme: 'cenc', keys: await Promise.all(titleKeys.map((k) => KEK.wrap(k))) } });
}

async function open(env: Env, claims: Record<string, unknown> = {}, file = 'master.m3u8', title = 'locked'): Promise<Response> {
  const response = await call(env, `/v1/play/${title}/${file}?token=${await issuer.sign({ sub: 'lic-viewer', ...claims })}`);
  expect(response.status).toBe(200);
  return response;
}

function license(env: Env, url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return call(env, url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

beforeAll(async () => {
  issuer = await makeIssuer();
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks, CONTENT_KEK: KEK_TEXT });
  operator = await issuer.sign({ sub: 'ops-1', role: 'operator' });
  keys = generateContentKeys(['AUDIO', 'SD', 'HD']);
  otherTitleKeys = generateContentKeys(['AUDIO', 'SD']);
  await protectTitle('locked', keys);
  await protectTitle('locked-too', otherTitleKeys);
});

describe('POST /v1/license/clearkey (W3C EME ClearKey)', () => {
  it('names the session’s licence URL on a protected title’s manifests, and none on a clear title', async () => {
    const hls = await open(edgeEnv);
    expect(hls.headers.get('x-license-url')).toMatch(/^http:\/\/edge\.test\/v1\/license\/clearkey\?session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const dash = await open(edgeEnv, {}, 'manifest.mpd');
    expect(dash.headers.get('x-license-url')).not.toBe(hls.headers.get('x-license-url'));
    expect((await open(edgeEnv, {}, 'master.m3u8', 'demo')).headers.get('x-license-url')).toBeNull();
  });

  it('answers a JWK set with exactly the requested keys, private and never stored', async () => {
    const url = (await open(edgeEnv, { plan: 'standard' })).headers.get('x-license-url')!;
    const response = await license(edgeEnv, url, request([kid(keyOf('SD')), kid(keyOf('AUDIO')), kid(keyOf('HD'))]));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      keys: ['SD', 'AUDIO', 'HD'].map((tier) => ({ kty: 'oct', kid: kid(keyOf(tier)), k: bytesToBase64url(keyOf(tier).key) })),
      type: 'temporary',
    });
  });

  it('serves a basic-plan viewer only SD renditions and refuses them the HD key, while the SD key is granted', async () => {
    const master = await open(edgeEnv, { plan: 'basic' });
    const body = await text(master);
    expect(body).toContain('video-360p.m3u8');
    expect(body).not.toContain('video-720p.m3u8');
    const url = master.headers.get('x-license-url')!;
    const hd = await license(edgeEnv, url, request([kid(keyOf('SD')), kid(keyOf('HD'))]));
    expect(hd.status).toBe(403);
    expect(await hd.clone().json()).toMatchObject({ code: 'license-key-not-entitled', kid: keyOf('HD').kid, tier: 'HD' });
    const sd = await license(edgeEnv, url, request([kid(keyOf('SD')), kid(keyOf('AUDIO'))]));
    expect(sd.status).toBe(200);
    expect(((await sd.json()) as { keys: unknown[] }).keys).toHaveLength(2);
  });

  it('applies the token’s max_height too: a 360-line cap on a premium plan gets no HD key', async () => {
    const url = (await open(edgeEnv, { plan: 'premium', max_height: 360 })).headers.get('x-license-url')!;
    expect(await problemCode(await license(edgeEnv, url, request([kid(keyOf('HD'))])))).toBe('license-key-not-entitled');
  });

  it('refuses an unknown KID and another title’s KID with license-key-unknown', async () => {
    const url = (await open(edgeEnv)).headers.get('x-license-url')!;
    const unknown = await license(edgeEnv, url, request([bytesToBase64url(new Uint8Array(16).fill(9))]));
    expect(unknown.status).toBe(404);
    expect(await problemCode(unknown)).toBe('license-key-unknown');
    const other = await license(edgeEnv, url, request([kid(otherTitleKeys[1]!)]));
    expect(other.status).toBe(404);
    expect(await problemCode(other)).toBe('license-key-unknown');
  });

  const badBodies: Array<[string, string | Uint8Array]> = [
    ['text that is not JSON', 'give me keys'],
    ['an empty body', ''],
    ['no kids', '{"type":"temporary"}'],
    ['a kid that is not 16 bytes of base64url', request(['abc'])],
    ['a persistent licence request', request(['AAAAAAAAAAAAAAAAAAAAAA'], 'persistent-license')],
    ['a body over 4 KiB', request(Array(300).fill('AAAAAAAAAAAAAAAAAAAAAA'))],
  ];
  for (const [what, body] of badBodies) {
    it(`answers ${what} with 400 license-request-invalid`, async () => {
      const url = (await open(edgeEnv)).headers.get('x-license-url')!;
      const response = await license(edgeEnv, url, body);
      expect(response.status).toBe(400);
      expect(await problemCode(response)).toBe('license-request-invalid');
    });
  }

  it('refuses a request without a session, or with a forged one', async () => {
    const body = request([kid(keyOf('SD'))]);
    expect(await problemCode(await license(edgeEnv, '/v1/license/clearkey', body))).toBe('session-token-invalid');
    const url = (await open(edgeEnv)).headers.get('x-license-url')!;
    const [base, token] = url.split('session=') as [string, string];
    const signature = token.split('.')[1]!;
    const forged = `${base}session=${token.split('.')[0]}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    const response = await license(edgeEnv, forged, body);
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('session-token-invalid');
  });

  it('refuses a session past its lifetime with session-token-expired', async () => {
    const secret = Uint8Array.from(atob('dGVzdC1zZWNyZXQtdHdvLXR3by10d28tdHdvLXR3by10d28tdHdvLXR3bw=='), (c) => c.charCodeAt(0));
    const twoDaysAgo = Math.floor(Date.now() / 1000) - 2 * 86_400;
    const old = await new SessionTokens({ keys: [{ kid: 'test-k2', secret }], now: () => twoDaysAgo }).sign({
      sid: crypto.randomUUID(), sub: 'lic-viewer', acct: 'lic-viewer', ctry: '', scope: 'vod/locked/', mh: 1080, ttlSeconds: 3600,
    });
    const response = await license(edgeEnv, `/v1/license/clearkey?session=${old}`, request([kid(keyOf('SD'))]));
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('session-token-expired');
  });

  it('refuses a revoked session with access-revoked', async () => {
    const url = (await open(edgeEnv, { acct: 'lic-revoked' })).headers.get('x-license-url')!;
    const sid = (JSON.parse(atob(url.split('session=')[1]!.split('.')[0]!.replaceAll('-', '+').replaceAll('_', '/'))) as { sid: string }).sid;
    const revoked = await call(edgeEnv, '/v1/ops/revocations', {
      method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'session', id: sid }),
    });
    expect(revoked.status).toBe(201);
    const response = await license(edgeEnv, url, request([kid(keyOf('SD'))]));
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('access-revoked');
  });

  it('refuses an evicted session with stream-evicted and a stopped one with stream-ended', async () => {
    const env = testEnv({ VIEWER_JWKS: issuer.jwks, CONTENT_KEK: KEK_TEXT, STREAM_LIMITS: 'premium:1', STREAM_POLICIES: 'premium:evict-oldest' });
    const first = (await open(env, { plan: 'premium', acct: 'lic-evict' })).headers.get('x-license-url')!;
    const body = request([kid(keyOf('SD'))]);
    expect((await license(env, first, body)).status).toBe(200);
    const second = await open(env, { plan: 'premium', acct: 'lic-evict' });
    const evicted = await license(env, first, body);
    expect(evicted.status).toBe(409);
    expect(await problemCode(evicted)).toBe('stream-evicted');
    expect((await license(env, second.headers.get('x-license-url')!, body)).status).toBe(200);
    expect((await call(env, second.headers.get('x-stream-stop')!, { method: 'POST' })).status).toBe(204);
    const ended = await license(env, second.headers.get('x-license-url')!, body);
    expect(ended.status).toBe(410);
    expect(await problemCode(ended)).toBe('stream-ended');
  });

  it('answers 503 license-unavailable when the edge has no key-encryption key, and when the keys were wrapped under another', async () => {
    const noKek = testEnv({ VIEWER_JWKS: issuer.jwks });
    const url = (await open(noKek)).headers.get('x-license-url')!;
    expect(await problemCode(await license(noKek, url, request([kid(keyOf('SD'))])))).toBe('license-unavailable');
    const otherKek = testEnv({ VIEWER_JWKS: issuer.jwks, CONTENT_KEK: btoa('x'.repeat(32)) });
    const url2 = (await open(otherKek)).headers.get('x-license-url')!;
    const response = await license(otherKek, url2, request([kid(keyOf('SD'))]));
    expect(response.status).toBe(503);
    expect(await problemCode(response)).toBe('license-unavailable');
  });

  it('has no licence route for a DRM system without an adapter, and no GET', async () => {
    const url = (await open(edgeEnv)).headers.get('x-license-url')!;
    expect((await license(edgeEnv, url.replace('/clearkey', '/widevine'), 'challenge')).status).toBe(404);
    expect((await call(edgeEnv, url)).status).toBe(404);
  });
});

describe('the DASH licence URL', () => {
  it('fills the DASH-IF ClearKey descriptor with the session’s URL, escaped', () => {
    const mpd = '<Representation><ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"/></Representation>';
    expect(withDashLicenseUrl(mpd, 'https://e/v1/license/clearkey?session=a&b')).toBe(
      '<Representation><ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0"><dashif:Laurl>https://e/v1/license/clearkey?session=a&amp;b</dashif:Laurl><clearkey:Laurl Lic_type="EME-1.0">https://e/v1/license/clearkey?session=a&amp;b</clearkey:Laurl></ContentProtection></Representation>',
    );
  });
});
