// `npm run bench:rewriter`: the personalization transform (rendition filter + URL rewrite with a query
// token, so every segment URL is rewritten) against hls-parser parse+stringify, m3u8-parser parse and a
// string-copy floor, on the same inputs, interleaved in the same run. Writes bench-results/rewriter.json.
import { parse as hlsParse, stringify as hlsStringify } from 'hls-parser';
import { Parser as M3u8Parser } from 'm3u8-parser';
import { parse as mpdParse } from 'mpd-parser';
import { writeBenchReport, type BenchMetric } from '../../scripts/bench/bench-report.ts';
import { compareSync } from '../../scripts/bench/measure.ts';
import { personalizeDash, personalizeHls, tokenUrlRewriter, type PersonalizeOptions } from '../src/index.ts';
import { livePlaylist, multivariantPlaylist, segmentTimelineMpd, vodPlaylist } from './bench-corpus.ts';

const upstream = 'https://shield.internal/vod/demo/';
const encoder = new TextEncoder();
const options: PersonalizeOptions = {
  filter: { maxHeight: 720, allowedCodecs: ['avc1', 'mp4a', 'ec-3'] },
  urls: tokenUrlRewriter({
    upstreamPrefix: upstream,
    publicPrefix: 'https://cdn-b.example/vod/demo/',
    token: 'eyJzaWQiOiI0ZjFjIiwic2NvcGUiOiJ2b2QvZGVtby8ifQ.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU',
    placement: 'query',
  }),
};

interface Case {
  name: string;
  text: string;
  url: URL;
  dash?: boolean;
}

/** As the edge gets it: decoded from response bytes, so a flat string (not a rope of joined lines). */
const asReceived = (text: string): string => new TextDecoder().decode(encoder.encode(text));

const cases: Case[] = [
  { name: 'live_6seg', text: asReceived(livePlaylist(6)), url: new URL(`${upstream}720p/index.m3u8`) },
  { name: 'vod_300seg', text: asReceived(vodPlaylist(300)), url: new URL(`${upstream}720p/index.m3u8`) },
  { name: 'vod_1800seg', text: asReceived(vodPlaylist(1800)), url: new URL(`${upstream}720p/index.m3u8`) },
  { name: 'multivariant_12', text: asReceived(multivariantPlaylist()), url: new URL(`${upstream}master.m3u8`) },
  { name: 'dash_2h_timeline', text: asReceived(segmentTimelineMpd(7200)), url: new URL(`${upstream}manifest.mpd`), dash: true },
];

const metrics: BenchMetric[] = [];
const notes: Record<string, string | number> = {
  transform: 'personalizeHls/personalizeDash with filter {maxHeight 720, allowedCodecs avc1/mp4a/ec-3} + query-token URL rewrite (every URL rewritten)',
  floor: 'string copy = TextEncoder.encode(input): one pass writing every character, which every response pays',
  measure: 'compareSync: interleaved rounds, median µs/op',
};

for (const c of cases) {
  const personalize = c.dash ? () => personalizeDash(c.text, c.url, options) : () => personalizeHls(c.text, c.url, options);
  // Sanity: the transform did something and the baselines accept the input.
  if (personalize() === c.text) throw new Error(`${c.name}: the transform changed nothing`);
  const candidates: Record<string, () => unknown> = {
    rewrite: personalize,
    copy: () => encoder.encode(c.text),
  };
  if (c.dash) {
    candidates.mpd_parser_parse = () => mpdParse(c.text, { manifestUri: c.url.href });
  } else {
    candidates.hls_parser_roundtrip = () => hlsStringify(hlsParse(c.text));
    candidates.m3u8_parser_parse = () => {
      const parser = new M3u8Parser();
      parser.push(c.text);
      parser.end();
      return parser.manifest;
    };
  }
  const results = compareSync(candidates, { rounds: 11, batchMs: 30 });
  const us = (name: string): number => results[name]!.usPerOp;
  notes[`${c.name}_bytes`] = c.text.length;
  metrics.push({ name: `${c.name}_rewrite_us`, value: round(us('rewrite')), unit: 'µs/op', ...(c.name === 'live_6seg' ? { target: '<= 5' as const } : {}) });
  metrics.push({ name: `${c.name}_copy_floor_us`, value: round(us('copy')), unit: 'µs/op' });
  metrics.push({ name: `${c.name}_rewrite_vs_copy`, value: round(us('rewrite') / us('copy')), unit: 'x slower' });
  if (c.dash) {
    metrics.push({ name: `${c.name}_mpd_parser_parse_us`, value: round(us('mpd_parser_parse')), unit: 'µs/op' });
    metrics.push({ name: `${c.name}_speedup_vs_mpd_parser`, value: round(us('mpd_parser_parse') / us('rewrite')), unit: 'ratio' });
  } else {
    const big = c.name === 'vod_1800seg';
    metrics.push({ name: `${c.name}_hls_parser_roundtrip_us`, value: round(us('hls_parser_roundtrip')), unit: 'µs/op' });
    metrics.push({ name: `${c.name}_m3u8_parser_parse_us`, value: round(us('m3u8_parser_parse')), unit: 'µs/op' });
    metrics.push({ name: `${c.name}_speedup_vs_hls_parser`, value: round(us('hls_parser_roundtrip') / us('rewrite')), unit: 'ratio', ...(big ? { target: '>= 10' as const } : {}) });
    metrics.push({ name: `${c.name}_speedup_vs_m3u8_parser`, value: round(us('m3u8_parser_parse') / us('rewrite')), unit: 'ratio', ...(big ? { target: '>= 5' as const } : {}) });
  }
}

writeBenchReport('rewriter', metrics, notes);

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
