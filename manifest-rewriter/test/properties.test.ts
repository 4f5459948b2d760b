import fc from 'fast-check';
import { parse as parseWithHlsParser } from 'hls-parser';
import { Parser } from 'm3u8-parser';
import { describe, expect, it } from 'vitest';
import { personalizeDash, personalizeHls, tokenUrlRewriter } from '../src/index.ts';
import { resolveHref } from '../src/url/resolve-fast.ts';
import { resolvedBase } from '../src/url/url-rewriter.ts';
import { parseDash, parseXml } from './support/dash-structure.ts';
import { parseMultivariantWithM3u8Parser } from './support/hls-structure.ts';

const UPSTREAM = 'https://shield.internal/vod/demo/';
const queryTokens = tokenUrlRewriter({ upstreamPrefix: UPSTREAM, publicPrefix: 'https://cdn.example/v/', token: 'tok', placement: 'query' });
const pathTokens = tokenUrlRewriter({ upstreamPrefix: UPSTREAM, publicPrefix: 'https://edge.example/m/{token}/v/', token: 'tok', placement: 'path' });

describe('URL resolution fast path', () => {
  it('resolves every reference exactly as WHATWG URL does', () => {
    const alphabet = fc.constantFrom(...'aZ09-_.~/?#%:@!$&()*+,;= \t"<>{}\\|^`[]é'.split(''), '..', './', '%2e', '%2E', '//');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }).map((parts) => parts.join('')), fc.constantFrom('https://h.example/a/b/c.m3u8', 'https://h.example/', 'http://h.example:8080/x/y?q=1#f', 'https://h.example/a%20b/'), (reference, base) => {
        let expected: string | undefined;
        try {
          expected = new URL(reference, base).href;
        } catch {
          expected = undefined;
        }
        if (expected === undefined) expect(() => resolveHref(reference, resolvedBase(new URL(base)))).toThrow();
        else expect(resolveHref(reference, resolvedBase(new URL(base)))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

const segmentName = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}\.(m4s|ts|mp4)$/);
const segment = fc.record({
  duration: fc.integer({ min: 1, max: 10_000 }).map((ms) => ms / 1000),
  uri: fc.oneof(segmentName, segmentName.map((n) => `../other/${n}`), segmentName.map((n) => `/vod/demo/abs/${n}`), segmentName.map((n) => `https://elsewhere.example/${n}`), segmentName.map((n) => `${n}?v=2`)),
  discontinuity: fc.boolean(),
  key: fc.option(fc.constantFrom('keys/k1', 'https://keys.example/k2', 'skd://k3'), { nil: undefined }),
  byterange: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
});

interface GeneratedSegment {
  duration: number;
  uri: string;
  discontinuity: boolean;
  key: string | undefined;
  byterange: number | undefined;
}

function mediaPlaylist(segments: readonly GeneratedSegment[], crlf: boolean): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:10', '#EXT-X-MEDIA-SEQUENCE:7', '#EXT-X-MAP:URI="init.mp4"'];
  for (const s of segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.key !== undefined) lines.push(`#EXT-X-KEY:METHOD=AES-128,URI="${s.key}",IV=0x0000000000000000000000000000000A`);
    lines.push(`#EXTINF:${s.duration.toFixed(3)},`);
    if (s.byterange !== undefined) lines.push(`#EXT-X-BYTERANGE:${s.byterange}@0`);
    lines.push(s.uri);
  }
  lines.push('#EXT-X-ENDLIST');
  return lines.join(crlf ? '\r\n' : '\n') + (crlf ? '\r\n' : '\n');
}

function m3u8Segments(text: string): { uri: string; duration: number; key?: { uri: string } }[] {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return (parser.manifest as { segments: { uri: string; duration: number; key?: { uri: string } }[] }).segments;
}

function expectedTokenUrl(reference: string, playlistUrl: string, placement: 'query' | 'path'): string {
  const absolute = new URL(reference, playlistUrl).href;
  if (!absolute.startsWith(UPSTREAM)) return reference;
  const rest = absolute.slice(UPSTREAM.length);
  if (placement === 'path') return `https://edge.example/m/tok/v/${rest}`;
  return `https://cdn.example/v/${rest}${rest.includes('?') ? '&' : '?'}token=tok`;
}

