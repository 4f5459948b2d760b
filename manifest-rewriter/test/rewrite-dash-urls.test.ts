import { describe, expect, it } from 'vitest';
import { rewriteDashUrls, type UrlMapper } from '../src/index.ts';
import { EDGE_PREFIX, edgeUrlFor, markerMapper, recordingEdgeMapper } from './support/mappers.ts';
import { dashSegmentUrlsFromParser } from './support/parsed-urls.ts';
import { rawTextsBehindMarkers } from './support/raw-texts-behind-markers.ts';
import { fixture as readFixture } from './support/corpus.ts';

const EVERY_LEVEL = 'dash/iso23009-1-5.6-baseurl-at-every-level.mpd';
const FFMPEG_CMAF = 'dash/cmaf-segment-template-timeline.mpd';
const ALTERNATIVES = 'dash/iso23009-1-5.6-alternative-base-urls-per-cdn.mpd';
const LIVE_ABSOLUTE = 'dash/iso23009-1-5.3.9.4-absolute-segment-template-and-location.mpd';
const PREFIXED = 'dash/xml-namespaces-prefixed-mpd-element.mpd';

const MANIFEST_URL = new URL('https://origin.example/vod/demo/manifest.mpd');
/** A moment inside the live fixture's timeline, so mpd-parser lists its segments deterministically. */
const LIVE_NOW = Date.parse('2024-05-01T12:00:21Z');

/** Fixtures, and whether the rewriter has to add an MPD-level BaseURL to them. */
const FIXTURES: [string, { insertsBaseUrl: boolean }][] = [
  [EVERY_LEVEL, { insertsBaseUrl: false }],
  [FFMPEG_CMAF, { insertsBaseUrl: true }],
  [ALTERNATIVES, { insertsBaseUrl: false }],
  [LIVE_ABSOLUTE, { insertsBaseUrl: true }],
  [PREFIXED, { insertsBaseUrl: true }],
];

