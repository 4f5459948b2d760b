import { createServer, type Server } from 'node:http';
import type { TestProject } from 'vitest/node';

/**
 * A stand-in for our own shield, so edge tests run inside workerd without the Node tiers. It serves
 * a tiny packaged title and can misbehave on request: 500s, hangs, bodies that are not manifests.
 * It records every path it is asked for so tests can prove what did (not) reach the upstream.
 *
 * Catalogue: `GET /api/v1/titles/{id}` answers like the origin does (through the shield). Titles in
 * DEMO_LIKE get permissive rights; a test registers its own entry with `PUT /__catalogue/{id}` (the
 * entry's media then mirror the demo title's, under vod/ or live/ by its kind) and makes reads fail
 * with `PUT /__catalogue/{id}/fail` (500) or `/hang`, and recover with `/ok`.
 *
 * Identity provider (a party outside the product, so a mock): `GET /__idp/{name}/jwks.json` serves
 * whatever `PUT /__idp/{name}` set: `{ "jwks": {...} }`, `{ "status": 500 }`, `{ "hang": true }`, or
 * `{ "body": "not json" }`; `GET /__idp/{name}/fetches` counts how often the edge fetched it.
 */
const MASTER = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",DEFAULT=YES,AUTOSELECT=YES,URI="audio.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aac"
video-360p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aac"
video-720p.m3u8
`;
// A title with audio in two languages (RFC 8216bis §4.4.6.1 EXT-X-MEDIA), for language preferences.
const BILINGUAL_MASTER = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,URI="audio-en.m3u8"
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="हिन्दी",LANGUAGE="hi",DEFAULT=NO,AUTOSELECT=YES,URI="audio-hi.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aac"
video-360p.m3u8
`;
const MEDIA = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init-360p.mp4"
#EXTINF:4.000,
seg-360p-1.m4s
#EXT-X-ENDLIST
`;
const MPD = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
  <Period id="0" start="PT0S">
    <AdaptationSet contentType="video" mimeType="video/mp4" segmentAlignment="true">
      <SegmentTemplate timescale="1000" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number$.m4s" startNumber="1" duration="4000"/>
      <Representation id="360p" bandwidth="900000" width="640" height="360" codecs="avc1.64001e"/>
    </AdaptationSet>
  </Period>
</MPD>
`;
const LIVE_MEDIA = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:100
#EXT-X-MAP:URI="init-360p.mp4"
#EXTINF:4.000,
seg-360p-100.m4s
#EXTINF:4.000,
seg-360p-101.m4s
#EXTINF:4.000,
seg-360p-102.m4s
`;
// An LL-HLS answer, given when a reload carries delivery directives (RFC 8216bis 4.4.4.9, 4.4.5.3).
const LIVE_LL_MEDIA = `#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:4
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500,CAN-SKIP-UNTIL=24.0
#EXT-X-PART-INF:PART-TARGET=0.500
#EXT-X-MEDIA-SEQUENCE:100
#EXT-X-MAP:URI="init-360p.mp4"
#EXTINF:4.000,
seg-360p-100.m4s
#EXT-X-PART:DURATION=0.500,URI="seg-360p-101.0.m4s",INDEPENDENT=YES
#EXT-X-PART:DURATION=0.500,URI="seg-360p-101.1.m4s"
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg-360p-101.2.m4s"
`;
const SLATE_MASTER = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="Silence",DEFAULT=YES,AUTOSELECT=YES,URI="audio-aac-64k.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=640x360,CODECS="avc1.64001e"
video-360p.m3u8
`;
const SLATE_MEDIA = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init-360p.mp4"
#EXTINF:2.000,
slate-360p-1.m4s
#EXTINF:2.000,
slate-360p-2.m4s
#EXT-X-ENDLIST
`;
const SLATE_AUDIO = SLATE_MEDIA.replaceAll('360p', 'audio');
export const SEGMENT_BYTES = 64 * 1024;
export const DEMO_LIKE = ['demo', 'broken', 'garbage', 'slow', 'origin-slow', 'private', 'other', 'slate', 'stalls-mid-body', 'cut-short'];
/** Titles whose upstream answers fail after the headers (edge/test/upstream-body-failures.test.ts). */
const BODY_FAILURES = ['stalls-mid-body', 'cut-short'];

const PERMISSIVE = { countries: { allow: null, deny: [] }, windows: [], blackouts: [] };

function segmentBody(): Buffer {
  const body = Buffer.alloc(SEGMENT_BYTES);
  for (let i = 0; i < body.length; i++) body[i] = i % 251;
  return body;
}

/** The CDN secret the fake shield demands, like the real one; edge/vitest.config.ts binds the same. */
export const FAKE_SHIELD_SECRET = 'edge-test-shield-secret-0123456789';

let server: Server | undefined;

export async function setup(project: TestProject): Promise<void> {
  const requests: string[] = [];
  const resetOnce = new Set<string>();
  const segment = segmentBody();
  const catalogue = new Map<string, { entry: Record<string, unknown>; mode: 'ok' | 'fail' | 'hang' }>();
  const renditions = [{ playlist: 'video-360p.m3u8', height: 360 }, { playlist: 'video-720p.m3u8', height: 720 }, { playlist: 'audio.m3u8' }];
  for (const id of DEMO_LIKE) catalogue.set(id, { entry: { id, kind: 'vod', name: id, rights: PERMISSIVE, packages: [], plans: ['basic', 'standard', 'premium'], renditions }, mode: 'ok' });
  const livePlaylists = new Map<string, string>();
  const testObjects = new Map<string, string>();
  const idp = new Map<string, { state: { jwks?: unknown; status?: number; hang?: boolean; body?: string }; fetches: number }>();

  server = createServer(async (req, res) => {
    const path = req.url ?? '';
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
      res.end(JSON.stringify(value));
    };
    const body = async () => {
      let text = '';
      for await (const chunk of req) text += chunk;
      return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    };
    if (path === '/__requests') return json(200, requests);
    // A live channel's current media playlist, set by the test (`PUT /__live/{id}` with the playlist text),
    // so ad-insertion tests can slide a window with SCTE-35 cues through the edge.
    const live = /^\/__live\/([A-Za-z0-9._-]+)$/.exec(path);
    if (live && req.method === 'PUT') {
      let text = '';
      for await (const chunk of req) text += chunk;
      livePlaylists.set(live[1]!, text);
      return json(200, { ok: true });
    }
    // Any other manifest or subtitle file a test sets (`PUT /__object/{vod|live}/{id}/{file}` with its text), e.g. a channel's
    // dynamic MPD with SCTE-35 events, or an ad's MPD with a SegmentTimeline, for the live DASH ad tests.
    const object = /^\/__object\/((?:vod|live)\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+\.(?:mpd|m3u8|vtt))$/.exec(path);
    if (object && req.method === 'PUT') {
      let text = '';
      for await (const chunk of req) text += chunk;
      testObjects.set(`/${object[1]!}`, text);
      return json(200, { ok: true });
    }
    if (testObjects.has(path)) {
      const type = path.endsWith('.mpd') ? 'application/dash+xml' : path.endsWith('.vtt') ? 'text/vtt' : 'application/vnd.apple.mpegurl';
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      return res.end(testObjects.get(path));
    }
    const livePath = /^\/live\/([A-Za-z0-9._-]+)\/video-360p\.m3u8$/.exec(path);
    if (livePath && livePlaylists.has(livePath[1]!)) {
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'no-store' });
      return res.end(livePlaylists.get(livePath[1]!));
    }

    const control = /^\/__catalogue\/([A-Za-z0-9._-]+)(?:\/(fail|hang|ok))?$/.exec(path);
    if (control && req.method === 'PUT') {
      const id = control[1]!;
      if (control[2]) catalogue.get(id)!.mode = control[2] as 'ok' | 'fail' | 'hang';
      else catalogue.set(id, { entry: { id, kind: 'vod', packages: [], plans: ['basic', 'standard', 'premium'], renditions, ...(await body()) }, mode: 'ok' });
      return json(200, { ok: true });
    }
    const idpMatch = /^\/__idp\/([A-Za-z0-9_-]+)(\/jwks\.json|\/fetches)?$/.exec(path);
    if (idpMatch) {
      const name = idpMatch[1]!;
      if (req.method === 'PUT') {
        idp.set(name, { state: await body(), fetches: idp.get(name)?.fetches ?? 0 });
        return json(200, { ok: true });
      }
      const provider = idp.get(name);
      if (idpMatch[2] === '/fetches') return json(200, { fetches: provider?.fetches ?? 0 });
      if (!provider) return json(404, { error: 'no such identity provider' });
      provider.fetches++;
      const { state } = provider;
      if (state.hang) return; // never answers, like a provider stuck behind a dead load balancer
      if (state.status !== undefined && state.status !== 200) return json(state.status, { error: 'identity provider failure' });
      if (state.body !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(state.body);
        return;
      }
      return json(200, state.jwks);
    }

    requests.push(path);
    // A connection closed before any answer, once per path (a kept-alive socket the shield closed as the
    // edge reused it): paths with `-reset-once-`; those with `-reset-always-` never answer.
    if (path.includes('-reset-always-') || (path.includes('-reset-once-') && !resetOnce.has(path))) {
      resetOnce.add(path);
      req.socket.destroy();
      return;
    }
    // Like the real shield: no credential, no answer (shield/src/secret-check.ts).
    const presented = req.headers['x-cascade-shield-auth'];
    if (presented !== FAKE_SHIELD_SECRET) {
      const code = presented === undefined ? 'shield-auth-missing' : 'shield-auth-invalid';
      res.writeHead(403, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ code, status: 403 }));
      return;
    }
    const catalogueRead = /^\/api\/v1\/titles\/([A-Za-z0-9._-]+)$/.exec(path);
    if (catalogueRead) {
      const stored = catalogue.get(catalogueRead[1]!);
      if (!stored) return json(404, { code: 'title-not-found', status: 404 });
      if (stored.mode === 'hang') return;
      if (stored.mode === 'fail') return json(500, { code: 'internal', status: 500 });
      return json(200, stored.entry);
    }
    const send = (status: number, type: string, body: string | Buffer, cacheControl = 'public, max-age=10') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': cacheControl, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (path === '/vod/slate/master.m3u8') return send(200, 'application/vnd.apple.mpegurl', SLATE_MASTER);
    if (path === '/vod/bilingual/master.m3u8') return send(200, 'application/vnd.apple.mpegurl', BILINGUAL_MASTER);
    if (path === '/vod/slate/video-360p.m3u8') return send(200, 'application/vnd.apple.mpegurl', SLATE_MEDIA);
    if (path === '/vod/slate/audio-aac-64k.m3u8') return send(200, 'application/vnd.apple.mpegurl', SLATE_AUDIO);
    // Every catalogued title that is not one of the misbehaving ones below mirrors the demo's media.
    const media = /^\/(vod|live)\/([A-Za-z0-9._-]+)\/(.+)$/.exec(path);
    // Bugs found under load (issue 11): the shield sends the headers and part of a body, then stalls
    // (the edge's read must time out as 504) or closes the connection before Content-Length bytes (the
    // edge must not call the fragment a bad playlist, nor cache it). Their MPD and 360p media playlist
    // fail that way; the multivariant playlist and segments are whole, so a session can be opened.
    if (media && BODY_FAILURES.includes(media[2]!) && (media[3] === 'manifest.mpd' || media[3] === 'video-360p.m3u8')) {
      const whole = media[3] === 'manifest.mpd' ? MPD : MEDIA;
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'public, max-age=10', 'content-length': Buffer.byteLength(whole) });
      res.write(whole.slice(0, 40));
      if (media[2] === 'cut-short') setTimeout(() => res.socket?.destroy(), 20);
      return; // stalls-mid-body: the rest never comes
    }
    if (media && media[2] === 'cut-short' && media[3] === 'seg-360p-cut.m4s') {
      res.writeHead(200, { 'content-type': 'video/iso.segment', 'cache-control': 'public, max-age=31536000, immutable', 'content-length': segment.length });
      res.write(segment.subarray(0, 1024));
      setTimeout(() => res.socket?.destroy(), 20);
      return;
    }
    const mirrored = media && !['broken', 'garbage', 'slow', 'origin-slow', 'private'].includes(media[2]!) &&
      (catalogue.get(media[2]!)?.entry['kind'] ?? 'vod') === media[1] && catalogue.has(media[2]!);
    const file = mirrored ? media[3]! : '';
    if (mirrored && file === 'master.m3u8') return send(200, 'application/vnd.apple.mpegurl', MASTER);
    if (mirrored && file === 'manifest.mpd') return send(200, 'application/dash+xml', MPD);
    if (mirrored && media[1] === 'live' && file.startsWith('video-360p.m3u8?_HLS_')) return send(200, 'application/vnd.apple.mpegurl', LIVE_LL_MEDIA, 'public, max-age=1');
    // An HLS AES-128 title (README "Licensing"): the origin writes key URIs relative, as key/<KID hex>.
    const aes = mirrored ? (catalogue.get(media[2]!)?.entry['protection'] as { scheme?: string; keys?: Array<{ kid: string; tier: string }> } | undefined) : undefined;
    if (mirrored && file === 'video-360p.m3u8' && aes?.scheme === 'aes-128') {
      const sd = aes.keys?.find((k) => k.tier === 'SD')?.kid.replaceAll('-', '') ?? '';
      const tag = (iv: string) => `#EXT-X-KEY:METHOD=AES-128,URI="key/${sd}",IV=0x${iv.repeat(32)}`;
      return send(200, 'application/vnd.apple.mpegurl', MEDIA.replace('#EXT-X-MAP', `${tag('1')}\n#EXT-X-MAP`).replace('#EXTINF', `${tag('2')}\n#EXTINF`));
    }
    if (mirrored && file === 'video-360p.m3u8') return send(200, 'application/vnd.apple.mpegurl', media[1] === 'live' ? LIVE_MEDIA : MEDIA, media[1] === 'live' ? 'public, max-age=1' : 'public, max-age=10');
    // The ladder's upper variant (surge-cap tests): the same media under its own names.
    if (mirrored && file === 'video-720p.m3u8') return send(200, 'application/vnd.apple.mpegurl', (media[1] === 'live' ? LIVE_MEDIA : MEDIA).replaceAll('360p', '720p'), media[1] === 'live' ? 'public, max-age=1' : 'public, max-age=10');
    if (mirrored && /^(seg|slate)-[a-z0-9-]+\.m4s$/.test(file)) {
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        const end = Number(range[2]);
        res.writeHead(206, {
          'content-type': 'video/iso.segment',
          'content-range': `bytes ${start}-${end}/${segment.length}`,
          'cache-control': 'public, max-age=31536000, immutable',
        });
        res.end(segment.subarray(start, end + 1));
        return;
      }
      return send(200, 'video/iso.segment', segment, 'public, max-age=31536000, immutable');
    }
    if (path === '/vod/private/seg-1.m4s') return send(200, 'video/iso.segment', segment, 'private, no-store');
    if (path === '/vod/broken/master.m3u8') return send(500, 'text/plain', 'boom');
    if (path === '/vod/origin-slow/master.m3u8') return send(504, 'application/problem+json', JSON.stringify({ code: 'upstream-timeout', status: 504 }));
    if (path === '/vod/garbage/master.m3u8') return send(200, 'text/html', '<html>not a playlist</html>');
    if (path === '/vod/slow/master.m3u8') return; // never answers
    if (path === '/vod/stalled-body/seg-1.m4s') {
      // A head, the first bytes, then nothing: the body stalls past the edge's upstream deadline.
      res.writeHead(200, { 'content-type': 'video/iso.segment', 'cache-control': 'public, max-age=60', 'content-length': 1000 });
      res.write(Buffer.alloc(10));
      return;
    }
    send(404, 'application/problem+json', JSON.stringify({ code: 'not-found', status: 404 }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake shield did not bind');
  project.provide('fakeShieldUrl', `http://127.0.0.1:${address.port}`);
}

export async function teardown(): Promise<void> {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
}

declare module 'vitest' {
  export interface ProvidedContext {
    fakeShieldUrl: string;
  }
}
