import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { call, makeIssuer, problemCode, text, testEnv } from './harness.ts';

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;
let token: string;

beforeAll(async () => {
  issuer = await makeIssuer();
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks });
  token = await issuer.sign();
});

const MEDIA_URL = /^http:\/\/edge\.test\/v1\/media\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\/vod\/demo\/[A-Za-z0-9._-]+$/;

describe('GET /v1/play/{title}/master.m3u8', () => {
  it('returns the multivariant playlist with every media URL pointing back through the edge', async () => {
    const response = await call(edgeEnv, `/v1/play/demo/master.m3u8?token=${token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const playlist = await text(response);
    const uriLines = playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    const uriAttributes = [...playlist.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!);
    expect(uriLines).toHaveLength(2);
    expect(uriAttributes).toHaveLength(1);
    for (const uri of [...uriLines, ...uriAttributes]) expect(uri).toMatch(MEDIA_URL);
    // One session token for the whole session, not one per URL.
    const tokens = new Set([...uriLines, ...uriAttributes].map((uri) => MEDIA_URL.exec(uri)![1]));
    expect(tokens.size).toBe(1);
    expect(playlist).toContain('#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aac"');
  });

  it('opens a new session (a new session token) on every manifest request', async () => {
    const first = await text(await call(edgeEnv, `/v1/play/demo/master.m3u8?token=${token}`));
    const second = await text(await call(edgeEnv, `/v1/play/demo/master.m3u8?token=${token}`));
    expect(first).not.toBe(second);
  });

  it('answers 404 title-not-found for a title the shield does not have', async () => {
    const response = await call(edgeEnv, `/v1/play/nope/master.m3u8?token=${token}`);
    expect(response.status).toBe(404);
    expect(await problemCode(response)).toBe('title-not-found');
  });

  it('answers 400 bad-path for a title id outside the grammar', async () => {
    const response = await call(edgeEnv, `/v1/play/%252e%252e/master.m3u8?token=${token}`);
    expect(response.status).toBe(400);
    expect(await problemCode(response)).toBe('bad-path');
  });

  it('answers 502 upstream-error when the shield fails', async () => {
    const response = await call(edgeEnv, `/v1/play/broken/master.m3u8?token=${token}`);
    expect(response.status).toBe(502);
    expect(await problemCode(response)).toBe('upstream-error');
  });

  it('answers 502 upstream-error when the shield returns something that is not a playlist', async () => {
    const response = await call(edgeEnv, `/v1/play/garbage/master.m3u8?token=${token}`);
    expect(response.status).toBe(502);
    expect(await problemCode(response)).toBe('upstream-error');
  });

  it('answers 504 upstream-timeout when the shield hangs past the configured timeout', async () => {
    const started = Date.now();
    const response = await call(testEnv({ VIEWER_JWKS: issuer.jwks, UPSTREAM_TIMEOUT_MS: '300' }), `/v1/play/slow/master.m3u8?token=${token}`);
    expect(response.status).toBe(504);
    expect(await problemCode(response)).toBe('upstream-timeout');
    // Not a speed goal: proves the edge gave up instead of waiting for the hanging shield.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers 504 upstream-timeout when the shield reports that the origin timed out', async () => {
    const response = await call(edgeEnv, `/v1/play/origin-slow/master.m3u8?token=${token}`);
    expect(response.status).toBe(504);
    expect(await problemCode(response)).toBe('upstream-timeout');
  });

  it('answers 502 upstream-unreachable when nothing listens at the shield address', async () => {
    const response = await call(testEnv({ VIEWER_JWKS: issuer.jwks, SHIELD_URL: 'http://127.0.0.1:9' }), `/v1/play/demo/master.m3u8?token=${token}`);
    expect(response.status).toBe(502);
    expect(await problemCode(response)).toBe('upstream-unreachable');
  });
});

describe('GET /v1/play/{title}/manifest.mpd', () => {
  it('returns the MPD with a BaseURL that routes every segment through the edge', async () => {
    const response = await call(edgeEnv, `/v1/play/demo/manifest.mpd?token=${token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/dash+xml');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const xml = await text(response);
    const baseUrls = [...xml.matchAll(/<BaseURL>([^<]+)<\/BaseURL>/g)].map((m) => m[1]!);
    expect(baseUrls).toHaveLength(1);
    expect(baseUrls[0]).toMatch(/^http:\/\/edge\.test\/v1\/media\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\/vod\/demo\/$/);
    expect(xml).toContain('media="seg-$RepresentationID$-$Number$.m4s"');
  });
});
