// npm run bench:steering: what multi-CDN steering costs per request at the edge.
//   decision_us:                  decidePathways for one session (4 pathways: weights, regions, quality, a preference)
//   steering_manifest_hls_us:     a steering-server answer's body for HLS: decision + PATHWAY-CLONES for 3 other
//                                 pathways with PER-VARIANT/RENDITION-URIS + JSON.stringify (token minting excluded, see notes)
//   steering_manifest_dash_us:    the same for DASH (no clones)
//   hls_rewrite_steered_vs_plain: a multivariant rewrite (tokens, filter) with steering (tag, PATHWAY-ID and stable ids)
//                                 over the same rewrite without, measured interleaved in this run; also for a DASH MPD
//   surge_*:                      the surge cap on playing sessions: reading a title's ladder from its multivariant
//                                 playlist / MPD (once a minute per isolate and title), and the per-segment lookup of a
//                                 DASH segment's Representation while a cap is in force
import { personalizeDash, personalizeHls, tokenUrlRewriter } from '@cascade/manifest-rewriter';
import { multivariantPlaylist, segmentTimelineMpd } from '../../manifest-rewriter/bench/bench-corpus.ts';
import { writeBenchReport } from '../../scripts/bench/bench-report.ts';
import { compareSync } from '../../scripts/bench/measure.ts';
import { decidePathways, qualityFactor } from '../src/steering/decide-pathways.ts';
import { steeringManifest } from '../src/steering/steering-manifest.ts';
import type { PathwayView } from '../src/steering/steering-state.ts';
import { dashLadder, segmentBandwidth } from '../src/steering/dash-ladder.ts';
import { variantLadder } from '../src/steering/variant-ladder.ts';

const pathways: PathwayView[] = [
  { id: 'edge', weight: 40, regions: [], cost: 1, state: 'active', healthy: true },
  { id: 'akamai', weight: 30, regions: [], cost: 0.8, state: 'active', healthy: true },
  { id: 'cloudfront', weight: 30, regions: ['US', 'CA'], cost: 0.9, state: 'active', healthy: true },
  { id: 'isp-cache', weight: 0, regions: ['IN'], cost: 0.2, state: 'draining', healthy: true },
];
const quality = new Map(pathways.map((p, i) => [p.id, qualityFactor({ sessions: 50, rebufferRatio: i * 0.01, errorRatio: 0 })]));
const preference = ['akamai', 'edge'];
const sessionIds = Array.from({ length: 1024 }, (_, i) => crypto.randomUUID() + i);
let n = 0;
const decide = () => decidePathways({ pathways, country: 'IN', preference, sessionId: sessionIds[n++ & 1023]!, current: 'edge', quality });

const stableIds = ['video-360p.m3u8', 'video-540p.m3u8', 'video-720p.m3u8', 'video-1080p.m3u8', 'audio-aac-128k.m3u8'];
const token = 'eyJ2IjoxLCJzaWQiOiJiZW5jaCIsInNjb3BlIjoidm9kL2RlbW8vIn0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';
const bases = pathways.map((p) => ({ id: p.id, base: `https://${p.id}.cdn.example/t/6Vx2cS0oQmU7Rj1yHkU0kQ/1795269203/vod/demo/` }));
const manifestHls = () =>
  JSON.stringify(steeringManifest({ ttlSeconds: 10, reloadUri: `https://play.example/v1/steering/${token}/hls/edge`, priority: decide(), clones: { basePathway: 'edge', pathways: bases, stableIds } }));
const manifestDash = () => JSON.stringify(steeringManifest({ ttlSeconds: 10, reloadUri: `https://play.example/v1/steering/${token}/dash`, priority: decide() }));

