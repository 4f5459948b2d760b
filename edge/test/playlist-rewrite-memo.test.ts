import { describe, expect, it } from 'vitest';
import { PlaylistRewriteMemo } from '../src/session/playlist-rewrite-memo.ts';
import { rewriteForSession, type SessionRewrite } from '../src/session/session-urls.ts';

// RFC 8216bis §4.4: a live media playlist with a map, a key, parts and a preload hint, plus URIs outside
// the session's scope, which must never be pointed at the edge.
const LIVE_PLAYLIST = `#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:6
#EXT-X-PART-INF:PART-TARGET=1.0
#EXT-X-MEDIA-SEQUENCE:120
#EXT-X-MAP:URI="init-360p.mp4"
#EXT-X-KEY:METHOD=AES-128,URI="key/00112233445566778899aabbccddeeff"
#EXTINF:6.0,
seg-360p-120.m4s
#EXT-X-PROGRAM-DATE-TIME:2026-11-21T10:00:06.000Z
#EXTINF:6.0,
../../vod/other/seg-1.m4s
#EXTINF:6.0,
https://elsewhere.example/seg-122.m4s
#EXT-X-PART:DURATION=1.0,URI="seg-360p-123.part0.m4s",INDEPENDENT=YES
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-360p-123.part1.m4s"
`;

const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;
const options = (token: string): SessionRewrite => ({
  format: 'hls',
  upstreamUrl: new URL('http://shield.test/live/live-demo/video-360p.m3u8'),
  shieldScope: new URL('http://shield.test/live/live-demo/'),
  edgeOrigin: 'https://edge.test',
  scope: 'live/live-demo/',
  token,
});

describe('the playlist rewrite memo', () => {
  it('gives every session exactly what a direct rewrite gives it, from the first and from later reloads', () => {
    const memo = new PlaylistRewriteMemo();
    for (const token of ['eyJzaWQiOiJhIn0.c2ln', 'eyJzaWQiOiJiIn0.b3RoZXI', 'eyJzaWQiOiJhIn0.c2ln', 'a~b_c-d.e']) {
      const memoised = memo.rewrite(bytes(LIVE_PLAYLIST), options(token));
      expect(memoised).toBe(rewriteForSession(bytes(LIVE_PLAYLIST), options(token)));
      expect(memoised).toContain(`https://edge.test/v1/media/${token}/live/live-demo/seg-360p-120.m4s`);
      expect(memoised).toContain('https://elsewhere.example/seg-122.m4s');
    }
  });

  it('rewrites a changed playlist afresh rather than serving the previous version', () => {
    const memo = new PlaylistRewriteMemo();
    memo.rewrite(bytes(LIVE_PLAYLIST), options('tok.one'));
    const next = LIVE_PLAYLIST.replace('MEDIA-SEQUENCE:120', 'MEDIA-SEQUENCE:121').replace('seg-360p-120', 'seg-360p-124');
    const out = memo.rewrite(bytes(next), options('tok.one'));
    expect(out).toContain('#EXT-X-MEDIA-SEQUENCE:121');
    expect(out).toContain('/v1/media/tok.one/live/live-demo/seg-360p-124.m4s');
    expect(out).not.toContain('seg-360p-120');
  });

  it('keeps playlists of different scopes or edge origins apart', () => {
    const memo = new PlaylistRewriteMemo();
    const here = memo.rewrite(bytes(LIVE_PLAYLIST), options('tok.one'));
    const there = memo.rewrite(bytes(LIVE_PLAYLIST), { ...options('tok.one'), edgeOrigin: 'https://other-edge.test' });
    expect(here).toContain('https://edge.test/v1/media/');
    expect(there).toContain('https://other-edge.test/v1/media/');
    expect(there).not.toContain('https://edge.test/');
  });

  it('refuses an upstream playlist that is not UTF-8 or not a playlist, every time, with upstream-error', () => {
    const memo = new PlaylistRewriteMemo();
    const notUtf8 = new Uint8Array([0x23, 0x45, 0x58, 0xff, 0xfe]).buffer as ArrayBuffer;
    for (let i = 0; i < 2; i += 1) {
      expect(() => memo.rewrite(notUtf8, options('tok.one'))).toThrow(expect.objectContaining({ code: 'upstream-error' }));
      expect(() => memo.rewrite(bytes('not a playlist'), options('tok.one'))).toThrow(expect.objectContaining({ code: 'upstream-error' }));
    }
  });

  it('forgets the least recently used playlist beyond its capacity and still answers correctly', () => {
    const memo = new PlaylistRewriteMemo(2);
    const versions = [120, 121, 122].map((n) => LIVE_PLAYLIST.replace('MEDIA-SEQUENCE:120', `MEDIA-SEQUENCE:${n}`));
    for (const v of [...versions, ...versions]) expect(memo.rewrite(bytes(v), options('tok.two'))).toBe(rewriteForSession(bytes(v), options('tok.two')));
  });
});
