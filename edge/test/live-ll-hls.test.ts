import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { PERMISSIVE_RIGHTS, call, makeIssuer, problemCode, putCatalogueEntry, shieldRequests, testEnv, text } from './harness.ts';

let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;

beforeAll(async () => {
  issuer = await makeIssuer();
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks });
});

const uris = (playlist: string) => playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

async function openMediaPlaylist(channel: string, kind: 'live' | 'vod'): Promise<string> {
  await putCatalogueEntry(channel, { kind, rights: PERMISSIVE_RIGHTS });
  const master = await text(await call(edgeEnv, `/v1/play/${channel}/master.m3u8?token=${await issuer.sign()}`));
  return uris(master).find((uri) => uri.endsWith('video-360p.m3u8'))!;
}

describe('LL-HLS delivery directives through the edge (RFC 8216bis 6.2.5)', () => {
  it('forwards _HLS_msn, _HLS_part and _HLS_skip of a live reload to the shield in canonical order, and nothing else', async () => {
    const playlistUrl = await openMediaPlaylist('live-ll', 'live');
    const response = await call(edgeEnv, `${playlistUrl}?_HLS_skip=YES&utm=x&_HLS_part=02&_HLS_msn=101&token=leak`);
    expect(response.status).toBe(200);
    const requests = await shieldRequests();
    expect(requests).toContain('/live/live-ll/video-360p.m3u8?_HLS_msn=101&_HLS_part=2&_HLS_skip=YES');
    expect(requests.some((r) => r.includes('utm=') || r.includes('leak'))).toBe(false);

    // Parts and the preload hint come back through the edge under the session's fresh token.
    const playlist = await text(response);
    const partUris = [...playlist.matchAll(/#EXT-X-(?:PART|PRELOAD-HINT):[^\n]*URI="([^"]+)"/g)].map((m) => m[1]!);
    expect(partUris).toHaveLength(3);
    for (const uri of partUris) expect(uri).toMatch(/\/v1\/media\/[^/]+\/live\/live-ll\/seg-360p-101\.\d\.m4s$/);
    expect(playlist).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES');
  });

  it('refuses malformed directives with 400 bad-hls-directive', async () => {
    const playlistUrl = await openMediaPlaylist('live-ll-bad', 'live');
    for (const query of ['_HLS_part=1', '_HLS_msn=-1', '_HLS_msn=1&_HLS_msn=2', '_HLS_skip=NO', '_HLS_msn=1e3']) {
      const response = await call(edgeEnv, `${playlistUrl}?${query}`);
      expect(response.status, query).toBe(400);
      expect(await problemCode(response), query).toBe('bad-hls-directive');
    }
  });

  it('never forwards directives on a VOD playlist', async () => {
    const playlistUrl = await openMediaPlaylist('vod-ll', 'vod');
    const response = await call(edgeEnv, `${playlistUrl}?_HLS_msn=5`);
    expect(response.status).toBe(200);
    const requests = await shieldRequests();
    expect(requests).toContain('/vod/vod-ll/video-360p.m3u8');
    expect(requests.some((r) => r.startsWith('/vod/vod-ll/') && r.includes('_HLS_'))).toBe(false);
  });
});
