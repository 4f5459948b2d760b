import { describe, expect, it } from 'vitest';
import { ManifestError, personalizeDash, rewriteDashUrls, tokenUrlRewriter } from '../src/index.ts';
import { dashFixtures, fixture } from './support/corpus.ts';
import { dashSegmentUrlsFromParser } from './support/parsed-urls.ts';
import { canonicalXml, parseDash, parseXml, serializeXml } from './support/dash-structure.ts';

const PROTECTED = 'dash/iso23009-1-5.8.4.1-content-protection-cenc-hdr-multi-language.mpd';
const MULTI_PERIOD = 'dash/dash-if-iop-4.3-multi-period-eventstream-scte35.mpd';
const STEERING = 'dash/dash-if-content-steering-1.0-service-location.mpd';
const MPD_URL = 'https://shield.internal/vod/demo/manifest.mpd';
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

describe('personalizeDash round trip', () => {
  it.each(dashFixtures)('returns %s byte for byte when no transform is asked for', (name) => {
    const input = fixture(name);
    expect(personalizeDash(input, new URL(MPD_URL))).toBe(input);
    expect(personalizeDash(input, new URL(MPD_URL), { languages: { audio: ['xx'] }, urls: { rewrite: () => undefined } })).toBe(input);
    expect(rewriteDashUrls(input, new URL(MPD_URL), () => undefined)).toBe(input);
  });

  it.each(dashFixtures)('sends every segment URL of %s through the token, in the path or in the query', (name) => {
    const input = fixture(name);
    // mpd-parser does not resolve namespace prefixes, so it cannot read a prefixed MPD at all.
    if (name.includes('prefixed-mpd-element')) return;
    const before = dashSegmentUrlsFromParser(input, MPD_URL, Date.parse('2026-05-26T18:10:00Z'));
    for (const [rewriter, expected] of [
      [pathTokens, (u: URL) => `https://edge.example/v1/media/SESSION.tok${u.pathname}${u.search}`],
      [queryTokens, (u: URL) => `https://cdn-b.example${u.pathname}${u.search === '' ? '?' : `${u.search}&`}token=SESSION.tok`],
    ] as const) {
      const output = personalizeDash(input, new URL(MPD_URL), { urls: rewriter });
      const after = dashSegmentUrlsFromParser(output, MPD_URL, Date.parse('2026-05-26T18:10:00Z'));
      expect(after).toHaveLength(before.length);
      after.forEach((url, i) => {
        const original = new URL(before[i]!);
        const inScope = rewriter === pathTokens ? original.href.startsWith('https://shield.internal/vod/demo/') : original.host === 'shield.internal';
        expect(url).toBe(inScope ? expected(original) : original.href);
      });
      parseXml(output);
    }
  });
});

describe('personalizeDash rendition filter', () => {
  it('drops Representations above maxHeight and an AdaptationSet left empty, keeping the XML equivalent otherwise', () => {
    const input = fixture(PROTECTED);
    const output = personalizeDash(input, new URL(MPD_URL), { filter: { maxHeight: 720 } });
    expect(parseDash(output, MPD_URL).playlists.map((p) => p.height)).toEqual([360, 540, 720]);
    expect(output).not.toContain('hvc1');
    // Removing the same elements from the DOM gives the same document.
    const expected = parseXml(input);
    for (const element of Array.from(expected.getElementsByTagName('Representation'))) {
      if (Number(element.getAttribute('height')) > 720) element.parentNode?.removeChild(element);
    }
    const hdrSet = Array.from(expected.getElementsByTagName('AdaptationSet')).find((s) => s.getAttribute('id') === '2')!;
    hdrSet.parentNode?.removeChild(hdrSet);
    expect(canonicalXml(output)).toEqual(canonicalXml(serializeXml(expected)));
  });

  it('drops HDR video (PQ transfer characteristics) when the device has none', () => {
    const output = personalizeDash(fixture(PROTECTED), new URL(MPD_URL), { filter: { hdr: false } });
    expect(parseDash(output, MPD_URL).playlists.map((p) => p.height)).toEqual([360, 540, 720, 1080]);
  });

  it('drops audio of a codec the device lacks', () => {
    const output = personalizeDash(fixture(PROTECTED), new URL(MPD_URL), { filter: { allowedCodecs: ['avc1', 'mp4a'] } });
    expect(output).not.toContain('ec-3');
    expect(output).not.toContain('hvc1');
    expect(Object.values(parseDash(output, MPD_URL).audio).map((a) => a.language)).toEqual(['en', 'fr']);
  });

  it('filters every Period of a multi-period MPD as its own ladder', () => {
    const output = personalizeDash(fixture(MULTI_PERIOD), new URL(MPD_URL), { filter: { maxBandwidth: 2_600_000 } });
    const doc = parseXml(output);
    expect(Array.from(doc.getElementsByTagName('Representation')).map((r) => r.getAttribute('id'))).toEqual(['360p', 'audio-en', 'ad-720p', '360p']);
    expect(output).toContain('<scte35:Binary>/DAlAAAAAAAAAP/wFAUAAAPnf+/+ABH7nv4AKTLgAAAAAAAAQxnpBg==</scte35:Binary>');
  });

  it('refuses with empty-ladder when a Period would keep no video', () => {
    const call = () => personalizeDash(fixture(MULTI_PERIOD), new URL(MPD_URL), { filter: { maxHeight: 480 } });
    expect(call).toThrow(ManifestError);
    expect(call).toThrow(expect.objectContaining({ reason: 'empty-ladder' }));
  });

  it('keeps the lowest video Representation per Period under a surge cap below every one', () => {
    const output = personalizeDash(fixture(PROTECTED), new URL(MPD_URL), { surgeCap: 1 });
    expect(parseDash(output, MPD_URL).playlists.map((p) => p.height)).toEqual([360]);
    expect(Object.keys(parseDash(output, MPD_URL).audio)).toHaveLength(3);
  });
});

