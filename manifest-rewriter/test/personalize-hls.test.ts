import { describe, expect, it } from 'vitest';
import { ManifestError, personalizeHls, rewriteHlsUris, tokenUrlRewriter, type PersonalizeOptions } from '../src/index.ts';
import { fixture, hlsFixtures } from './support/corpus.ts';
import { parseMultivariantWithM3u8Parser, urisFromHlsParser } from './support/hls-structure.ts';

const ADVANCED = 'hls/apple-hls-authoring-advanced-multivariant-hevc-hdr.m3u8';
const MULTIVARIANT_URL = new URL('https://shield.internal/vod/demo/master.m3u8');
const MEDIA_URL = new URL('https://shield.internal/vod/demo/720p/index.m3u8');
const pathTokens = tokenUrlRewriter({
  upstreamPrefix: 'https://shield.internal/vod/demo/',
  publicPrefix: 'https://edge.example/v1/media/{token}/vod/demo/',
  token: 'SESSION.tok',
  placement: 'path',
});
const queryTokens = tokenUrlRewriter({
  upstreamPrefix: 'https://shield.internal/',
  publicPrefix: 'https://cdn-b.example/',
  token: 'SESSION.tok',
  placement: 'query',
});

function personalizeAdvanced(options: PersonalizeOptions): ReturnType<typeof parseMultivariantWithM3u8Parser> {
  return parseMultivariantWithM3u8Parser(personalizeHls(fixture(ADVANCED), MULTIVARIANT_URL, options));
}

describe('personalizeHls round trip', () => {
  it.each(hlsFixtures)('returns %s byte for byte when no transform is asked for', (name) => {
    const input = fixture(name);
    expect(personalizeHls(input, MEDIA_URL)).toBe(input);
    expect(personalizeHls(input, MEDIA_URL, { languages: { audio: ['xx'] }, urls: { rewrite: () => undefined } })).toBe(input);
    expect(rewriteHlsUris(input, MEDIA_URL, () => undefined)).toBe(input);
  });

  it.each(hlsFixtures)('rewrites every URI hls-parser finds in %s, with the token in the query', (name) => {
    const input = fixture(name);
    const output = personalizeHls(input, MEDIA_URL, { urls: queryTokens });
    const before = urisFromHlsParser(input);
    const after = urisFromHlsParser(output);
    expect(after).toHaveLength(before.length);
    after.forEach((uri, i) => {
      const original = before[i]!;
      const absolute = new URL(original, MEDIA_URL);
      if (original === '' || original.includes('{$') || absolute.origin !== 'https://shield.internal') expect(uri).toBe(original);
      else expect(uri).toBe(`https://cdn-b.example${absolute.pathname}${absolute.search === '' ? '?' : `${absolute.search}&`}token=SESSION.tok`);
    });
  });
});

describe('personalizeHls rendition filter', () => {
  it('drops variants taller than maxHeight, their I-frame playlists and the audio group only they used', () => {
    const output = personalizeHls(fixture(ADVANCED), MULTIVARIANT_URL, { filter: { maxHeight: 1080 } });
    const parsed = parseMultivariantWithM3u8Parser(output);
    expect(parsed.variants.map((v) => v.height)).toEqual([540, 1080, 1080, 360, 540, 1080, 1080, 1080]);
    expect(output).not.toContain('h9/');
    expect(output).not.toContain('d9/');
    expect(Object.keys(parsed.mediaGroups.AUDIO ?? {})).toEqual(['aud1', 'aud2']);
    expect(output.match(/EXT-X-I-FRAME-STREAM-INF/g)).toHaveLength(3);
  });

  it('keeps only allowed codecs and drops the I-frame playlist of a codec no variant keeps', () => {
    const parsed = personalizeAdvanced({ filter: { allowedCodecs: ['avc1', 'mp4a'] } });
    expect(parsed.variants.map((v) => v.uri)).toEqual(['v5/prog_index.m3u8', 'v9/prog_index.m3u8', 'v8/prog_index.m3u8', 'v3/prog_index.m3u8']);
    expect(Object.keys(parsed.mediaGroups.AUDIO ?? {})).toEqual(['aud1']);
    expect(personalizeHls(fixture(ADVANCED), MULTIVARIANT_URL, { filter: { allowedCodecs: ['avc1', 'mp4a'] } })).not.toContain('hvc1');
  });

  it('drops PQ, HLG and Dolby Vision variants when the device has no HDR', () => {
    const parsed = personalizeAdvanced({ filter: { hdr: false } });
    expect(parsed.variants.map((v) => v.uri)).not.toContain('h9/prog_index.m3u8');
    expect(parsed.variants.map((v) => v.uri)).not.toContain('d9/prog_index.m3u8');
    expect(parsed.variants).toHaveLength(8);
  });

  it('drops variants above maxBandwidth', () => {
    const parsed = personalizeAdvanced({ filter: { maxBandwidth: 3_000_000 } });
    expect(parsed.variants.every((v) => v.bandwidth <= 3_000_000)).toBe(true);
    expect(parsed.variants).toHaveLength(3);
  });

  it('refuses with empty-ladder when the entitlement filter leaves no variant', () => {
    const call = () => personalizeHls(fixture(ADVANCED), MULTIVARIANT_URL, { filter: { maxHeight: 240 } });
    expect(call).toThrow(ManifestError);
    expect(call).toThrow(expect.objectContaining({ reason: 'empty-ladder' }));
  });

  it('refuses a filter option that is not a positive integer, naming it', () => {
    expect(() => personalizeHls(fixture(ADVANCED), MULTIVARIANT_URL, { filter: { maxHeight: -1 } })).toThrow(/options\.filter\.maxHeight/);
    expect(() => personalizeHls(fixture(ADVANCED), MULTIVARIANT_URL, { surgeCap: 1.5 })).toThrow(/options\.surgeCap/);
  });
});

