import { describe, expect, it } from 'vitest';
import { personalizeDash, personalizeHls, rewriteDashUrls, rewriteHlsUris, tokenUrlRewriter, type UrlMapper } from '../src/index.ts';
import { dashFixtures, fixture, hlsFixtures } from './support/corpus.ts';

// The edge's current mapping (edge/src/routes/play.ts), so switching it to tokenUrlRewriter changes no byte.
const SHIELD = 'https://shield.internal/';
const SCOPE = 'vod/demo/';
const TOKEN = 'eyJzaWQiOiJhIn0.c2ln-_';
const mediaBase = `https://edge.example/v1/media/${TOKEN}/`;
const shieldScope = new URL(SCOPE, SHIELD);
const edgeMapper: UrlMapper = (absolute) =>
  absolute.origin === shieldScope.origin && absolute.pathname.startsWith(shieldScope.pathname)
    ? mediaBase + SCOPE + absolute.pathname.slice(shieldScope.pathname.length)
    : undefined;
const rewriter = tokenUrlRewriter({ upstreamPrefix: shieldScope.href, publicPrefix: `https://edge.example/v1/media/{token}/${SCOPE}`, token: TOKEN, placement: 'path' });

// The edge mapper drops a query string, the rewriter keeps it: compare on the fixtures without one.
const queryFree = (names: readonly string[]): string[] => names.filter((name) => !fixture(name).replace(/<\?xml[^>]*\?>/, '').includes('?'));

describe('tokenUrlRewriter', () => {
  it('has query-free fixtures of both kinds to compare', () => {
    expect(queryFree(hlsFixtures).length).toBeGreaterThan(5);
    expect(queryFree(dashFixtures).length).toBeGreaterThan(5);
  });

  it.each(queryFree(hlsFixtures))('writes what the edge mapper writes for %s', (name) => {
    const input = fixture(name);
    const url = new URL(`${SHIELD}${SCOPE}master.m3u8`);
    expect(personalizeHls(input, url, { urls: rewriter })).toBe(rewriteHlsUris(input, url, edgeMapper));
  });

  it.each(queryFree(dashFixtures))('writes what the edge mapper writes for %s', (name) => {
    const input = fixture(name);
    const url = new URL(`${SHIELD}${SCOPE}manifest.mpd`);
    expect(personalizeDash(input, url, { urls: rewriter })).toBe(rewriteDashUrls(input, url, edgeMapper));
  });

  it('keeps a query string and adds the token after it with placement query', () => {
    const query = tokenUrlRewriter({ upstreamPrefix: SHIELD, publicPrefix: 'https://cdn.example/', token: 't', placement: 'query', queryParameter: 'st' });
    const playlist = '#EXTM3U\n#EXTINF:4,\na.m4s?v=1\n#EXTINF:4,\nb.m4s\n#EXTINF:4,\n../x/c.m4s#frag\n';
    expect(personalizeHls(playlist, new URL(`${SHIELD}vod/demo/index.m3u8`), { urls: query })).toBe(
      '#EXTM3U\n#EXTINF:4,\nhttps://cdn.example/vod/demo/a.m4s?v=1&st=t\n#EXTINF:4,\nhttps://cdn.example/vod/demo/b.m4s?st=t\n#EXTINF:4,\nhttps://cdn.example/vod/x/c.m4s?st=t#frag\n',
    );
  });

  it.each([
    [{ upstreamPrefix: 'shield/', publicPrefix: 'https://e/{token}/', token: 't', placement: 'path' }, /upstreamPrefix/],
    [{ upstreamPrefix: 'https://s/vod', publicPrefix: 'https://e/{token}/', token: 't', placement: 'path' }, /upstreamPrefix/],
    [{ upstreamPrefix: 'https://s/', publicPrefix: 'https://e/', token: 't', placement: 'path' }, /publicPrefix/],
    [{ upstreamPrefix: 'https://s/', publicPrefix: 'https://e/{token}/', token: 't', placement: 'query' }, /publicPrefix/],
    [{ upstreamPrefix: 'https://s/', publicPrefix: 'https://e/{token}/', token: 'a/../b', placement: 'path' }, /token/],
    [{ upstreamPrefix: 'https://s/', publicPrefix: 'https://e/', token: 't', placement: 'query', queryParameter: 'a&b' }, /queryParameter/],
    [{ upstreamPrefix: 'https://s/', publicPrefix: 'https://e/', token: 't', placement: 'header' }, /placement/],
  ] as const)('refuses bad options, naming the option (%#)', (options, message) => {
    expect(() => tokenUrlRewriter(options as unknown as Parameters<typeof tokenUrlRewriter>[0])).toThrow(message);
  });
});
