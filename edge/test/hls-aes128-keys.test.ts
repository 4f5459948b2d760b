import { beforeAll, describe, expect, it } from 'vitest';
import { KeyEncryptionKey, generateContentKeys, type ContentKey } from '@cascade/licensing/protection';
import type { Env } from '../src/env.ts';
import { SessionTokens } from '../src/session/session-token.ts';
import { PERMISSIVE_RIGHTS, call, makeIssuer, problemCode, putCatalogueEntry, shieldRequests, testEnv, text } from './harness.ts';

// Test-only key-encryption key (the keys are wrapped with workerd's own WebCrypto AES-KW).
const KEK_TEXT = btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 11 + 5) & 0xff)));
const KEK = KeyEncryptionKey.fromBase64(KEK_TEXT);

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;
let keys: ContentKey[];
let otherTitleKeys: ContentKey[];
let operator: string;

const keyOf = (tier: string) => keys.find((k) => k.tier === tier)!;
const hex = (key: ContentKey) => key.kid.replaceAll('-', '');

async function protectTitle(id: string, titleKeys: ContentKey[]): Promise<void> {
  await putCatalogueEntry(id, { name: id, rights: PERMISSIVE_RIGHTS, protection: { scheme: 'aes-128', keys: await Promise.all(titleKeys.map((k) => KEK.wrap(k))) } });
}

/** Open a session on the AES-128 title and read its 360p media playlist through the edge, as hls.js does. */
async function mediaPlaylist(env: Env, claims: Record<string, unknown> = {}): Promise<{ playlist: string; keyUrl: string; master: Response }> {
  const master = await call(env, `/v1/play/aes-locked/master.m3u8?token=${await issuer.sign({ sub: 'aes-viewer', ...claims })}`);
  expect(master.status).toBe(200);
  const url = (await text(master)).split('\n').find((l) => l.includes('/video-360p.m3u8'))!;
  const media = await call(env, url);
  expect(media.status).toBe(200);
  const playlist = await text(media);
  const keyUrl = /#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"/.exec(playlist)![1]!;
  return { playlist, keyUrl, master };
}

/** The key URL of the same session, asking for another KID. */
const withKid = (keyUrl: string, kidHex: string) => keyUrl.replace(/key\/[0-9a-f]{32}$/, `key/${kidHex}`);

beforeAll(async () => {
  issuer = await makeIssuer();
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks, CONTENT_KEK: KEK_TEXT });
  operator = await issuer.sign({ sub: 'ops-1', role: 'operator' });
  keys = generateContentKeys(['AUDIO', 'SD', 'HD']);
  otherTitleKeys = generateContentKeys(['AUDIO', 'SD']);
  await protectTitle('aes-locked', keys);
  await protectTitle('aes-locked-too', otherTitleKeys);
});