describe('personalizeHls surge cap', () => {
  it('caps the ladder at the operator ceiling', () => {
    const parsed = personalizeAdvanced({ surgeCap: 2_200_000 });
    expect(parsed.variants.map((v) => v.bandwidth)).toEqual([2177116, 1056420]);
  });

  it('keeps the lowest variant rather than breaking playback when the ceiling is below every variant', () => {
    const parsed = personalizeAdvanced({ surgeCap: 1000 });
    expect(parsed.variants.map((v) => v.uri)).toEqual(['v3/prog_index.m3u8']);
    expect(Object.keys(parsed.mediaGroups.AUDIO ?? {})).toEqual(['aud1']);
  });
});

describe('personalizeHls language ordering', () => {
  it("makes the viewer's audio and subtitle languages the defaults of every group", () => {
    const parsed = personalizeAdvanced({ languages: { audio: ['fr'], subtitles: ['fr'] } });
    for (const group of ['aud1', 'aud2']) {
      expect(parsed.mediaGroups.AUDIO?.[group]?.['Français']).toMatchObject({ default: true, autoselect: true });
      expect(parsed.mediaGroups.AUDIO?.[group]?.English).toMatchObject({ default: false });
    }
    // aud3 has no French: unchanged.
    expect(parsed.mediaGroups.AUDIO?.aud3?.English).toMatchObject({ default: true });
    // "fr" matches fr-CA by primary language.
    expect(parsed.mediaGroups.SUBTITLES?.sub1?.['Français']).toMatchObject({ default: true, autoselect: true });
    expect(parsed.mediaGroups.SUBTITLES?.sub1?.English).toMatchObject({ default: false });
  });

  it('never picks a FORCED=YES subtitle rendition and honours preference order', () => {
    const parsed = personalizeAdvanced({ subtitles: undefined, languages: { subtitles: ['de', 'en'] } } as PersonalizeOptions);
    expect(parsed.mediaGroups.SUBTITLES?.sub1?.English).toMatchObject({ default: true });
    expect(parsed.mediaGroups.SUBTITLES?.sub1?.['English (forced)']).toMatchObject({ default: false });
  });
});

describe('personalizeHls URL rewriting', () => {
  it('puts the session token in the path of every media URL under the upstream scope', () => {
    const output = personalizeHls(fixture(ADVANCED), MULTIVARIANT_URL, { urls: pathTokens });
    const uris = urisFromHlsParser(output);
    expect(uris.length).toBeGreaterThan(20);
    for (const uri of uris) expect(uri).toMatch(/^https:\/\/edge\.example\/v1\/media\/SESSION\.tok\/vod\/demo\/[a-z0-9/-]+\/(prog|iframe)_index\.m3u8$/);
    // The steering server is not a media URL.
    expect(output).toContain('SERVER-URI="https://steering.example.com/manifest.json"');
  });

  it('leaves references using EXT-X-DEFINE variables as written', () => {
    const input = fixture('hls/rfc8216bis-4.4.2.3-define-variables-left-unexpanded.m3u8');
    const output = personalizeHls(input, MULTIVARIANT_URL, { urls: pathTokens });
    expect(output).toContain('\n{$cdn}/vod/demo/360p/index.m3u8?session={$session}\n');
    expect(output).toContain('\nhttps://edge.example/v1/media/SESSION.tok/vod/demo/720p/index.m3u8\n');
  });
});

