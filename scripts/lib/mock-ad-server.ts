import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * A local ad decision server: a stand-in for the ad platform outside the product (FreeWheel, GAM,
 * SpringServe…), answering the way real ones do, including their failures. Tests and `npm start` use it.
 *
 * - `GET /vast?v=2|3|4&ads=N&sid=…&dur=…` a VAST inline pod of N linear ads (creatives `spot-a`, `spot-b`,
 *   `spot-c`, cycled), each with an impression and the five quartile trackers pointing back here.
 * - `GET /vast/wrapper?depth=D&…` a wrapper chain D deep ending in the inline answer; every level adds its
 *   own impression and tracking, as a reseller's wrapper does.
 * - `GET /vast/empty` `<VAST version="4.1"/>` (no fill); `GET /vast/malformed` a truncated document;
 *   `GET /vast/slow?ms=…` the inline answer after a delay; `GET /vast/error` HTTP 500.
 * - `GET /vmap?pre=1&mid=SECONDS[,SECONDS]&post=1&…` a VMAP 1.0 playlist whose breaks point at `/vast`.
 * - `GET /track?ev=…&ad=…&sid=…` (every tracking URL) records the hit and answers 204.
 * - `GET /hits` the recorded hits (JSON), `DELETE /hits` forgets them.
 * - `GET /media/{creative}.mp4` the creative's mezzanine (made once with ffmpeg, cached on disk).
 * - `GET /requests` every decision request received (path and query), for call counting.
 */
export interface MockAdServer {
  url: string;
  hits(): AdServerHit[];
  requests(): string[];
  reset(): void;
  stop(): Promise<void>;
}

export interface AdServerHit {
  event: string;
  ad: string;
  sid: string;
  /** Which tracker fired: `wrapper-N` for a wrapper level's own tracker, `inline` for the inline ad's. */
  source: string;
  /** The break position the decision request named (`{position}`). */
  pos: string;
  at: number;
}

export interface MockAdServerOptions {
  port?: number;
  /** Where creatives' mezzanine files are kept between runs. */
  mediaDir: string;
  /** ffmpeg, to make the creatives' mezzanines on first request; without it `/media/…` answers 503. */
  ffmpegPath?: string;
}

/** Creatives and their durations: together they fill 10 s (two ads) or more. */
export const MOCK_CREATIVES: Record<string, { seconds: number; colour: string; tone: number }> = {
  'spot-a': { seconds: 6, colour: 'red', tone: 523 },
  'spot-b': { seconds: 4, colour: 'blue', tone: 659 },
  'spot-c': { seconds: 8, colour: 'green', tone: 784 },
};

const EVENTS = ['start', 'firstQuartile', 'midpoint', 'thirdQuartile', 'complete'] as const;

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}

// `pos` (the break position the edge sent) lets a test tell a pre-roll's beacons from a mid-roll's.
let currentPos = '';
function trackUrl(base: string, event: string, ad: string, sid: string, source: string): string {
  return `${base}/track?ev=${event}&ad=${encodeURIComponent(ad)}&sid=${encodeURIComponent(sid)}&src=${source}&pos=${encodeURIComponent(currentPos)}`;
}