describe('HLS media playlists under transform chains', () => {
  it('keep every segment, duration and key, with every in-scope URL carrying the token (m3u8-parser and hls-parser agree)', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 40 }), fc.boolean(), fc.constantFrom('query' as const, 'path' as const), (segments, crlf, placement) => {
        const input = mediaPlaylist(segments, crlf);
        const url = `${UPSTREAM}720p/index.m3u8`;
        expect(personalizeHls(input, new URL(url))).toBe(input);
        const output = personalizeHls(input, new URL(url), { urls: placement === 'query' ? queryTokens : pathTokens, filter: { maxHeight: 720 }, languages: { audio: ['en'] } });
        const before = m3u8Segments(input);
        const after = m3u8Segments(output);
        expect(after.map((s) => s.duration)).toEqual(before.map((s) => s.duration));
        expect(after.map((s) => s.uri)).toEqual(before.map((s) => expectedTokenUrl(s.uri, url, placement)));
        expect(after.map((s) => s.key?.uri)).toEqual(before.map((s) => (s.key ? expectedTokenUrl(s.key.uri, url, placement) : undefined)));
        const reparsed = parseWithHlsParser(output) as { segments: unknown[] };
        expect(reparsed.segments).toHaveLength(segments.length);
      }),
      { numRuns: 150 },
    );
  });
});

const variant = fc.record({
  height: fc.constantFrom(234, 360, 540, 720, 1080, 2160),
  bandwidth: fc.integer({ min: 100_000, max: 20_000_000 }),
  video: fc.constantFrom('avc1.640028', 'hvc1.2.4.L150.B0', 'av01.0.08M.10'),
  range: fc.constantFrom('SDR', 'PQ', 'HLG'),
  audio: fc.constantFrom('aac', 'ec3'),
});
const rendition = fc.record({ group: fc.constantFrom('aac', 'ec3'), language: fc.constantFrom('en', 'fr', 'de', 'hi') });

