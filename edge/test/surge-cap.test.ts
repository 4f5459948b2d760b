import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { dashLadder, segmentBandwidth } from '../src/steering/dash-ladder.ts';
import { cappableBandwidth, variantLadder } from '../src/steering/variant-ladder.ts';
import { call, makeIssuer, PERMISSIVE_RIGHTS, problemCode, putCatalogueEntry, testEnv, text } from './harness.ts';

/**
 * Surge cap on sessions already playing (issue 9, README "Surge cap"): the fake shield's ladder is
 * video-360p (900 kbit/s, the lowest) and video-720p (3 Mbit/s).
 */
let issuer: Awaited<ReturnType<typeof makeIssuer>>;
let edgeEnv: Env;
let operator: string;

const ops = (path: string, init: RequestInit = {}) =>
  call(edgeEnv, `/v1/ops${path}`, { ...init, headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' } });

async function setCap(capBps: number | null): Promise<void> {
  expect((await ops('/cdn/surge', { method: 'PUT', body: JSON.stringify({ capBps }) })).status).toBe(200);
}

/** Opens a session and returns its media playlist URLs by name. */
async function open(title: string, sub: string): Promise<Record<string, string>> {
  const response = await call(edgeEnv, `/v1/play/${title}/master.m3u8?token=${await issuer.sign({ sub })}`);
  expect(response.status).toBe(200);
  const body = await text(response);
  const uris = [...body.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!).concat(body.split('\n').filter((l) => l !== '' && !l.startsWith('#')));
  return Object.fromEntries(uris.map((uri) => [uri.slice(uri.lastIndexOf('/') + 1), uri]));
}

async function playlist(url: string): Promise<{ body: string; segments: string[] }> {
  const response = await call(edgeEnv, url);
  expect(response.status, url).toBe(200);
  const body = await text(response);
  return { body, segments: body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => new URL(l, url).href) };
}

function claims(url: string): Record<string, unknown> {
  const token = /\/v1\/media\/([^/]+)\//.exec(url)![1]!;
  return JSON.parse(atob(token.split('.')[0]!.replaceAll('-', '+').replaceAll('_', '/'))) as Record<string, unknown>;
}

async function refusedAsCapped(url: string): Promise<void> {
  const response = await call(edgeEnv, url);
  expect(response.status, url).toBe(403);
  expect(response.headers.get('cache-control')).toContain('no-store');
  expect(await problemCode(response)).toBe('surge-capped');
}

beforeAll(async () => {
  issuer = await makeIssuer();
  edgeEnv = testEnv({ VIEWER_JWKS: issuer.jwks, STEERING_TTL_SECONDS: '1' });
  operator = await issuer.sign({ sub: 'ops-surge', role: 'operator' });
  await putCatalogueEntry('surge-live', { kind: 'live', rights: PERMISSIVE_RIGHTS });
});

describe('variantLadder (the BANDWIDTH a media playlist stands for)', () => {
  it('reads each variant’s BANDWIDTH, not AVERAGE-BANDWIDTH, and never caps the lowest or a rendition', () => {
    const ladder = variantLadder(
      '#EXTM3U\r\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="x",URI="audio.m3u8"\r\n' +
        '#EXT-X-STREAM-INF:AVERAGE-BANDWIDTH=500000,BANDWIDTH=800000,AUDIO="a"\r\nlow.m3u8\r\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=5000000,AVERAGE-BANDWIDTH=4000000\r\nhigh.m3u8\r\n' +
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="iframes.m3u8"\r\n' +
        '#EXT-X-STREAM-INF:RESOLUTION=1x1\r\nno-bandwidth.m3u8\r\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=9000000\r\n../elsewhere/x.m3u8\r\n',
    );
    expect([...ladder.bandwidths]).toEqual([['low.m3u8', 800000], ['high.m3u8', 5000000]]);
    expect(cappableBandwidth(ladder, 'high.m3u8')).toBe(5000000);
    expect(cappableBandwidth(ladder, 'low.m3u8')).toBe(0);
    expect(cappableBandwidth(ladder, 'audio.m3u8')).toBe(0);
    expect(cappableBandwidth(ladder, 'iframes.m3u8')).toBe(0);
    expect(cappableBandwidth(variantLadder('not a playlist'), 'high.m3u8')).toBe(0);
  });
});

describe('dashLadder (the Representation a DASH segment belongs to)', () => {
  // The origin's packaging: a SegmentTemplate per Representation with a zero-padded $Number$.
  const mpd = `<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static"><Period id="0">
    <AdaptationSet id="0" contentType="video">
      <Representation id="0" mimeType="video/mp4" bandwidth="2000000"><SegmentTemplate initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s"/></Representation>
      <Representation id="1" mimeType="video/mp4" bandwidth="800000"><SegmentTemplate initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s"/></Representation>
      <Representation id="2" mimeType="video/mp4" bandwidth="300000"><SegmentTemplate initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number%05d$.m4s"/></Representation>
    </AdaptationSet>
    <AdaptationSet id="1" contentType="audio"><SegmentTemplate initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number$.m4s"/>
      <Representation id="3" mimeType="audio/mp4" bandwidth="64000"/>
    </AdaptationSet>
    <AdaptationSet id="2" mimeType="video/mp4"><SegmentTemplate media="v/$Bandwidth$/$Time$.m4s"/><Representation id="sub" bandwidth="9000000"/></AdaptationSet>
    <AdaptationSet id="3" mimeType="video/mp4"><SegmentTemplate media="../up/$Number$.m4s"/><Representation id="up" bandwidth="7000000"/></AdaptationSet>
  </Period></MPD>`;

  it('maps init and media segments to their video Representation’s bandwidth and never caps the lowest, audio or unknown files', () => {
    const ladder = dashLadder(mpd);
    expect(ladder.lowest).toBe(300000);
    expect(segmentBandwidth(ladder, 'seg-0-00012.m4s')).toBe(2000000);
    expect(segmentBandwidth(ladder, 'init-0.mp4')).toBe(2000000);
    expect(segmentBandwidth(ladder, 'seg-1-00001.m4s')).toBe(800000);
    expect(segmentBandwidth(ladder, 'seg-2-00001.m4s')).toBe(0);
    expect(segmentBandwidth(ladder, 'seg-3-00001.m4s')).toBe(0);
    expect(segmentBandwidth(ladder, 'seg-10-00001.m4s')).toBe(0);
    expect(segmentBandwidth(ladder, 'seg-0-x.m4s')).toBe(0);
    expect(segmentBandwidth(ladder, 'manifest.mpd')).toBe(0);
    expect(ladder.representations.map((r) => r.bandwidth)).not.toContain(7000000);
    // Templates below the MPD's directory count; $Bandwidth$ is filled in.
    expect(segmentBandwidth(ladder, 'v/9000000/123.m4s')).toBe(9000000);
    expect(segmentBandwidth(ladder, 'v/800000/123.m4s')).toBe(0);
  });
});

describe('the operator’s surge cap reaches sessions already playing', () => {
  it('refuses a VOD session’s next segment above the cap, keeps the lowest variant and audio, and lifts with the cap', async () => {
    await setCap(null);
    const urls = await open('demo', 'surge-vod');
    const high = await playlist(urls['video-720p.m3u8']!);
    const low = await playlist(urls['video-360p.m3u8']!);
    const audioUrl = urls['audio.m3u8']!;
    // The segment tokens carry the variant's BANDWIDTH; the lowest variant's carry 0 (never capped).
    expect(claims(high.segments[0]!)['bw']).toBe(3000000);
    expect(claims(low.segments[0]!)['bw']).toBe(0);
    expect((await call(edgeEnv, high.segments[0]!)).status).toBe(200);

    await setCap(1_000_000);
    await refusedAsCapped(high.segments[0]!);
    await refusedAsCapped(urls['video-720p.m3u8']!);
    expect((await call(edgeEnv, low.segments[0]!)).status).toBe(200);
    expect((await call(edgeEnv, urls['video-360p.m3u8']!)).status).toBe(200);
    expect((await call(edgeEnv, audioUrl)).status).not.toBe(403);

    // A cap below the whole ladder still leaves the lowest variant playable.
    await setCap(100_000);
    expect((await call(edgeEnv, low.segments[0]!)).status).toBe(200);
    await refusedAsCapped(high.segments[0]!);

    await setCap(null);
    expect((await call(edgeEnv, high.segments[0]!)).status).toBe(200);
  });

  it('refuses a live session’s reload of a variant above the cap within one reload, with stable segment URIs until then', async () => {
    await setCap(null);
    const urls = await open('surge-live', 'surge-live-viewer');
    const first = await playlist(urls['video-720p.m3u8']!);
    const second = await playlist(urls['video-720p.m3u8']!);
    // The kept token gains the BANDWIDTH under its own expiry: the same URIs on every reload (hls.js compares them).
    expect(second.segments).toEqual(first.segments);
    expect(claims(first.segments[0]!)).toMatchObject({ bw: 3000000, exp: claims(urls['video-720p.m3u8']!)['exp'] });

    await setCap(2_000_000);
    await refusedAsCapped(urls['video-720p.m3u8']!);
    await refusedAsCapped(first.segments[1]!);
    expect((await playlist(urls['video-360p.m3u8']!)).segments).toHaveLength(3);
    await setCap(null);
    expect((await call(edgeEnv, urls['video-720p.m3u8']!)).status).toBe(200);
  });

  it('keeps a DASH session’s lowest Representation playable under any cap (segments under the MPD’s token)', async () => {
    const response = await call(edgeEnv, `/v1/play/demo/manifest.mpd?token=${await issuer.sign({ sub: 'surge-dash' })}`);
    const mpd = await text(response);
    const base = /\/v1\/media\/[^/]+\/vod\/demo\//.exec(mpd)![0];
    await setCap(100_000);
    expect((await call(edgeEnv, `http://edge.test${base}seg-360p-1.m4s`)).status).toBe(200);
    await setCap(null);
  });

  it('gives new sessions the filtered multivariant playlist', async () => {
    await setCap(1_000_000);
    const urls = await open('demo', 'surge-new');
    expect(Object.keys(urls).sort()).toEqual(['audio.m3u8', 'video-360p.m3u8']);
    await setCap(null);
  });

  it('cannot be dodged by editing the bandwidth claim (the token is signed)', async () => {
    await setCap(1_000_000);
    const urls = await open('demo', 'surge-forger');
    // The 720p playlist is refused, so take the 360p segment token and claim it for the 720p segment path.
    const low = await playlist(urls['video-360p.m3u8']!);
    const token = /\/v1\/media\/([^/]+)\//.exec(low.segments[0]!)![1]!;
    const [payload, signature] = token.split('.') as [string, string];
    const forged = btoa(JSON.stringify({ ...claims(low.segments[0]!), bw: 1 })).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');
    const response = await call(edgeEnv, low.segments[0]!.replace(`${payload}.${signature}`, `${forged}.${signature}`));
    expect(response.status).toBe(401);
    expect(await problemCode(response)).toBe('session-token-invalid');
    await setCap(null);
  });
});
