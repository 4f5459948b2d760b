import { Parser as M3u8Parser } from 'm3u8-parser';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { devToken } from './dev-token.ts';
import { rawGet } from './raw-get.ts';

const stack = inject('stack');
let token: string;

beforeAll(async () => {
  token = await devToken();
});

interface Manifest { playlists?: Array<{ uri: string }>; mediaGroups?: Record<string, Record<string, Record<string, { uri?: string }>>>; segments?: Array<{ uri: string; map?: { uri: string } }> }

function parseM3u8(text: string): Manifest {
  const parser = new M3u8Parser();
  parser.push(text);
  parser.end();
  return parser.manifest as Manifest;
}

async function master(): Promise<{ text: string; manifest: Manifest }> {
  const response = await fetch(`${stack.edge}/v1/play/demo/master.m3u8?token=${token}`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, manifest: parseM3u8(text) };
}

async function originMediaRequests(): Promise<number> {
  const metrics = await (await fetch(`${stack.origin}/metrics`)).text();
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('origin_http_requests_total{') && line.includes('route="media"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('the delivery path: player → edge → shield → origin', () => {
  it('has every tier answering /healthz with 200', async () => {
    for (const url of Object.values(stack)) expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('refuses the manifest without a token, and with a forged one, as problem+json', async () => {
    const missing = await fetch(`${stack.edge}/v1/play/demo/master.m3u8`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(((await missing.json()) as { code: string }).code).toBe('token-missing');
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const bad = await fetch(`${stack.edge}/v1/play/demo/master.m3u8?token=${forged}`);
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { code: string }).code).toBe('token-invalid');
  });

  it('rewrites every URL in the multivariant playlist to the edge under one session token', async () => {
    const { manifest } = await master();
    const variantUris = (manifest.playlists ?? []).map((p) => p.uri);
    const audioUris = Object.values(manifest.mediaGroups?.['AUDIO'] ?? {}).flatMap((group) => Object.values(group).map((r) => r.uri ?? ''));
    expect(variantUris.length).toBeGreaterThanOrEqual(3);
    expect(audioUris.length).toBeGreaterThanOrEqual(1);
    const tokens = new Set<string>();
    for (const uri of [...variantUris, ...audioUris]) {
      const match = new RegExp(`^${stack.edge}/v1/media/([^/]+)/vod/demo/[A-Za-z0-9._-]+$`).exec(uri);
      expect(match, uri).not.toBeNull();
      tokens.add(match![1]!);
    }
    expect(tokens.size).toBe(1);
  });

  it('serves media playlists and segments through the edge with the right types and cache rules', async () => {
    const { manifest } = await master();
    const playlistUrl = manifest.playlists![0]!.uri;
    const playlist = await fetch(playlistUrl);
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const media = parseM3u8(await playlist.text());
    const segments = media.segments ?? [];
    expect(segments.length).toBeGreaterThanOrEqual(10);

    const init = await fetch(new URL(segments[0]!.map!.uri, playlistUrl));
    expect(init.status).toBe(200);
    expect(init.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const segment = await fetch(new URL(segments[0]!.uri, playlistUrl));
    expect(segment.status).toBe(200);
    expect(segment.headers.get('content-type')).toBe('video/iso.segment');
    expect(segment.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const bytes = new Uint8Array(await segment.arrayBuffer());
    // An fMP4 media segment starts with a box header: size then a type such as styp or moof.
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toMatch(/^(styp|moof|sidx)$/);
  });

  it('serves the DASH MPD with a BaseURL through the edge', async () => {
    const response = await fetch(`${stack.edge}/v1/play/demo/manifest.mpd?token=${token}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/dash+xml');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const xml = await response.text();
    expect(xml).toMatch(new RegExp(`<BaseURL>${stack.edge}/v1/media/[^/]+/vod/demo/</BaseURL>`));
  });

  it('serves a byte range of a segment through every tier with exactly the origin’s bytes', async () => {
    const { manifest } = await master();
    const playlistUrl = manifest.playlists![1]!.uri;
    const segmentUri = parseM3u8(await (await fetch(playlistUrl)).text()).segments![2]!.uri;
    const name = new URL(segmentUri, playlistUrl).pathname.split('/').pop()!;
    const whole = new Uint8Array(await (await fetch(`${stack.origin}/vod/demo/${name}`)).arrayBuffer());
    const ranged = await fetch(new URL(segmentUri, playlistUrl), { headers: { range: 'bytes=1000-1999' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 1000-1999/${whole.length}`);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(whole.subarray(1000, 2000));
  });

  it('collapses 200 concurrent requests for a cold segment into one origin request', async () => {
    const { manifest } = await master();
    const playlistUrl = manifest.playlists!.at(-1)!.uri;
    const segments = parseM3u8(await (await fetch(playlistUrl)).text()).segments!;
    // The last segment of the top rendition. This file runs before the browser test (see
    // alphabetical-sequencer.ts), and nothing earlier in it asks for that segment.
    const coldUrl = new URL(segments.at(-1)!.uri, playlistUrl).href;
    const before = await originMediaRequests();
    const bodies = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const response = await fetch(coldUrl);
        expect(response.status).toBe(200);
        return Buffer.from(await response.arrayBuffer());
      }),
    );
    expect(await originMediaRequests()).toBe(before + 1);
    for (const body of bodies) expect(body.equals(bodies[0]!)).toBe(true);
  });

  it('answers 404 title-not-found for an unknown title', async () => {
    const response = await fetch(`${stack.edge}/v1/play/no-such-title/master.m3u8?token=${token}`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('title-not-found');
  });
});

describe('path traversal on every tier', () => {
  const hostile = [
    '/vod/demo/../../../../etc/passwd',
    '/vod/demo/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/vod/demo/%252e%252e/%252e%252e/etc/passwd',
    '/vod/demo/..%5c..%5c..%5cetc%5cpasswd',
    '//etc/passwd',
    '/vod/demo/%00../../etc/passwd',
  ];

  it.each(hostile)('the origin refuses %s', async (path) => {
    const response = await rawGet(stack.origin, path);
    expect([400, 404]).toContain(response.status);
    expect(response.body).not.toContain('root:');
  });

  it.each(hostile)('the shield refuses %s, even from an authenticated CDN', async (path) => {
    const response = await rawGet(stack.shield, path, { 'x-cascade-shield-auth': inject('serviceSecrets').shieldSecret });
    expect([400, 404]).toContain(response.status);
    expect(response.body).not.toContain('root:');
  });

  it('the shield serves only authenticated CDNs: 403 without the shared secret, 200 with it', async () => {
    const anonymous = await rawGet(stack.shield, '/vod/demo/master.m3u8');
    const wrong = await rawGet(stack.shield, '/vod/demo/master.m3u8', { 'x-cascade-shield-auth': 'not-the-dev-shield-secret-0123' });
    const authenticated = await rawGet(stack.shield, '/vod/demo/master.m3u8', { 'x-cascade-shield-auth': inject('serviceSecrets').shieldSecret });

    expect(anonymous.status).toBe(403);
    expect(JSON.parse(anonymous.body).code).toBe('shield-auth-missing');
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.body).code).toBe('shield-auth-invalid');
    expect(authenticated.status).toBe(200);
    expect(authenticated.body.startsWith('#EXTM3U')).toBe(true);
  });

  it.each(hostile)('the edge refuses %s behind a valid session token', async (path) => {
    const { manifest } = await master();
    const session = new URL(manifest.playlists![0]!.uri).pathname.split('/')[3]!;
    const response = await rawGet(stack.edge, `/v1/media/${session}${path}`);
    expect([400, 401, 404]).toContain(response.status);
    expect(response.body).not.toContain('root:');
  });
});