const master = multivariantPlaylist();
const mpd = segmentTimelineMpd(60);
const hlsUrl = new URL('https://shield.internal/vod/demo/master.m3u8');
const dashUrl = new URL('https://shield.internal/vod/demo/manifest.mpd');
const urls = tokenUrlRewriter({ upstreamPrefix: 'https://shield.internal/vod/demo/', publicPrefix: 'https://play.example/v1/media/{token}/vod/demo/', token, placement: 'path' });
const filter = { maxHeight: 1080 };
const hlsSteering = { serverUri: `https://play.example/v1/steering/${token}/hls/edge`, defaultPathway: 'edge', variantPathway: 'edge' };
const dashSteering = { serverUri: `https://play.example/v1/steering/${token}/dash`, defaultPathway: 'edge', serviceLocations: bases.map((b) => ({ id: b.id, baseUrl: b.base })) };

const heldLadder = dashLadder(mpd);
// A segment of the top video Representation of the corpus MPD (`video/$RepresentationID$/$Time$.m4s`).
const top = [...mpd.matchAll(/<Representation id="(v\d+)" bandwidth="(\d+)"/g)].sort((a, b) => Number(b[2]) - Number(a[2]))[0]?.[1] ?? 'v0';
const segmentFile = `video/${top}/90000.m4s`;
if (segmentBandwidth(heldLadder, segmentFile) === 0) throw new Error(`bench: the lookup found no capped Representation for ${segmentFile}`);

const m = compareSync(
  {
    decision: decide,
    manifest_hls: manifestHls,
    manifest_dash: manifestDash,
    hls_plain: () => personalizeHls(master, hlsUrl, { urls, filter }),
    hls_steered: () => personalizeHls(master, hlsUrl, { urls, filter, steering: hlsSteering }),
    dash_plain: () => personalizeDash(mpd, dashUrl, { urls, filter }),
    dash_steered: () => personalizeDash(mpd, dashUrl, { urls, filter, steering: dashSteering }),
    hls_ladder: () => variantLadder(master),
    dash_ladder: () => dashLadder(mpd),
    dash_lookup: () => segmentBandwidth(heldLadder, segmentFile),
  },
  { rounds: 15, batchMs: 40 },
);
const us = (name: string) => m[name]!.usPerOp;

writeBenchReport(
  'steering',
  [
    { name: 'decision_us', value: us('decision'), unit: 'µs/op' },
    { name: 'steering_manifest_hls_us', value: us('manifest_hls'), unit: 'µs/op' },
    { name: 'steering_manifest_dash_us', value: us('manifest_dash'), unit: 'µs/op' },
    { name: 'hls_multivariant_rewrite_plain_us', value: us('hls_plain'), unit: 'µs/op' },
    { name: 'hls_multivariant_rewrite_steered_us', value: us('hls_steered'), unit: 'µs/op' },
    { name: 'hls_rewrite_steered_vs_plain', value: us('hls_steered') / us('hls_plain'), unit: 'ratio' },
    { name: 'dash_mpd_rewrite_plain_us', value: us('dash_plain'), unit: 'µs/op' },
    { name: 'dash_mpd_rewrite_steered_us', value: us('dash_steered'), unit: 'µs/op' },
    { name: 'dash_rewrite_steered_vs_plain', value: us('dash_steered') / us('dash_plain'), unit: 'ratio' },
    { name: 'surge_hls_ladder_parse_us', value: us('hls_ladder'), unit: 'µs/op' },
    { name: 'surge_dash_ladder_parse_us', value: us('dash_ladder'), unit: 'µs/op' },
    { name: 'surge_dash_segment_lookup_us', value: us('dash_lookup'), unit: 'µs/op' },
  ],
  {
    runtime: 'Node (the same code the Worker runs; workerd has no benchmark harness)',
    pathways: pathways.length,
    hls_input: 'manifest-rewriter/bench multivariantPlaylist()',
    dash_input: 'manifest-rewriter/bench segmentTimelineMpd(60)',
    excluded: 'CDN token minting (nginx secure_link MD5 needs workerd WebCrypto MD5, absent in Node) and the control-plane read (cached per isolate, 1 RPC per 2 s)',
    measurement: 'median of 15 interleaved rounds (scripts/bench/measure.ts compareSync)',
  },
);