describe('HLS AES-128 key delivery (GET /v1/media/{token}/{scope}key/{KID hex})', () => {
  it('rewrites every key URI of the media playlist to this session’s edge URL, keeping the IVs', async () => {
    const { playlist, keyUrl } = await mediaPlaylist(edgeEnv);
    expect(keyUrl).toMatch(new RegExp(`^http://edge\\.test/v1/media/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+/vod/aes-locked/key/${hex(keyOf('SD'))}$`));
    const tags = playlist.split('\n').filter((l) => l.startsWith('#EXT-X-KEY:'));
    expect(tags).toHaveLength(2);
    expect(tags[0]).toContain(`IV=0x${'1'.repeat(32)}`);
    expect(tags[1]).toContain(`IV=0x${'2'.repeat(32)}`);
    for (const tag of tags) expect(tag).toContain(`URI="${keyUrl}"`);
  });

  it('answers the raw 16-byte key, private and never stored, without asking the shield', async () => {
    const { keyUrl } = await mediaPlaylist(edgeEnv);
    const response = await call(edgeEnv, keyUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(keyOf('SD').key);
    expect((await shieldRequests()).some((r) => r.includes('/key/'))).toBe(false);
  });

  it('offers no MPD for an AES-128 title (DASH has no AES-128) and names no ClearKey licence URL', async () => {
    const token = await issuer.sign({ sub: 'aes-viewer' });
    const dash = await call(edgeEnv, `/v1/play/aes-locked/manifest.mpd?token=${token}`);
    expect(dash.status).toBe(404);
    expect(await problemCode(dash)).toBe('manifest-format-unavailable');
    const { master } = await mediaPlaylist(edgeEnv);
    expect(master.headers.get('x-license-url')).toBeNull();
  });

  it('refuses another title’s KID and an unknown KID with license-key-unknown', async () => {
    const { keyUrl } = await mediaPlaylist(edgeEnv);
    const other = await call(edgeEnv, withKid(keyUrl, hex(otherTitleKeys[1]!)));
    expect(other.status).toBe(404);
    expect(await problemCode(other)).toBe('license-key-unknown');
    expect(await problemCode(await call(edgeEnv, withKid(keyUrl, '9'.repeat(32))))).toBe('license-key-unknown');
  });

  it('refuses the HD key to a basic-plan (SD) session with license-key-not-entitled', async () => {
    const { keyUrl } = await mediaPlaylist(edgeEnv, { plan: 'basic' });
    const hd = await call(edgeEnv, withKid(keyUrl, hex(keyOf('HD'))));
    expect(hd.status).toBe(403);
    expect(await hd.clone().json()).toMatchObject({ code: 'license-key-not-entitled', tier: 'HD' });
    expect((await call(edgeEnv, keyUrl)).status).toBe(200);
  });

  for (const [what, kid] of [['upper-case hex', 'A'.repeat(32)], ['a short KID', 'abc'], ['a UUID with dashes', '12345678-1234-1234-1234-123456789abc']] as const) {
    it(`answers a key URI with ${what} with 400 license-request-invalid`, async () => {
      const { keyUrl } = await mediaPlaylist(edgeEnv);
      const response = await call(edgeEnv, withKid(keyUrl, 'x').replace(/key\/x$/, `key/${kid}`).replace(/key\/[0-9a-f]{32}$/, `key/${kid}`));
      expect(response.status).toBe(400);
      expect(await problemCode(response)).toBe('license-request-invalid');
    });
  }

  it('refuses a forged token, a token of another title and a session past its lifetime', async () => {
    const { keyUrl } = await mediaPlaylist(edgeEnv);
    const [head, rest] = keyUrl.split('/v1/media/') as [string, string];
    const [token, ...path] = rest.split('/');
    const [payload, signature] = token!.split('.') as [string, string];
    const forged = `${head}/v1/media/${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}/${path.join('/')}`;
    const refused = await call(edgeEnv, forged);
    expect(refused.status).toBe(401);
    expect(await problemCode(refused)).toBe('session-token-invalid');
    // This session's token names vod/aes-locked/: it opens no key path of another title.
    const otherScope = await call(edgeEnv, keyUrl.replace('/vod/aes-locked/', '/vod/aes-locked-too/').replace(hex(keyOf('SD')), hex(otherTitleKeys[1]!)));
    expect(await problemCode(otherScope)).toBe('session-token-invalid');

    const secret = Uint8Array.from(atob('dGVzdC1zZWNyZXQtdHdvLXR3by10d28tdHdvLXR3by10d28tdHdvLXR3bw=='), (c) => c.charCodeAt(0));
    const twoDaysAgo = Math.floor(Date.now() / 1000) - 2 * 86_400;
    const old = await new SessionTokens({ keys: [{ kid: 'test-k2', secret }], now: () => twoDaysAgo }).sign({
      sid: crypto.randomUUID(), sub: 'aes-viewer', acct: 'aes-viewer', ctry: '', scope: 'vod/aes-locked/', mh: 1080, ttlSeconds: 3600,
    });
    const expired = await call(edgeEnv, `/v1/media/${old}/vod/aes-locked/key/${hex(keyOf('SD'))}`);
    expect(expired.status).toBe(401);
    expect(await problemCode(expired)).toBe('session-token-expired');
  });

  it('refuses a revoked session with access-revoked', async () => {
    const { keyUrl } = await mediaPlaylist(edgeEnv, { acct: 'aes-revoked' });
    const payload = keyUrl.split('/v1/media/')[1]!.split('.')[0]!;
    const sid = (JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/'))) as { sid: string }).sid;
    const revoked = await call(edgeEnv, '/v1/ops/revocations', {
      method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'session', id: sid }),
    });
    expect(revoked.status).toBe(201);
    const response = await call(edgeEnv, keyUrl);
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('access-revoked');
  });

  it('refuses an evicted session with stream-evicted and a stopped one with stream-ended', async () => {
    const env = testEnv({ VIEWER_JWKS: issuer.jwks, CONTENT_KEK: KEK_TEXT, STREAM_LIMITS: 'premium:1', STREAM_POLICIES: 'premium:evict-oldest' });
    const first = await mediaPlaylist(env, { plan: 'premium', acct: 'aes-evict' });
    expect((await call(env, first.keyUrl)).status).toBe(200);
    const second = await mediaPlaylist(env, { plan: 'premium', acct: 'aes-evict' });
    const evicted = await call(env, first.keyUrl);
    expect(evicted.status).toBe(409);
    expect(await problemCode(evicted)).toBe('stream-evicted');
    expect((await call(env, second.keyUrl)).status).toBe(200);
    expect((await call(env, second.master.headers.get('x-stream-stop')!, { method: 'POST' })).status).toBe(204);
    const ended = await call(env, second.keyUrl);
    expect(ended.status).toBe(410);
    expect(await problemCode(ended)).toBe('stream-ended');
  });
});
