import { describe, expect, it } from 'vitest';
import { rewriteHlsUris, type UrlMapper } from '../src/index.ts';
import { EDGE_PREFIX, edgeUrlFor, markerMapper, recordingEdgeMapper } from './support/mappers.ts';
import { hlsUrisFromParser } from './support/parsed-urls.ts';
import { rawTextsBehindMarkers } from './support/raw-texts-behind-markers.ts';
import { fixture as readFixture } from './support/corpus.ts';

const MULTIVARIANT = 'hls/rfc8216-4.3.4.2-multivariant-with-media-groups.m3u8';
const MEDIA = 'hls/rfc8216-4.3.2.5-media-with-map-and-key.m3u8';
const STEERING = 'hls/rfc8216bis-content-steering-and-unknown-tags.m3u8';
const LOW_LATENCY = 'hls/rfc8216bis-low-latency-parts-preload-hints-and-interstitials.m3u8';
const CRLF = 'hls/rfc8216-4.1-crlf-line-endings.m3u8';
const BOM = 'hls/rfc8216-4.1-bom-passthrough.m3u8';
const ALL_FIXTURES = [MULTIVARIANT, MEDIA, STEERING, LOW_LATENCY, CRLF, BOM];

const MASTER_URL = new URL('https://origin.example/vod/demo/master.m3u8');
const MEDIA_URL = new URL('https://origin.example/vod/demo/720p/index.m3u8');

