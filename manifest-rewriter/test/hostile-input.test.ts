import { describe, expect, it } from 'vitest';
import {
  ManifestError,
  personalizeDash,
  personalizeHls,
  tokenUrlRewriter,
  type ManifestErrorReason,
  type PersonalizeOptions,
} from '../src/index.ts';
import { corpus, dashFixtures, hlsFixtures } from './support/corpus.ts';
import { mutate, random } from './support/mutate.ts';

const HLS_URL = new URL('https://shield.internal/vod/demo/master.m3u8');
const MPD_URL = new URL('https://shield.internal/vod/demo/manifest.mpd');
const urls = tokenUrlRewriter({ upstreamPrefix: 'https://shield.internal/', publicPrefix: 'https://edge.example/m/{token}/', token: 't0k', placement: 'path' });
const everything: PersonalizeOptions = {
  filter: { maxHeight: 1080, allowedCodecs: ['avc1', 'mp4a', 'ec-3'], hdr: false },
  surgeCap: 5_000_000,
  languages: { audio: ['fr', 'en'], subtitles: ['en'] },
  urls,
  steering: { serverUri: '/v1/steering/s.json', defaultPathway: 'edge' },
};

function reasonOf(run: () => unknown): ManifestErrorReason | 'no error' {
  try {
    run();
    return 'no error';
  } catch (error) {
    if (error instanceof ManifestError) return error.reason;
    throw error;
  }
}

const LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE MPD [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><BaseURL>&lol9;</BaseURL><Period/></MPD>`;

describe('hostile MPDs', () => {
  it('refuses billion laughs (entity declarations in a DOCTYPE) without expanding anything', () => {
    expect(reasonOf(() => personalizeDash(LAUGHS, MPD_URL, everything))).toBe('forbidden-xml');
  });

  it('refuses external entities and never resolves them', () => {
    const xxe = '<!DOCTYPE MPD [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><BaseURL>&xxe;</BaseURL></MPD>';
    expect(reasonOf(() => personalizeDash(xxe, MPD_URL, { urls }))).toBe('forbidden-xml');
    const parameterEntity = '<!DOCTYPE MPD SYSTEM "https://attacker.example/evil.dtd"><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"/>';
    expect(reasonOf(() => personalizeDash(parameterEntity, MPD_URL))).toBe('forbidden-xml');
  });

  it('refuses a DOCTYPE smuggled inside the MPD element', () => {
    expect(reasonOf(() => personalizeDash('<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><!DOCTYPE x [<!ENTITY a "b">]></MPD>', MPD_URL))).toBe('forbidden-xml');
  });

  it('refuses a DOCTYPE hidden inside a SegmentTimeline, which the scan otherwise skips over', () => {
    const mpd = '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><AdaptationSet><SegmentTemplate media="$Number$.m4s"><SegmentTimeline><S d="1"/><!DOCTYPE x [<!ENTITY a "b">]><S d="1"/></SegmentTimeline></SegmentTemplate></AdaptationSet></Period></MPD>';
    expect(reasonOf(() => personalizeDash(mpd, MPD_URL, { urls }))).toBe('forbidden-xml');
  });

  it('scans a SegmentTimeline holding anything but S elements instead of skipping it', () => {
    const mpd = '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><SegmentTemplate media="$Number$.m4s"><SegmentTimeline><S d="1"/><BaseURL>https://shield.internal/vod/demo/x/</BaseURL></SegmentTimeline></SegmentTemplate></Period></MPD>';
    expect(personalizeDash(mpd, MPD_URL, { urls })).toContain('<BaseURL>https://edge.example/m/t0k/vod/demo/x/</BaseURL>');
  });

  it('still checks nesting around a skipped SegmentTimeline', () => {
    const unclosed = '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><SegmentTemplate><SegmentTimeline><S d="1"/></SegmentTimelin></SegmentTemplate></Period></MPD>';
    expect(reasonOf(() => personalizeDash(unclosed, MPD_URL, { urls }))).toBe('malformed-xml');
    const swapped = '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><SegmentTemplate><SegmentTimeline><S d="1"/></SegmentTemplate></SegmentTimeline></Period></MPD>';
    expect(reasonOf(() => personalizeDash(swapped, MPD_URL, { urls }))).toBe('malformed-xml');
  });

  it('filters video whose AdaptationSet declares no content type', () => {
    const mpd = '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><AdaptationSet><Representation id="uhd" bandwidth="9000000" width="3840" height="2160"/><Representation id="sd" bandwidth="900000" width="640" height="360"/></AdaptationSet></Period></MPD>';
    expect(personalizeDash(mpd, MPD_URL, { filter: { maxHeight: 720 } })).not.toContain('uhd');
  });

  it('leaves an undeclared entity reference as written instead of guessing', () => {
    const mpd = '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><BaseURL>https://cdn.example/&ext;/</BaseURL><Period/></MPD>';
    expect(personalizeDash(mpd, MPD_URL, { urls })).toBe(mpd);
  });

  it('refuses elements nested 100,000 deep with malformed-xml, before recursing', () => {
    const deep = `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">${'<Period>'.repeat(100_000)}${'</Period>'.repeat(100_000)}</MPD>`;
    expect(reasonOf(() => personalizeDash(deep, MPD_URL, everything))).toBe('malformed-xml');
  });

  it('handles an MPD with 20,000 Representations, half of them filtered, in linear time', () => {
    const representations = Array.from({ length: 20_000 }, (_, i) => `<Representation id="r${i}" bandwidth="${1000 + i}" height="${i % 2 === 0 ? 2160 : 360}"><BaseURL>r${i}.mp4</BaseURL></Representation>`).join('\n');
    const mpd = `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><Period><AdaptationSet contentType="video">\n${representations}\n</AdaptationSet></Period></MPD>`;
    const output = personalizeDash(mpd, MPD_URL, { filter: { maxHeight: 1080 }, urls });
    expect(output.match(/<Representation /g)).toHaveLength(10_000);
  });
});

