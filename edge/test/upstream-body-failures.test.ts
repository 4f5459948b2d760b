import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { call, makeIssuer, problemCode, shieldRequests, testEnv, text } from './harness.ts';

// Bugs found under load (issue 11): the shield answered its headers and then failed in the body. The
// fake shield's `stalls-mid-body` title sends part of its MPD and 360p media playlist and then
// nothing; `cut-short` closes the connection before Content-Length bytes.
let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;

beforeAll(async () => {
  issuer = await makeIssuer();
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks, UPSTREAM_TIMEOUT_MS: '400', REVOCATION_CACHE_SECONDS: '0' });
});

async function mediaPlaylistUrl(titleId: string): Promise<string> {
  const master = await text(await call(edgeEnv, `/v1/play/${titleId}/master.m3u8?token=${await issuer.sign({ sub: `body-${titleId}` })}`));
  return master.split('\n').find((line) => line.endsWith('video-360p.m3u8'))!;
}

describe('an upstream body that stalls after the headers', () => {
  it('answers the DASH manifest request 504 upstream-timeout, not 500 internal', async () => {
    const response = await call(edgeEnv, `/v1/play/stalls-mid-body/manifest.mpd?token=${await issuer.sign({ sub: 'stall-1' })}`);
    expect(response.status).toBe(504);
    expect(await problemCode(response)).toBe('upstream-timeout');
  });

  it('answers a media-playlist reload 504 upstream-timeout', async () => {
    const response = await call(edgeEnv, await mediaPlaylistUrl('stalls-mid-body'));
    expect(response.status).toBe(504);
    expect(await problemCode(response)).toBe('upstream-timeout');
  });
});

describe('an upstream body cut short of its Content-Length', () => {
  it('answers the DASH manifest request 502 upstream-truncated, never as a bad manifest', async () => {
    const response = await call(edgeEnv, `/v1/play/cut-short/manifest.mpd?token=${await issuer.sign({ sub: 'cut-1' })}`);
    expect(response.status).toBe(502);
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('upstream-truncated');
    expect(problem.detail).not.toMatch(/not valid|not-a|not an/);
  });

  it('answers a media-playlist reload 502 upstream-truncated and does not cache the fragment', async () => {
    const url = await mediaPlaylistUrl('cut-short');
    const before = (await shieldRequests()).filter((path) => path === '/vod/cut-short/video-360p.m3u8').length;
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await call(edgeEnv, url);
      expect(response.status).toBe(502);
      expect(await problemCode(response)).toBe('upstream-truncated');
    }
    // Both reloads went to the shield: the truncated answer was never stored for the next viewer.
    const after = (await shieldRequests()).filter((path) => path === '/vod/cut-short/video-360p.m3u8').length;
    expect(after - before).toBe(2);
  });

  it('does not cache a segment whose body was cut short', async () => {
    const cutSegment = (await mediaPlaylistUrl('cut-short')).replace('video-360p.m3u8', 'seg-360p-cut.m4s');
    const count = async () => (await shieldRequests()).filter((path) => path === '/vod/cut-short/seg-360p-cut.m4s').length;
    const before = await count();
    for (let attempt = 0; attempt < 2; attempt++) {
      // A small segment is read whole into the isolate's memory before it is answered (hot-objects.ts),
      // so the player gets a precise 502 instead of a body that just ends early.
      const response = await call(edgeEnv, cutSegment);
      expect(response.status).toBe(502);
      expect(await problemCode(response)).toBe('upstream-truncated');
    }
    expect((await count()) - before).toBe(2);
  });
});