describe('rewriteHlsUris', () => {
  it('maps every URI line and URI attribute of a multivariant playlist, resolved against the playlist URL', () => {
    const { map, calls } = recordingEdgeMapper();
    const output = rewriteHlsUris(readFixture(MULTIVARIANT), MASTER_URL, map);

    expect(calls).toEqual([
      'skd://demo-key-1',
      'https://origin.example/vod/demo/audio/en/index.m3u8',
      'https://origin.example/vod/demo/audio/de/index.m3u8', // root-relative /vod/demo/...
      'https://origin.example/vod/demo/subs/en/index.m3u8', // ../demo/...
      'https://origin.example/vod/demo/360p/index.m3u8',
      'https://cdn.example.net/vod/demo/720p/index.m3u8?sig=abc&exp=1700000000', // absolute
      'https://cdn.example.net/vod/demo/1080p/index.m3u8', // scheme-relative //cdn...
      'https://origin.example/vod/demo/360p/iframes.m3u8',
    ]);
    expect(output).toContain(`URI="${EDGE_PREFIX}origin.example/vod/demo/audio/de/index.m3u8"`);
    expect(output).toContain(`\n${EDGE_PREFIX}cdn.example.net/vod/demo/1080p/index.m3u8\n`);
  });

  it('resolves relative, root-relative, parent-relative and absolute URIs of a media playlist against its own URL', () => {
    const { map, calls } = recordingEdgeMapper();
    rewriteHlsUris(readFixture(MEDIA), MEDIA_URL, map);

    expect(calls).toEqual([
      'https://origin.example/vod/demo/720p/init.mp4', // EXT-X-MAP
      'https://keys.example.com/demo/key-1?kid=1', // EXT-X-KEY, absolute
      'https://origin.example/vod/demo/720p/seg-0.m4s',
      'https://origin.example/vod/demo/720p/seg-1.m4s', // /vod/demo/720p/seg-1.m4s
      'https://origin.example/vod/demo/keys/key-2', // ../keys/key-2
      'https://origin.example/vod/demo/720p/seg-2.m4s', // ../720p/seg-2.m4s
      'https://origin.example/vod/demo/720p/ad-init.mp4',
      'https://cdn.example.net/vod/demo/720p/seg-3.m4s',
    ]);
  });

  it.each(ALL_FIXTURES)('changes nothing but the mapped URIs of %s', (fixture) => {
    const input = readFixture(fixture);
    const { map, calls } = markerMapper();
    const output = rewriteHlsUris(input, MEDIA_URL, map);

    const rawUris = rawTextsBehindMarkers(input, output);
    expect(rawUris, 'input and output differ outside the mapped URIs').toBeDefined();
    expect(rawUris).toHaveLength(calls.length);
    // Each marker replaced exactly the URI text the mapper was asked about.
    expect(rawUris?.map((raw) => new URL(raw, MEDIA_URL).href)).toEqual(calls);
  });

  it.each(ALL_FIXTURES)('yields only edge URLs when the output of %s is parsed with m3u8-parser', (fixture) => {
    const input = readFixture(fixture).replace(/^\uFEFF/, ''); // m3u8-parser, like RFC 8216 clients, rejects a BOM
    const { map } = recordingEdgeMapper();
    const output = rewriteHlsUris(input, MEDIA_URL, map);

    const expected = hlsUrisFromParser(input).map((uri) => map(new URL(uri, MEDIA_URL)) ?? uri);
    const actual = hlsUrisFromParser(output);
    expect(actual.length).toBeGreaterThan(0);
    expect(actual.toSorted()).toEqual(expected.toSorted());
    for (const uri of actual) {
      if (!uri.startsWith('skd:')) expect(uri).toMatch(new RegExp(`^${EDGE_PREFIX}`));
    }
  });

  it('leaves every URI untouched, and the playlist identical, when the mapper always returns undefined', () => {
    for (const fixture of ALL_FIXTURES) {
      const input = readFixture(fixture);
      expect(rewriteHlsUris(input, MEDIA_URL, () => undefined)).toBe(input);
    }
  });

  it('leaves exactly the URIs the mapper declines untouched, as written', () => {
    const onlyOrigin: UrlMapper = (url) => (url.host === 'origin.example' ? edgeUrlFor(url) : undefined);
    const output = rewriteHlsUris(readFixture(MULTIVARIANT), MASTER_URL, onlyOrigin);

    expect(output).toContain('\nhttps://cdn.example.net/vod/demo/720p/index.m3u8?sig=abc&exp=1700000000\n');
    expect(output).toContain('\n//cdn.example.net/vod/demo/1080p/index.m3u8\n');
    expect(output).toContain('URI="skd://demo-key-1"');
    expect(output).toContain(`\n${EDGE_PREFIX}origin.example/vod/demo/360p/index.m3u8\n`);
  });

  it('passes the unknown tag #EXT-X-VENDOR-THING:FOO="bar" and the steering SERVER-URI through byte for byte', () => {
    const { map, calls } = recordingEdgeMapper();
    const output = rewriteHlsUris(readFixture(STEERING), MASTER_URL, map);

    expect(output).toContain('\n#EXT-X-VENDOR-THING:FOO="bar"\n');
    expect(output).toContain('\n#EXT-X-CONTENT-STEERING:SERVER-URI="/steering/demo.json?session=1",PATHWAY-ID="cdn-a"\n');
    expect(output).toContain('\n#EXT-X-DEFINE:NAME="token",VALUE="abc"\n');
    expect(calls).not.toContain('https://origin.example/steering/demo.json?session=1');
  });

  it('maps an attribute named exactly URI in any tag, but not SERVER-URI, X-URI or X-ASSET-URI', () => {
    const { map } = recordingEdgeMapper();
    const steering = rewriteHlsUris(readFixture(STEERING), MASTER_URL, map);
    expect(steering).toContain(
      `#EXT-X-VENDOR-ASSET:URI="${EDGE_PREFIX}origin.example/vod/demo/vendor/asset.bin",SERVER-URI="vendor-server.json",X-URI="x.bin"\n`,
    );
    expect(steering).toContain(`#EXT-X-SESSION-DATA:DATA-ID="com.example.lyrics",URI="${EDGE_PREFIX}origin.example/vod/demo/lyrics.json"`);

    const lowLatency = rewriteHlsUris(readFixture(LOW_LATENCY), MEDIA_URL, map);
    expect(lowLatency).toContain('X-ASSET-URI="https://ads.example.com/ad-1/index.m3u8"');
  });

  it('rewrites EXT-X-PART, EXT-X-PRELOAD-HINT and EXT-X-RENDITION-REPORT URIs of a low-latency playlist', () => {
    const { map } = recordingEdgeMapper();
    const output = rewriteHlsUris(readFixture(LOW_LATENCY), MEDIA_URL, map);

    expect(output).toContain(`#EXT-X-PART:DURATION=1.00000,INDEPENDENT=YES,URI="${EDGE_PREFIX}origin.example/vod/demo/720p/filePart267.0.mp4"\n`);
    expect(output).toContain(`URI="${EDGE_PREFIX}origin.example/live/demo/filePart267.2.mp4",BYTERANGE=20000@0\n`);
    expect(output).toContain(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${EDGE_PREFIX}origin.example/vod/demo/720p/filePart267.3.mp4"\n`);
    expect(output).toContain(`#EXT-X-RENDITION-REPORT:URI="${EDGE_PREFIX}origin.example/vod/demo/1M/waitForMSN.php",LAST-MSN=266`);
    expect(output).toContain(`#EXT-X-RENDITION-REPORT:URI="${EDGE_PREFIX}cdn.example.net/live/4M/waitForMSN.php",LAST-MSN=266`);
  });

  it('does not mistake an EXTINF title or a comment that reads URI="..." for a URI', () => {
    const { map, calls } = recordingEdgeMapper();
    const media = rewriteHlsUris(readFixture(MEDIA), MEDIA_URL, map);
    const multivariant = rewriteHlsUris(readFixture(MULTIVARIANT), MASTER_URL, map);

    expect(media).toContain('\n#EXTINF:4.000,URI="not-a-uri-but-a-title"\n');
    expect(multivariant).toContain('\n# A comment that looks like a tag attribute must stay: URI="comment.m3u8"\n');
    expect(calls.some((url) => url.includes('not-a-uri') || url.includes('comment.m3u8'))).toBe(false);
  });

  it('keeps CRLF line endings, the blank line and the blanks around a URI line', () => {
    const input = readFixture(CRLF);
    const { map } = recordingEdgeMapper();
    const output = rewriteHlsUris(input, MEDIA_URL, map);

    expect(output.match(/\r\n/g)).toHaveLength(input.match(/\r\n/g)?.length ?? -1);
    expect(output).not.toMatch(/[^\r]\n/);
    expect(output).toContain(`\r\n\r\n#EXTINF:6.000,\r\n${EDGE_PREFIX}origin.example/vod/demo/720p/segment0.ts\r\n`);
    expect(output).toContain(`\r\n ${EDGE_PREFIX}origin.example/vod/demo/720p/segment1.ts\t\r\n`);
    expect(output).toContain(`#EXT-X-KEY:METHOD=AES-128,URI="${EDGE_PREFIX}origin.example/vod/demo/720p/key.bin"\r\n`);
    expect(output.endsWith('#EXT-X-ENDLIST\r\n')).toBe(true);
  });

  it('passes a byte order mark through and rewrites a last URI line that has no terminator', () => {
    const input = readFixture(BOM);
    expect(input.startsWith('\uFEFF#EXTM3U\n')).toBe(true);
    const { map } = recordingEdgeMapper();
    const output = rewriteHlsUris(input, MEDIA_URL, map);

    expect(output.startsWith('\uFEFF#EXTM3U\n')).toBe(true);
    expect(output).toContain(`\n${EDGE_PREFIX}origin.example/vod/demo/720p/segment1.ts\n#EXT-X-ENDLIST`);
    expect(output.endsWith('#EXT-X-ENDLIST')).toBe(true);
  });

  it('maps the URI of a playlist whose last line is a URI without a newline', () => {
    const { map } = recordingEdgeMapper();
    const output = rewriteHlsUris('#EXTM3U\n#EXTINF:4,\nlast.ts', MEDIA_URL, map);
    expect(output).toBe(`#EXTM3U\n#EXTINF:4,\n${EDGE_PREFIX}origin.example/vod/demo/720p/last.ts`);
  });

  it('refuses a mapper result that would break out of its quoted-string or its line', () => {
    const playlist = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\nseg.ts\n';
    expect(() => rewriteHlsUris(playlist, MEDIA_URL, () => 'https://edge.example/"x')).toThrow(TypeError);
    expect(() => rewriteHlsUris(playlist, MEDIA_URL, () => 'https://edge.example/\n#EXT-X-ENDLIST')).toThrow(TypeError);
  });
});