/** One inline VAST ad in the dialect of `version` (VAST 2 puts the ad id on Creative@AdID; 4 adds UniversalAdId). */
function inlineAd(base: string, version: string, creative: string, sequence: number, sid: string): string {
  const { seconds } = MOCK_CREATIVES[creative]!;
  const media = `${base}/media/${creative}.mp4`;
  const tracking = EVENTS.map((ev) => `<Tracking event="${ev}"><![CDATA[${trackUrl(base, ev, creative, sid, 'inline')}]]></Tracking>`).join('\n            ');
  const creativeAttrs = version.startsWith('2') ? `id="${creative}" AdID="${creative}"` : `id="${creative}" adId="${creative}" sequence="1"`;
  const universal = version.startsWith('4') ? `\n        <UniversalAdId idRegistry="ad-id.org">${creative}</UniversalAdId>` : '';
  return `
  <Ad id="ad-${creative}" sequence="${sequence}">
    <InLine>
      <AdSystem version="1.0">cascade-mock</AdSystem>
      <AdTitle>${creative}</AdTitle>
      <Error><![CDATA[${base}/track?ev=error&ad=${creative}&sid=${encodeURIComponent(sid)}&code=[ERRORCODE]]]></Error>
      <Impression id="imp"><![CDATA[${trackUrl(base, 'impression', creative, sid, 'inline')}]]></Impression>
      <Creatives>
        <Creative ${creativeAttrs}>${universal}
        <Linear>
          <Duration>${clock(seconds)}</Duration>
          <TrackingEvents>
            ${tracking}
          </TrackingEvents>
          <VideoClicks><ClickThrough><![CDATA[https://advertiser.example/${creative}]]></ClickThrough></VideoClicks>
          <MediaFiles>
            <MediaFile delivery="streaming" type="application/x-mpegURL" width="640" height="360"><![CDATA[https://cdn.example/${creative}/master.m3u8]]></MediaFile>
            <MediaFile id="${creative}-mp4" delivery="progressive" type="video/mp4" width="640" height="360" bitrate="900" scalable="true" maintainAspectRatio="true"><![CDATA[${media}]]></MediaFile>
          </MediaFiles>
        </Linear>
        </Creative>
      </Creatives>
    </InLine>
  </Ad>`;
}

