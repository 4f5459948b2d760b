import { createServer, type Server } from 'node:http';
import type { TestProject } from 'vitest/node';

/**
 * A stand-in for our own shield, so edge tests run inside workerd without the Node tiers. It serves
 * a tiny packaged title and can misbehave on request: 500s, hangs, bodies that are not manifests.
 * It records every path it is asked for so tests can prove what did (not) reach the upstream.
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
export const SEGMENT_BYTES = 64 * 1024;

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
  const segment = segmentBody();
  server = createServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/__requests') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(requests));
      return;
    }
    requests.push(path);
    // Like the real shield: no credential, no answer (shield/src/secret-check.ts).
    const presented = req.headers['x-cascade-shield-auth'];
    if (presented !== FAKE_SHIELD_SECRET) {
      const code = presented === undefined ? 'shield-auth-missing' : 'shield-auth-invalid';
      res.writeHead(403, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ code, status: 403 }));
      return;
    }
    const send = (status: number, type: string, body: string | Buffer, cacheControl = 'public, max-age=10') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': cacheControl, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (path === '/vod/demo/master.m3u8') return send(200, 'application/vnd.apple.mpegurl', MASTER);
    if (path === '/vod/demo/manifest.mpd') return send(200, 'application/dash+xml', MPD);
    if (path === '/vod/demo/video-360p.m3u8') return send(200, 'application/vnd.apple.mpegurl', MEDIA);
    if (/^\/vod\/demo\/seg-[a-z0-9-]+\.m4s$/.test(path)) {
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