describe('hostile HLS playlists', () => {
  it('refuses a body without #EXTM3U', () => {
    expect(reasonOf(() => personalizeHls('#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n', HLS_URL, everything))).toBe('not-a-playlist');
  });

  it('passes tags with garbage attribute lists through untouched', () => {
    const playlist = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4,BYTERANGE=\n#EXT-X-KEY:METHOD==,URI=unquoted\n#EXT-X-VENDOR:,,,"\n#EXTINF:4,\nseg.m4s\n';
    const output = personalizeHls(playlist, HLS_URL, everything);
    expect(output.replace('https://edge.example/m/t0k/vod/demo/seg.m4s', 'seg.m4s')).toBe(playlist);
  });

  it('refuses a variant whose URI line is missing with malformed-playlist', () => {
    expect(reasonOf(() => personalizeHls('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n#EXT-X-ENDLIST\n', HLS_URL, { filter: { maxHeight: 720 } }))).toBe('malformed-playlist');
  });

  it('refuses a playlist with both segments and variants rather than serving it unfiltered', () => {
    const mixed = '#EXTM3U\n#EXTINF:4,\nseg.m4s\n#EXT-X-STREAM-INF:BANDWIDTH=9000000,RESOLUTION=3840x2160\n4k.m3u8\n';
    expect(reasonOf(() => personalizeHls(mixed, HLS_URL, { filter: { maxHeight: 720 }, urls }))).toBe('malformed-playlist');
    expect(reasonOf(() => personalizeHls(mixed, HLS_URL, { filter: { maxHeight: 720 } }))).toBe('malformed-playlist');
  });

  it('still filters a multivariant playlist whose comment mentions #EXTINF:', () => {
    const playlist = '#EXTM3U\n# see #EXTINF: in the media playlists\n#EXT-X-STREAM-INF:BANDWIDTH=9000000,RESOLUTION=3840x2160\n4k.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\nsd.m3u8\n';
    expect(personalizeHls(playlist, HLS_URL, { filter: { maxHeight: 720 } })).not.toContain('4k.m3u8');
  });

  it('refuses 10 MB of junk as too-large under the default limit, and scans it linearly under a raised one', () => {
    const next = random(10);
    const bytes = new Uint8Array(10 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 64 === 63 ? 10 : 33 + Math.floor(next() * 94);
    bytes.set(new TextEncoder().encode('#EXTM3U\n'));
    for (let i = 64; i < bytes.length - 4; i += 128) bytes.set([35, 69, 88, 84], i); // every other line a "#EXT" tag
    const junk = new TextDecoder().decode(bytes);
    expect(reasonOf(() => personalizeHls(junk, HLS_URL, everything))).toBe('too-large');
    const reason = reasonOf(() => personalizeHls(junk, HLS_URL, { ...everything, maxBytes: 16 * 1024 * 1024 }));
    expect(['no error', 'invalid-url', 'malformed-playlist']).toContain(reason);
  });

  it('stays linear on 200,000 tag lines that mention URI but have no colon', () => {
    const playlist = `#EXTM3U\n${'#EXT-X-URI-ONLY\n'.repeat(200_000)}seg.m4s\n`;
    expect(personalizeHls(playlist, HLS_URL, everything).endsWith('https://edge.example/m/t0k/vod/demo/seg.m4s\n')).toBe(true);
  });

  it('filters a ladder of 100,000 variants without overflowing the stack', () => {
    const variants = Array.from({ length: 100_000 }, (_, i) => `#EXT-X-STREAM-INF:BANDWIDTH=${1000 + i},RESOLUTION=640x${i % 2 === 0 ? 2160 : 360}\nv${i}.m3u8`).join('\n');
    const output = personalizeHls(`#EXTM3U\n${variants}\n`, HLS_URL, { ...everything, surgeCap: undefined });
    expect(output.match(/#EXT-X-STREAM-INF/g)).toHaveLength(50_000);
  });
});

describe('fuzzing', () => {
  const ITERATIONS = 12_000;
  const KNOWN: readonly string[] = ['not-a-playlist', 'not-an-mpd', 'too-large', 'malformed-xml', 'invalid-url', 'malformed-playlist', 'empty-ladder', 'forbidden-xml'];
  const optionSets: PersonalizeOptions[] = [{}, { urls }, everything, { filter: { maxHeight: 540 }, surgeCap: 900_000, urls }, { languages: { audio: ['en'] }, steering: { serverUri: 'https://s.example/x' } }];

  it(`gives ${ITERATIONS} mutated corpus manifests a result or a typed ManifestError, never anything else`, () => {
    const next = random(0x5eed);
    const names = [...hlsFixtures, ...dashFixtures];
    const outcomes = new Map<string, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const name = names[i % names.length]!;
      const input = mutate(corpus[name]!, next);
      const options = optionSets[Math.floor(next() * optionSets.length)]!;
      const run = name.endsWith('.mpd') ? () => personalizeDash(input, MPD_URL, options) : () => personalizeHls(input, HLS_URL, options);
      let outcome: string;
      try {
        const output = run();
        expect(typeof output).toBe('string');
        outcome = 'ok';
      } catch (error) {
        if (!(error instanceof ManifestError) || !KNOWN.includes(error.reason)) {
          throw new Error(`fuzz case ${i} (${name}) threw ${String(error)}\n--- input ---\n${input}`);
        }
        outcome = error.reason;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // The mutations must exercise both paths: plenty of successes and plenty of refusals.
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(ITERATIONS / 10);
    expect(ITERATIONS - (outcomes.get('ok') ?? 0)).toBeGreaterThan(ITERATIONS / 20);
  });
});