function inlineVast(base: string, query: URLSearchParams): string {
  currentPos = query.get('pos') ?? '';
  const version = ({ '2': '2.0', '3': '3.0', '4': '4.2' } as Record<string, string>)[query.get('v') ?? '3'] ?? '3.0';
  const count = Math.max(0, Math.min(5, Number(query.get('ads') ?? '2') || 0));
  const sid = query.get('sid') ?? '';
  const names = (query.get('creatives') ?? 'spot-a,spot-b,spot-c').split(',').filter((n) => n in MOCK_CREATIVES);
  const ads = Array.from({ length: count }, (_, i) => inlineAd(base, version, names[i % names.length]!, i + 1, sid)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<VAST version="${version}" xmlns:xs="http://www.w3.org/2001/XMLSchema">${ads}\n</VAST>\n`;
}

function wrapperVast(base: string, query: URLSearchParams): string {
  currentPos = query.get('pos') ?? '';
  const depth = Math.max(0, Math.min(20, Number(query.get('depth') ?? '1') || 0));
  if (depth === 0) return inlineVast(base, query);
  const sid = query.get('sid') ?? '';
  const next = new URLSearchParams(query);
  next.set('depth', String(depth - 1));
  const source = `wrapper-${depth}`;
  const tracking = EVENTS.map((ev) => `<Tracking event="${ev}"><![CDATA[${trackUrl(base, ev, '*', sid, source)}]]></Tracking>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<VAST version="3.0">
  <Ad id="wrap-${depth}">
    <Wrapper followAdditionalWrappers="true" allowMultipleAds="true">
      <AdSystem>cascade-mock-reseller</AdSystem>
      <VASTAdTagURI><![CDATA[${base}/vast/wrapper?${next}]]></VASTAdTagURI>
      <Impression><![CDATA[${trackUrl(base, 'impression', '*', sid, source)}]]></Impression>
      <Creatives><Creative><Linear><TrackingEvents>${tracking}</TrackingEvents></Linear></Creative></Creatives>
    </Wrapper>
  </Ad>
</VAST>
`;
}

function vmap(base: string, query: URLSearchParams): string {
  const breaks: string[] = [];
  const vast = new URLSearchParams(query);
  for (const name of ['pre', 'mid', 'post']) vast.delete(name);
  const source = (id: string, offset: string) => `
  <vmap:AdBreak timeOffset="${offset}" breakType="linear" breakId="${id}">
    <vmap:AdSource id="${id}-source" allowMultipleAds="true" followRedirects="true">
      <vmap:AdTagURI templateType="vast3"><![CDATA[${base}/vast?${vast}&position=${id}]]></vmap:AdTagURI>
    </vmap:AdSource>
  </vmap:AdBreak>`;
  if (query.get('pre') === '1') breaks.push(source('preroll', 'start'));
  for (const [i, mid] of (query.get('mid') ?? '').split(',').filter(Boolean).entries()) breaks.push(source(`midroll-${i + 1}`, clock(Number(mid))));
  if (query.get('post') === '1') breaks.push(source('postroll', 'end'));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<vmap:VMAP xmlns:vmap="http://www.iab.net/videosuite/vmap" version="1.0">${breaks.join('')}\n</vmap:VMAP>\n`;
}

async function ensureCreative(mediaDir: string, ffmpegPath: string, creative: string): Promise<string> {
  const file = join(mediaDir, `${creative}.mp4`);
  try {
    if ((await stat(file)).size > 0) return file;
  } catch {
    // not made yet
  }
  const { seconds, colour, tone } = MOCK_CREATIVES[creative]!;
  await mkdir(mediaDir, { recursive: true });
  const partial = `${file}.partial-${process.pid}.mp4`;
  await promisify(execFile)(ffmpegPath, [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `color=c=${colour}:size=640x360:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=${tone}:sample_rate=48000:duration=${seconds}`,
    '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-c:a', 'aac',
    '-t', String(seconds), '-movflags', '+faststart', '-y', partial,
  ]);
  await rename(partial, file);
  return file;
}

export async function startMockAdServer(options: MockAdServerOptions): Promise<MockAdServer> {
  const hits: AdServerHit[] = [];
  const requests: string[] = [];
  let base = '';
  const making = new Map<string, Promise<string>>();

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const q = url.searchParams;
    const xml = (body: string) => send(res, 200, 'application/xml; charset=utf-8', body);
    if (url.pathname.startsWith('/vast') || url.pathname === '/vmap') requests.push(url.pathname + url.search);
    switch (url.pathname) {
      case '/vast':
        return xml(inlineVast(base, q));
      case '/vast/wrapper':
        return xml(wrapperVast(base, q));
      case '/vast/empty':
        return xml('<?xml version="1.0" encoding="UTF-8"?>\n<VAST version="4.1"/>\n');
      case '/vast/malformed':
        return xml(inlineVast(base, q).slice(0, 700));
      case '/vast/error':
        return send(res, 500, 'text/plain', 'internal error');
      case '/vast/slow':
        await new Promise((r) => setTimeout(r, Math.min(60_000, Number(q.get('ms') ?? '5000') || 0)));
        return xml(inlineVast(base, q));
      case '/vmap':
        return xml(vmap(base, q));
      case '/track':
        hits.push({ event: q.get('ev') ?? '', ad: q.get('ad') ?? '', sid: q.get('sid') ?? '', source: q.get('src') ?? '', pos: q.get('pos') ?? '', at: Date.now() });
        return send(res, 204, 'text/plain', '');
      case '/hits':
        if (req.method === 'DELETE') {
          hits.length = 0;
          return send(res, 204, 'text/plain', '');
        }
        return send(res, 200, 'application/json', JSON.stringify(hits));
      case '/requests':
        return send(res, 200, 'application/json', JSON.stringify(requests));
      case '/healthz':
        return send(res, 200, 'text/plain', 'ok');
    }
    const media = /^\/media\/([a-z-]+)\.mp4$/.exec(url.pathname)?.[1];
    if (media !== undefined && media in MOCK_CREATIVES) {
      if (options.ffmpegPath === undefined) return send(res, 503, 'text/plain', 'no ffmpeg to make creatives with');
      let file = making.get(media);
      if (!file) {
        file = ensureCreative(options.mediaDir, options.ffmpegPath, media);
        making.set(media, file);
        file.catch(() => making.delete(media)); // a failed encode is tried again on the next request
      }
      return send(res, 200, 'video/mp4', await readFile(await file));
    }
    return send(res, 404, 'text/plain', 'not found');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain', String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url: base,
    hits: () => [...hits],
    requests: () => [...requests],
    reset: () => {
      hits.length = 0;
      requests.length = 0;
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