describe('personalizeDash language ordering', () => {
  it("gives the viewer's audio language Role main and turns the former main into alternate", () => {
    const output = personalizeDash(fixture(PROTECTED), new URL(MPD_URL), { languages: { audio: ['fr'], subtitles: ['fr'] } });
    const audio = Object.values(parseDash(output, MPD_URL).audio);
    expect(audio.filter((a) => a.default).map((a) => a.language)).toEqual(['fr']);
    expect(output).toContain('<Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>\n      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="dub"/>');
    expect(output).toContain('<Role schemeIdUri="urn:mpeg:dash:role:2011" value="alternate"/>\n      <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3');
    parseXml(output);
  });
});

describe('personalizeDash language order', () => {
  it('moves the preferred AdaptationSet first among its kind, with its own edits applied', () => {
    const input = fixture(PROTECTED);
    const output = personalizeDash(input, new URL(MPD_URL), { languages: { audio: ['fr'] }, urls: pathTokens });
    const doc = parseXml(output);
    const audioLangs = Array.from(doc.getElementsByTagName('AdaptationSet')).filter((s) => s.getAttribute('contentType') === 'audio').map((s) => s.getAttribute('lang'));
    expect(audioLangs).toEqual(['fr', 'en', 'en']);
    expect(output).toContain('    </AdaptationSet>\n    <AdaptationSet id="4" contentType="audio"');
    expect(output).toContain('<Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>\n      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="dub"/>');
    // Same elements as the input, only the order of the audio sets and their roles changed.
    expect(output.match(/<AdaptationSet /g)).toHaveLength(input.match(/<AdaptationSet /g)!.length);
    expect(parseDash(output, MPD_URL).playlists.flatMap((p) => p.segmentUrls).every((u) => u.startsWith('https://edge.example/v1/media/SESSION.tok/vod/demo/'))).toBe(true);
  });

  it('moves a set whose own Representations the filter trimmed', () => {
    const mpd = `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S" minBufferTime="PT2S">
  <Period id="p">
    <AdaptationSet contentType="video" mimeType="video/mp4" codecs="avc1.640028">
      <SegmentTemplate timescale="1000" duration="2000" initialization="$RepresentationID$/i.mp4" media="$RepresentationID$/$Number$.m4s"/>
      <Representation id="v" bandwidth="1000000" height="720"/>
    </AdaptationSet>
    <AdaptationSet contentType="audio" mimeType="audio/mp4" lang="en">
      <SegmentTemplate timescale="1000" duration="2000" initialization="$RepresentationID$/i.mp4" media="$RepresentationID$/$Number$.m4s"/>
      <Representation id="en-aac" codecs="mp4a.40.2" bandwidth="128000"/>
    </AdaptationSet>
    <AdaptationSet contentType="audio" mimeType="audio/mp4" lang="fr">
      <SegmentTemplate timescale="1000" duration="2000" initialization="$RepresentationID$/i.mp4" media="$RepresentationID$/$Number$.m4s"/>
      <Representation id="fr-ec3" codecs="ec-3" bandwidth="384000"/>
      <Representation id="fr-aac" codecs="mp4a.40.2" bandwidth="128000"/>
    </AdaptationSet>
  </Period>
</MPD>`;
    const output = personalizeDash(mpd, new URL(MPD_URL), { filter: { allowedCodecs: ['avc1', 'mp4a'] }, languages: { audio: ['fr'] } });
    expect(output).toBe(`<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S" minBufferTime="PT2S">
  <Period id="p">
    <AdaptationSet contentType="video" mimeType="video/mp4" codecs="avc1.640028">
      <SegmentTemplate timescale="1000" duration="2000" initialization="$RepresentationID$/i.mp4" media="$RepresentationID$/$Number$.m4s"/>
      <Representation id="v" bandwidth="1000000" height="720"/>
    </AdaptationSet>
    <AdaptationSet contentType="audio" mimeType="audio/mp4" lang="fr">
      <SegmentTemplate timescale="1000" duration="2000" initialization="$RepresentationID$/i.mp4" media="$RepresentationID$/$Number$.m4s"/>
      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>
      <Representation id="fr-aac" codecs="mp4a.40.2" bandwidth="128000"/>
    </AdaptationSet>
    <AdaptationSet contentType="audio" mimeType="audio/mp4" lang="en">
      <SegmentTemplate timescale="1000" duration="2000" initialization="$RepresentationID$/i.mp4" media="$RepresentationID$/$Number$.m4s"/>
      <Representation id="en-aac" codecs="mp4a.40.2" bandwidth="128000"/>
    </AdaptationSet>
  </Period>
</MPD>`);
  });
});