describe('rewriteDashUrls', () => {
  it('inserts an MPD-level BaseURL for the manifest directory after ProgramInformation when the MPD has none', () => {
    const input = readFixture(FFMPEG_CMAF);
    const { map, calls } = recordingEdgeMapper();
    const output = rewriteDashUrls(input, MANIFEST_URL, map);

    const inserted = `\n\t<BaseURL>${EDGE_PREFIX}origin.example/vod/demo/</BaseURL>`;
    expect(calls).toEqual(['https://origin.example/vod/demo/']);
    expect(output).toContain(`\t<ProgramInformation>\n\t</ProgramInformation>${inserted}\n\t<ServiceDescription id="0">`);
    expect(output.replace(inserted, '')).toBe(input);
  });

  it('inserts the BaseURL as the first child of an MPD without ProgramInformation, in the MPD prefix', () => {
    const { map } = recordingEdgeMapper();
    const live = rewriteDashUrls(readFixture(LIVE_ABSOLUTE), MANIFEST_URL, map);
    expect(live).toMatch(/profiles="urn:mpeg:dash:profile:isoff-live:2011">\n {2}<BaseURL>[^<]+<\/BaseURL>\n {2}<Location>/);

    const prefixed = rewriteDashUrls(readFixture(PREFIXED), MANIFEST_URL, map);
    expect(prefixed).toMatch(/profiles="urn:mpeg:dash:profile:isoff-live:2011">\n {2}<dash:BaseURL>[^<]+<\/dash:BaseURL>\n {2}<BaseURL>https:\/\/not-dash/);
  });

  it('inserts the BaseURL after every leading ProgramInformation, self-closing or not', () => {
    const { map } = recordingEdgeMapper();
    const output = rewriteDashUrls(
      '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><ProgramInformation lang="en"/><ProgramInformation lang="de"></ProgramInformation><Period/></MPD>',
      MANIFEST_URL,
      map,
    );
    expect(output).toBe(
      `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><ProgramInformation lang="en"/><ProgramInformation lang="de"></ProgramInformation>` +
        `<BaseURL>${EDGE_PREFIX}origin.example/vod/demo/</BaseURL><Period/></MPD>`,
    );
  });

  it('escapes & < > of a mapped URL in an inserted BaseURL', () => {
    const map: UrlMapper = (url) => `https://edge.example${url.pathname}?token=a<b>&sig=c`;
    const output = rewriteDashUrls(readFixture(FFMPEG_CMAF), MANIFEST_URL, map);
    expect(output).toContain('<BaseURL>https://edge.example/vod/demo/?token=a&lt;b&gt;&amp;sig=c</BaseURL>');
  });

  it('inserts no BaseURL when the mapper declines the manifest directory', () => {
    const input = readFixture(FFMPEG_CMAF);
    expect(rewriteDashUrls(input, MANIFEST_URL, () => undefined)).toBe(input);
  });

  it('resolves a BaseURL at every level against its parent\'s effective base (ISO/IEC 23009-1 5.6)', () => {
    const { map, calls } = recordingEdgeMapper();
    rewriteDashUrls(readFixture(EVERY_LEVEL), MANIFEST_URL, map);

    expect(calls).toEqual([
      'https://origin.example/vod/', // MPD: absolute
      'https://origin.example/vod/demo/', // Period: demo/ below the MPD BaseURL
      'https://origin.example/vod/demo/video/', // AdaptationSet: video/ below the Period BaseURL
      'https://origin.example/vod/demo/hd/', // Representation: ../hd/ below the AdaptationSet BaseURL
      'https://origin.example/shared/audio/', // AdaptationSet: root-relative /shared/audio/
      'https://origin.example/shared/audio/en/', // Representation: CDATA en/
      'https://subs.example.com/demo/en/', // Representation: absolute
      'https://subs-backup.example.com/demo/en/s2.m4s?a=1&b=2', // SegmentURL@media: absolute, &amp; decoded
    ]);
  });

  it('replaces only the text of a BaseURL, keeping serviceLocation, other attributes and their quoting', () => {
    const { map } = recordingEdgeMapper();
    const everyLevel = rewriteDashUrls(readFixture(EVERY_LEVEL), MANIFEST_URL, map);
    expect(everyLevel).toContain(
      `<BaseURL serviceLocation="origin" dvb:priority="1" dvb:weight="10">${EDGE_PREFIX}origin.example/vod/</BaseURL>`,
    );
    const alternatives = rewriteDashUrls(readFixture(ALTERNATIVES), MANIFEST_URL, map);
    expect(alternatives).toContain(`<BaseURL serviceLocation='cdn-b'>${EDGE_PREFIX}cdn-b.example.net/vod/demo/</BaseURL>`);
  });

  it.each(FIXTURES)('changes nothing but the mapped URLs of %s', (fixture, { insertsBaseUrl }) => {
    const input = readFixture(fixture);
    const { map, calls } = markerMapper();
    let output = rewriteDashUrls(input, MANIFEST_URL, map);
    if (insertsBaseUrl) {
      const last = calls.length - 1;
      expect(calls[last]).toBe('https://origin.example/vod/demo/');
      output = output.replace(new RegExp(`\\s*<((?:\\w+:)?BaseURL)>⟦${last}⟧</\\1>`), '');
    }

    const rawUrls = rawTextsBehindMarkers(input, output);
    expect(rawUrls, 'input and output differ outside the mapped URLs').toBeDefined();
    expect(rawUrls).toHaveLength(insertsBaseUrl ? calls.length - 1 : calls.length);
  });

  it('maps exactly the BaseURL texts and segment URL attributes of the every-level fixture, CDATA included', () => {
    const input = readFixture(EVERY_LEVEL);
    const { map } = markerMapper();
    expect(rawTextsBehindMarkers(input, rewriteDashUrls(input, MANIFEST_URL, map))).toEqual([
      'https://origin.example/vod/',
      'demo/',
      'video/',
      '../hd/',
      '/shared/audio/',
      '<![CDATA[en/]]>',
      'https://subs.example.com/demo/en/',
      'https://subs-backup.example.com/demo/en/s2.m4s?a=1&amp;b=2',
    ]);
  });

  it.each([EVERY_LEVEL, FFMPEG_CMAF, ALTERNATIVES, LIVE_ABSOLUTE])(
    'yields only edge URLs when the output of %s is parsed with mpd-parser',
    (fixture) => {
      const input = readFixture(fixture);
      const { map } = recordingEdgeMapper();
      const output = rewriteDashUrls(input, MANIFEST_URL, map);

      const expected = dashSegmentUrlsFromParser(input, MANIFEST_URL.href, LIVE_NOW).map((url) => edgeUrlFor(new URL(url)));
      const actual = dashSegmentUrlsFromParser(output, MANIFEST_URL.href, LIVE_NOW);
      expect(actual.length).toBeGreaterThan(0);
      expect(actual.toSorted()).toEqual(expected.toSorted());
      for (const url of actual) expect(url.startsWith(EDGE_PREFIX)).toBe(true);
    },
  );

  it('leaves a relative BaseURL relative below alternative BaseURLs, so every CDN alternative keeps working', () => {
    const { map, calls } = recordingEdgeMapper();
    const output = rewriteDashUrls(readFixture(ALTERNATIVES), MANIFEST_URL, map);

    expect(output).toContain('<BaseURL>p0/</BaseURL>');
    expect(output).toContain('<BaseURL>360p/</BaseURL>');
    expect(output).toContain(`<BaseURL>${EDGE_PREFIX}hd.example.net/vod/demo/720p/</BaseURL>`);
    expect(calls).toEqual([
      'https://cdn-a.example.net/vod/demo/',
      'https://cdn-b.example.net/vod/demo/',
      'https://hd.example.net/vod/demo/720p/',
    ]);
  });

  it('maps absolute and root-relative SegmentTemplate URLs and keeps $...$ identifiers intact', () => {
    const { map } = recordingEdgeMapper();
    const output = rewriteDashUrls(readFixture(LIVE_ABSOLUTE), MANIFEST_URL, map);

    expect(output).toContain(`initialization="${EDGE_PREFIX}origin.example/live/demo/$RepresentationID$/init.mp4"`);
    expect(output).toContain(`media="${EDGE_PREFIX}origin.example/live/demo/$RepresentationID$/seg-$Number%05d$.m4s"`);
  });

  it('leaves relative segment URL attributes alone, since they resolve below the (mapped) BaseURL', () => {
    const { map, calls } = recordingEdgeMapper();
    const output = rewriteDashUrls(readFixture(EVERY_LEVEL), MANIFEST_URL, map);
    expect(output).toContain('initialization="$RepresentationID$/init.mp4" media="$RepresentationID$/seg-$Number$.m4s"/>');
    expect(output).toContain('<SegmentURL media="s1.m4s"/>');
    expect(calls.some((url) => url.includes('$'))).toBe(false);
  });

  it('escapes & in a mapped attribute value, keeping its single quotes', () => {
    const { map } = recordingEdgeMapper();
    const output = rewriteDashUrls(readFixture(EVERY_LEVEL), MANIFEST_URL, map);
    expect(output).toContain(`<SegmentURL media='${EDGE_PREFIX}subs-backup.example.com/demo/en/s2.m4s?a=1&amp;b=2'/>`);

    const quoting: UrlMapper = () => `https://edge.example/it's"quoted"`;
    const tricky = rewriteDashUrls(readFixture(EVERY_LEVEL), MANIFEST_URL, quoting);
    expect(tricky).toContain(`<SegmentURL media='https://edge.example/it&apos;s"quoted"'/>`);
  });

  it('maps the MPD Location, so a live player reloads the manifest through the edge, but not UTCTiming', () => {
    const { map } = recordingEdgeMapper();
    const output = rewriteDashUrls(readFixture(LIVE_ABSOLUTE), MANIFEST_URL, map);
    expect(output).toContain(`<Location>${EDGE_PREFIX}origin.example/live/demo/manifest.mpd?session=1</Location>`);
    expect(output).toContain('<UTCTiming schemeIdUri="urn:mpeg:dash:utc:http-iso:2014" value="https://time.example.com/now"/>');
  });

  it('does not touch a <BaseURL> inside a comment or in a foreign namespace, and keeps namespaces and SCTE-35', () => {
    const input = readFixture(EVERY_LEVEL);
    const { map, calls } = recordingEdgeMapper();
    const output = rewriteDashUrls(input, MANIFEST_URL, map);

    expect(output).toContain('This comment mentions <BaseURL>https://comment.example/</BaseURL> and must not be touched.');
    expect(output).toContain('<vendor:Extension xmlns:vendor="urn:example:vendor"><vendor:BaseURL>https://vendor.example/not-a-dash-base/</vendor:BaseURL></vendor:Extension>');
    expect(output).toContain('cenc:default_KID="10000000-1000-1000-1000-100000000001"');
    expect(output).toContain('<scte35:Signal><scte35:Binary>/DAlAAAAAAAAAP/wFAUAAAABf+/+AAAAAH4AUmXAAAEAAAAAAAA=</scte35:Binary></scte35:Signal>');
    expect(output.slice(0, output.indexOf('<MPD'))).toBe(input.slice(0, input.indexOf('<MPD')));
    expect(calls.some((url) => url.includes('comment.example') || url.includes('vendor.example'))).toBe(false);
  });

  it('recognises DASH elements by namespace, not by prefix', () => {
    const { map, calls } = recordingEdgeMapper();
    const output = rewriteDashUrls(readFixture(PREFIXED), MANIFEST_URL, map);
    // The unprefixed BaseURL is in another namespace: not a DASH BaseURL, so the MPD still gets one.
    expect(output).toContain('<BaseURL>https://not-dash.example/ignored/</BaseURL>');
    expect(calls).toEqual(['https://origin.example/vod/demo/']);
  });

  it('leaves a URL untouched when the mapper returns undefined for it', () => {
    const input = readFixture(EVERY_LEVEL);
    const onlyOrigin: UrlMapper = (url) => (url.host === 'origin.example' ? edgeUrlFor(url) : undefined);
    const output = rewriteDashUrls(input, MANIFEST_URL, onlyOrigin);

    expect(output).toContain('<BaseURL>https://subs.example.com/demo/en/</BaseURL>');
    expect(output).toContain(`<SegmentURL media='https://subs-backup.example.com/demo/en/s2.m4s?a=1&amp;b=2'/>`);
    expect(output).toContain(`<BaseURL>${EDGE_PREFIX}origin.example/vod/demo/</BaseURL>`);
    expect(rewriteDashUrls(input, MANIFEST_URL, () => undefined)).toBe(input);
  });

  it('fills an empty BaseURL, whether written <BaseURL/> or <BaseURL></BaseURL>, with its mapped parent base', () => {
    const { map } = recordingEdgeMapper();
    const mpd = (baseUrl: string): string =>
      `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><BaseURL>https://origin.example/vod/</BaseURL><Period>${baseUrl}</Period></MPD>`;

    expect(rewriteDashUrls(mpd('<BaseURL serviceLocation="a"/>'), MANIFEST_URL, map)).toContain(
      `<Period><BaseURL serviceLocation="a">${EDGE_PREFIX}origin.example/vod/</BaseURL></Period>`,
    );
    expect(rewriteDashUrls(mpd('<BaseURL></BaseURL>'), MANIFEST_URL, map)).toContain(
      `<Period><BaseURL>${EDGE_PREFIX}origin.example/vod/</BaseURL></Period>`,
    );
  });

  it('decodes entities in a BaseURL before resolving it and keeps the whitespace around its text', () => {
    const { map, calls } = recordingEdgeMapper();
    const output = rewriteDashUrls(
      '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">\n  <BaseURL>\n    https://origin.example/a/?x=1&amp;y=&#50;\n  </BaseURL>\n</MPD>',
      MANIFEST_URL,
      map,
    );
    expect(calls).toEqual(['https://origin.example/a/?x=1&y=2']);
    expect(output).toBe(
      `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">\n  <BaseURL>\n    ${EDGE_PREFIX}origin.example/a/?x=1&amp;y=2\n  </BaseURL>\n</MPD>`,
    );
  });

  it("reads tags whose attribute values contain '>' or '<BaseURL>' without losing its place", () => {
    const { map, calls } = recordingEdgeMapper();
    const input =
      `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" note='a > b'><!-- <BaseURL>x</BaseURL> -->` +
      `<Period title="<BaseURL>y</BaseURL>"><BaseURL>p/</BaseURL></Period></MPD>`;
    const output = rewriteDashUrls(input, MANIFEST_URL, map);

    expect(calls).toEqual(['https://origin.example/vod/demo/p/', 'https://origin.example/vod/demo/']);
    expect(output).toBe(
      `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" note='a > b'><BaseURL>${EDGE_PREFIX}origin.example/vod/demo/</BaseURL>` +
        `<!-- <BaseURL>x</BaseURL> --><Period title="<BaseURL>y</BaseURL>"><BaseURL>${EDGE_PREFIX}origin.example/vod/demo/p/</BaseURL></Period></MPD>`,
    );
  });
});