describe('HLS multivariant playlists under transform chains', () => {
  it('keep exactly the variants the filter and surge cap allow, consistent groups, and one default per preferred language', () => {
    fc.assert(
      fc.property(
        fc.array(variant, { minLength: 1, maxLength: 12 }),
        fc.uniqueArray(rendition, { selector: (r) => `${r.group}/${r.language}`, minLength: 1, maxLength: 8 }),
        fc.record({ maxHeight: fc.constantFrom(360, 720, 1080, 4320), hdr: fc.boolean(), avcOnly: fc.boolean() }),
        fc.option(fc.integer({ min: 50_000, max: 20_000_000 }), { nil: undefined }),
        fc.constantFrom('fr', 'de', 'pt'),
        (variants, renditions, limits, surgeCap, language) => {
          const lines = ['#EXTM3U', '#EXT-X-INDEPENDENT-SEGMENTS'];
          renditions.forEach((r, i) => lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${r.group}",LANGUAGE="${r.language}",NAME="${r.language}-${i}",DEFAULT=${i === 0 ? 'YES' : 'NO'},AUTOSELECT=YES,URI="audio/${r.group}/${r.language}.m3u8"`));
          variants.forEach((v, i) => {
            lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${v.bandwidth},CODECS="${v.video},mp4a.40.2",RESOLUTION=${Math.round((v.height * 16) / 9)}x${v.height},VIDEO-RANGE=${v.range},AUDIO="${v.audio}"`, `v${i}/index.m3u8`);
          });
          const input = `${lines.join('\n')}\n`;
          const filter = { maxHeight: limits.maxHeight, hdr: limits.hdr, ...(limits.avcOnly ? { allowedCodecs: ['avc1', 'mp4a'] } : {}) };
          const allowed = variants.map((v, i) => ({ ...v, uri: `v${i}/index.m3u8` })).filter((v) => v.height <= limits.maxHeight && (limits.hdr || v.range === 'SDR') && (!limits.avcOnly || v.video.startsWith('avc1')));
          const run = () => personalizeHls(input, new URL(`${UPSTREAM}master.m3u8`), { filter, surgeCap, languages: { audio: [language] }, urls: pathTokens });
          if (allowed.length === 0) {
            expect(run).toThrow(expect.objectContaining({ reason: 'empty-ladder' }));
            return;
          }
          let expected = surgeCap === undefined ? allowed : allowed.filter((v) => v.bandwidth <= surgeCap);
          if (expected.length === 0) expected = [allowed.reduce((a, b) => (b.bandwidth < a.bandwidth ? b : a))];
          const output = run();
          const parsed = parseMultivariantWithM3u8Parser(output);
          expect(parsed.variants.map((v) => v.uri)).toEqual(expected.map((v) => `https://edge.example/m/tok/v/${v.uri}`));
          // Every group a kept variant names still exists, and no group is left that only dropped variants named.
          const groupsUsed = new Set<string>(expected.map((v) => v.audio));
          const groupsEverUsed = new Set<string>(variants.map((v) => v.audio));
          const groupsLeft = new Set(Object.keys(parsed.mediaGroups.AUDIO ?? {}));
          for (const group of groupsUsed) if (renditions.some((r) => r.group === group)) expect(groupsLeft.has(group)).toBe(true);
          // A group no variant ever named is the origin's business and stays.
          for (const group of groupsLeft) expect(groupsUsed.has(group) || !groupsEverUsed.has(group)).toBe(true);
          for (const [group, members] of Object.entries(parsed.mediaGroups.AUDIO ?? {})) {
            const defaults = Object.values(members).filter((m) => m.default);
            if (renditions.some((r) => r.group === group && r.language === language)) {
              expect(defaults.map((m) => m.language)).toEqual([language]);
            }
          }
          expect((parseWithHlsParser(output) as { variants: unknown[] }).variants).toHaveLength(expected.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('DASH MPDs under transform chains', () => {
  it('keep exactly the allowed Representations per Period, every segment, and only token URLs (mpd-parser agrees)', () => {
    const representation = fc.record({ height: fc.constantFrom(360, 540, 720, 1080, 2160), bandwidth: fc.integer({ min: 200_000, max: 15_000_000 }) });
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(representation, { selector: (r) => r.height, minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }), fc.constantFrom(540, 1080, 4320), fc.constantFrom('query' as const, 'path' as const), (periods, maxHeight, placement) => {
        const mpd = `<?xml version="1.0"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT${periods.length * 8}S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
${periods
  .map(
    (reps, p) => `  <Period id="p${p}" duration="PT8S">
    <AdaptationSet contentType="video" mimeType="video/mp4" codecs="avc1.640028">
      <SegmentTemplate timescale="1000" initialization="$RepresentationID$/init.mp4" media="$RepresentationID$/$Number$.m4s" startNumber="1">
        <SegmentTimeline><S t="0" d="2000" r="3"/></SegmentTimeline>
      </SegmentTemplate>
${reps.map((r) => `      <Representation id="p${p}v${r.height}" bandwidth="${r.bandwidth}" width="${Math.round((r.height * 16) / 9)}" height="${r.height}"/>`).join('\n')}
    </AdaptationSet>
  </Period>`,
  )
  .join('\n')}
</MPD>
`;
        const url = `${UPSTREAM}manifest.mpd`;
        expect(personalizeDash(mpd, new URL(url))).toBe(mpd);
        const run = () => personalizeDash(mpd, new URL(url), { filter: { maxHeight }, urls: placement === 'query' ? queryTokens : pathTokens });
        if (periods.some((reps) => reps.every((r) => r.height > maxHeight))) {
          expect(run).toThrow(expect.objectContaining({ reason: 'empty-ladder' }));
          return;
        }
        const output = run();
        parseXml(output);
        const playlists = parseDash(output, url).playlists;
        const expectedHeights = [...new Set(periods.flatMap((reps) => reps.filter((r) => r.height <= maxHeight).map((r) => r.height)))].sort((a, b) => a - b);
        expect([...new Set(playlists.map((p) => p.height))].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(expectedHeights);
        for (const playlist of playlists) {
          expect(playlist.segmentUrls.length).toBeGreaterThan(0);
          for (const segmentUrl of playlist.segmentUrls) {
            expect(segmentUrl).toMatch(placement === 'query' ? /^https:\/\/cdn\.example\/v\/p\dv\d+\/(init\.mp4|\d+\.m4s)\?token=tok$/ : /^https:\/\/edge\.example\/m\/tok\/v\/p\dv\d+\/(init\.mp4|\d+\.m4s)$/);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