describe('personalizeDash content steering', () => {
  it('replaces an existing ContentSteering element', () => {
    const output = personalizeDash(fixture(STEERING), new URL(MPD_URL), { steering: { serverUri: 'https://edge.example/v1/steering/s1?a=1&b=2', defaultPathway: 'beta' } });
    expect(parseDash(output, MPD_URL).contentSteering).toMatchObject({ serverURL: 'https://edge.example/v1/steering/s1?a=1&b=2', defaultServiceLocation: 'beta' });
    expect(output.match(/<ContentSteering/g)).toHaveLength(1);
  });

  it('adds one before the first Period when there is none', () => {
    const output = personalizeDash(fixture(MULTI_PERIOD), new URL(MPD_URL), { steering: { serverUri: '/v1/steering/s1' } });
    expect(output).toContain('<ContentSteering queryBeforeStart="false">/v1/steering/s1</ContentSteering>\n  <Period id="content-1"');
    expect(parseDash(output, MPD_URL).contentSteering).toMatchObject({ serverURL: '/v1/steering/s1' });
  });
});

describe('personalizeDash content steering service locations (DASH-IF content steering, ISO/IEC 23009-1 5.6)', () => {
  const TIMELINE = 'dash/cmaf-segment-template-timeline.mpd';
  const locations = [
    { id: 'b', baseUrl: 'http://cdn-b.example/t/abc/123/vod/demo/' },
    { id: 'a', baseUrl: 'https://edge.example/v1/media/SESSION.tok/vod/demo/' },
  ];

  it('writes one MPD-level BaseURL per pathway with its serviceLocation, in the given order', () => {
    const output = personalizeDash(fixture(TIMELINE), new URL(MPD_URL), { urls: pathTokens, steering: { serverUri: 'https://edge.example/v1/steering/t/dash', defaultPathway: 'b', serviceLocations: locations } });
    const root = parseXml(output).documentElement!;
    const bases = [...root.getElementsByTagName('BaseURL')].filter((e) => e.parentNode === root);
    expect(bases.map((e) => [e.getAttribute('serviceLocation'), e.textContent])).toEqual(locations.map((l) => [l.id, l.baseUrl]));
    expect(parseDash(output, MPD_URL).contentSteering).toMatchObject({ defaultServiceLocation: 'b' });
  });

  it('keeps an MPD that has its own MPD-level BaseURLs as the URL rewriter maps them', () => {
    const input = fixture('dash/iso23009-1-5.6-alternative-base-urls-per-cdn.mpd');
    const withLocations = personalizeDash(input, new URL(MPD_URL), { urls: pathTokens, steering: { serverUri: '/s', serviceLocations: locations } });
    const without = personalizeDash(input, new URL(MPD_URL), { urls: pathTokens, steering: { serverUri: '/s' } });
    expect(withLocations).toBe(without);
  });

  it('refuses a service location whose base URL is relative or does not end in a slash', () => {
    expect(() => personalizeDash(fixture(TIMELINE), new URL(MPD_URL), { steering: { serverUri: '/s', serviceLocations: [{ id: 'a', baseUrl: '/vod/' }] } })).toThrow(/baseUrl/);
    expect(() => personalizeDash(fixture(TIMELINE), new URL(MPD_URL), { steering: { serverUri: '/s', serviceLocations: [{ id: 'a', baseUrl: 'https://x.example/vod' }] } })).toThrow(/baseUrl/);
    expect(() => personalizeDash(fixture(TIMELINE), new URL(MPD_URL), { steering: { serverUri: '/s', serviceLocations: [locations[0]!, locations[0]!] } })).toThrow(/distinct/);
  });
});