describe('personalizeHls content steering', () => {
  it('replaces an existing EXT-X-CONTENT-STEERING tag in place', () => {
    const output = personalizeHls(fixture(ADVANCED), MULTIVARIANT_URL, { steering: { serverUri: '/v1/steering/s1.json', defaultPathway: 'edge-b' } });
    expect(output.split('\n')[3]).toBe('#EXT-X-CONTENT-STEERING:SERVER-URI="/v1/steering/s1.json",PATHWAY-ID="edge-b"');
    expect(output.match(/EXT-X-CONTENT-STEERING/g)).toHaveLength(1);
  });

  it('adds the tag right after #EXTM3U when there is none, keeping CRLF line endings', () => {
    const input = fixture('hls/rfc8216-4.1-crlf-line-endings.m3u8');
    const output = personalizeHls(input, MULTIVARIANT_URL, { steering: { serverUri: 'https://edge.example/steer' } });
    if (input.includes('#EXT-X-STREAM-INF')) {
      expect(output.startsWith('#EXTM3U\r\n#EXT-X-CONTENT-STEERING:SERVER-URI="https://edge.example/steer"\r\n')).toBe(true);
    } else {
      expect(output).toBe(input);
    }
  });

  it('refuses a server URI that would break out of its quoted-string', () => {
    expect(() => personalizeHls(fixture(ADVANCED), MULTIVARIANT_URL, { steering: { serverUri: 'a"b' } })).toThrow(RangeError);
  });
});

describe('personalizeHls content steering pathway labels (RFC 8216bis 4.4.6.2, 7.2 pathway cloning)', () => {
  const GROUPS = 'hls/rfc8216-4.3.4.2-multivariant-with-media-groups.m3u8';

  it('labels every variant with the pathway and a stable id taken from its relative URI as written upstream', () => {
    const output = personalizeHls(fixture(GROUPS), MULTIVARIANT_URL, { urls: pathTokens, steering: { serverUri: 'https://edge.example/v1/steering/t/hls/b', defaultPathway: 'b', variantPathway: 'b' } });
    const infs = output.split('\n').filter((line) => line.startsWith('#EXT-X-STREAM-INF'));
    expect(infs).toHaveLength(3);
    for (const line of infs) expect(line).toContain(',PATHWAY-ID="b"');
    expect(infs[0]).toContain('STABLE-VARIANT-ID="360p/index.m3u8"');
    // Absolute and scheme-relative URIs cannot be a stable id (':' and no path of ours): no id, still a pathway.
    expect(infs[1]).not.toContain('STABLE-VARIANT-ID');
    expect(output).toContain('URI="https://edge.example/v1/media/SESSION.tok/vod/demo/audio/en/index.m3u8",STABLE-RENDITION-ID="audio/en/index.m3u8"');
    expect(output).toMatch(/#EXT-X-I-FRAME-STREAM-INF:[^\n]*,PATHWAY-ID="b",STABLE-VARIANT-ID="360p\/iframes.m3u8"/);
    // Closed captions have no URI and no stable id.
    expect(output).toMatch(/TYPE=CLOSED-CAPTIONS[^\n]*INSTREAM-ID="CC1"\n/);
    expect(parseMultivariantWithM3u8Parser(output).variants).toHaveLength(3);
  });

  it('replaces an existing PATHWAY-ID and keeps an existing stable id', () => {
    const input = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,PATHWAY-ID="old",STABLE-VARIANT-ID="keep"\nlow.m3u8\n';
    const output = personalizeHls(input, MULTIVARIANT_URL, { steering: { serverUri: '/s', variantPathway: 'a' } });
    expect(output).toBe('#EXTM3U\n#EXT-X-CONTENT-STEERING:SERVER-URI="/s"\n#EXT-X-STREAM-INF:BANDWIDTH=1,PATHWAY-ID="a",STABLE-VARIANT-ID="keep"\nlow.m3u8\n');
  });

  it('does not label variants the surge cap removed', () => {
    const input = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100\nlow.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=900\nhigh.m3u8\n';
    const output = personalizeHls(input, MULTIVARIANT_URL, { surgeCap: 500, steering: { serverUri: '/s', variantPathway: 'a' } });
    expect(output).toBe('#EXTM3U\n#EXT-X-CONTENT-STEERING:SERVER-URI="/s"\n#EXT-X-STREAM-INF:BANDWIDTH=100,PATHWAY-ID="a",STABLE-VARIANT-ID="low.m3u8"\nlow.m3u8\n');
  });

  it('refuses a pathway id outside the RFC 8216bis character set', () => {
    expect(() => personalizeHls(fixture(GROUPS), MULTIVARIANT_URL, { steering: { serverUri: '/s', variantPathway: 'a"b' } })).toThrow(/variantPathway/);
  });
});
