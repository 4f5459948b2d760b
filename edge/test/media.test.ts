import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.ts';
import type { Env } from '../src/env.ts';
import { SessionTokens } from '../src/session/session-token.ts';
import { SEGMENT_BYTES } from './fake-shield.global-setup.ts';
import { call, makeIssuer, problemCode, text, shieldRequests, testEnv } from './harness.ts';

let edgeEnv: Env;
let sessions: SessionTokens;

beforeAll(async () => {
  const issuer = await makeIssuer();
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks });
  sessions = new SessionTokens({ keys: parseConfig(edgeEnv).sessionToken.keys });
});

async function sessionFor(scope: string, ttlSeconds = 600): Promise<string> {
  return sessions.sign({ sid: crypto.randomUUID(), sub: 'viewer-1', acct: 'viewer-1', ctry: 'DE', scope, ttlSeconds });
}

async function mediaPlaylistUrlFromMaster(): Promise<string> {
  const issuer = await makeIssuer();
  const env = testEnv({ VIEWER_JWKS: issuer.jwks });
  const master = await text(await call(env, `/v1/play/demo/master.m3u8?token=${await issuer.sign()}`));
  return master.split('\n').find((line) => line.endsWith('video-360p.m3u8'))!;
}

describe('GET /v1/media/{session}/…', () => {
  it('serves a media playlist named in the rewritten master, whose relative segment URIs keep the token', async () => {
    const playlistUrl = await mediaPlaylistUrlFromMaster();
    const response = await call(edgeEnv, playlistUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const segmentUri = (await text(response)).split('\n').find((line) => line.endsWith('.m4s'))!;
    const segment = await call(edgeEnv, new URL(segmentUri, playlistUrl).href);
    expect(segment.status).toBe(200);
  });

  it('serves a segment from the shield once, then from the Cache API under a key without the token', async () => {
    const path = 'vod/demo/seg-cache-key-1.m4s';
    const first = await call(edgeEnv, `/v1/media/${await sessionFor('vod/demo/')}/${path}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-edge-cache')).toBe('MISS');
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(first.headers.get('content-type')).toBe('video/iso.segment');
    expect((await first.arrayBuffer()).byteLength).toBe(SEGMENT_BYTES);

    // Another viewer, another session token: same cache entry.
    const second = await call(edgeEnv, `/v1/media/${await sessionFor('vod/demo/')}/${path}`);
    expect(second.headers.get('x-edge-cache')).toBe('HIT');
    expect((await second.arrayBuffer()).byteLength).toBe(SEGMENT_BYTES);
    expect((await shieldRequests()).filter((p) => p === `/${path}`)).toHaveLength(1);
  });

  it('never sends the session token or the query string to the shield', async () => {
    const token = await sessionFor('vod/demo/');
    await call(edgeEnv, `/v1/media/${token}/vod/demo/seg-no-leak.m4s?CMCD=br%3D800`);
    const seen = await shieldRequests();
    expect(seen).toContain('/vod/demo/seg-no-leak.m4s');
    expect(seen.some((p) => p.includes(token) || p.includes('CMCD'))).toBe(false);
  });

  it('serves a byte range with 206 and the exact bytes', async () => {
    const response = await call(edgeEnv, `/v1/media/${await sessionFor('vod/demo/')}/vod/demo/seg-range-1.m4s`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 100-199/${SEGMENT_BYTES}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBe(100);
    expect(bytes[0]).toBe(100 % 251);
  });

  it('does not cache what the shield marks private', async () => {
    const token = await sessionFor('vod/private/');
    await call(edgeEnv, `/v1/media/${token}/vod/private/seg-1.m4s`);
    const again = await call(edgeEnv, `/v1/media/${token}/vod/private/seg-1.m4s`);
    expect(again.headers.get('x-edge-cache')).toBe('MISS');
  });

  it('refuses a segment request without a valid session token', async () => {
    const response = await call(edgeEnv, '/v1/media/not-a-token/vod/demo/seg-1.m4s');
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('session-token-invalid');
  });

  it('refuses a session token whose signature was tampered with', async () => {
    const token = await sessionFor('vod/demo/');
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
    const response = await call(edgeEnv, `/v1/media/${payload}.${flipped}/vod/demo/seg-1.m4s`);
    expect(await problemCode(response)).toBe('session-token-invalid');
  });

  it('refuses a session token used outside the title it was issued for', async () => {
    const response = await call(edgeEnv, `/v1/media/${await sessionFor('vod/other/')}/vod/demo/seg-1.m4s`);
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('session-token-invalid');
  });

  it('refuses an expired session token', async () => {
    const past = new SessionTokens({ keys: parseConfig(edgeEnv).sessionToken.keys, now: () => Math.floor(Date.now() / 1000) - 3600 });
    const token = await past.sign({ sid: 's', sub: 'viewer-1', acct: 'viewer-1', ctry: 'DE', scope: 'vod/demo/', ttlSeconds: 60 });
    const response = await call(edgeEnv, `/v1/media/${token}/vod/demo/seg-1.m4s`);
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('session-token-expired');
  });

  it('keeps accepting tokens signed with the previous key after a rotation', async () => {
    const keys = parseConfig(edgeEnv).sessionToken.keys;
    const previous = new SessionTokens({ keys: [keys[1]!] });
    const token = await previous.sign({ sid: 's', sub: 'viewer-1', acct: 'viewer-1', ctry: 'DE', scope: 'vod/demo/', ttlSeconds: 60 });
    expect((await call(edgeEnv, `/v1/media/${token}/vod/demo/seg-rotated.m4s`)).status).toBe(200);
  });

  it('answers 404 not-found for an object the shield does not have', async () => {
    const response = await call(edgeEnv, `/v1/media/${await sessionFor('vod/demo/')}/vod/demo/missing.m4s`);
    expect(response.status).toBe(404);
    expect(await problemCode(response)).toBe('not-found');
  });
});

describe('path traversal at the edge', () => {
  it.each([
    ['a doubly encoded parent segment', 'vod/demo/%252e%252e/secret', 400],
    ['an encoded slash', 'vod/demo/a%2f..%2fb', 400],
    ['an encoded NUL byte', 'vod/demo/seg%00.m4s', 400],
    // The URL parser folds these into another path before the Worker sees it; the token's scope then refuses it.
    ['a parent segment', 'vod/demo/../other/seg-1.m4s', 401],
    ['an encoded parent segment', 'vod/demo/%2e%2e/other/seg-1.m4s', 401],
    ['a backslash parent segment', 'vod/demo/..\\other\\seg-1.m4s', 401],
  ])('refuses %s and never asks the shield for it', async (_name, path, status) => {
    const before = (await shieldRequests()).length;
    const response = await call(edgeEnv, `/v1/media/${await sessionFor('vod/demo/')}/${path}`);
    expect(response.status).toBe(status);
    expect((await shieldRequests()).length).toBe(before);
  });
});
